"""The public outages held in memory, re-read only when the outages table changes.

Under a storm the map is fetched thousands of times a minute while outages change a
few times. Every public response is built from one immutable `Snapshot`; a cheap
aggregate query (count, newest `updated_at`, sum of versions), run at most once per
`ttl` seconds, tells whether the stored outages changed. Its value is the ETag token.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Connection, Engine

from gis_outage.model import OutageStatus
from gis_outage.storage.db import read_connection
from gis_outage.storage.schema import outages

# The outage columns the public may see (plus `customers` taken from `affected`).
PUBLIC_COLUMNS = (
    "id",
    "service",
    "kind",
    "status",
    "starts_at",
    "estimated_end_at",
    "ended_at",
    "cause",
    "area_description",
    "updated_at",
)
PROPERTY_NAMES = (*PUBLIC_COLUMNS[1:], "customers")
TIME_PROPERTIES = frozenset({"starts_at", "estimated_end_at", "ended_at", "updated_at"})
# Processes start with this as the earliest Last-Modified: a new release may render
# the same data differently.
STARTED_AT = datetime.now(UTC).replace(microsecond=0)


def iso(value: datetime | None) -> str | None:
    """UTC timestamps as ISO 8601 with Z, to the second (what clients and OGC expect)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PublicOutage:
    """One outage as the public sees it; `address_ids` serve the look-up only."""

    id: int
    properties: Mapping[str, Any]
    shape: BaseGeometry | None
    starts_at: datetime
    ends_at: datetime | None  # actual end, else the estimate; None: open-ended
    updated_at: datetime
    address_ids: frozenset[str] = field(repr=False)

    def feature(
        self, select: list[str] | None = None, skip_geometry: bool = False
    ) -> dict[str, Any]:
        """A new GeoJSON Feature dict (callers such as pygeoapi may modify it)."""
        props = {k: v for k, v in self.properties.items() if not select or k in select}
        geometry = None
        if self.shape is not None and not skip_geometry:
            geometry = shapely.geometry.mapping(self.shape)
        return {"type": "Feature", "id": self.id, "geometry": geometry, "properties": props}

    def active_between(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether the outage's time span meets [start, end] (None: unbounded)."""
        if end is not None and self.starts_at > end:
            return False
        return not (start is not None and self.ends_at is not None and self.ends_at < start)


@dataclass(frozen=True)
class Snapshot:
    token: str
    last_modified: datetime
    outages: tuple[PublicOutage, ...]  # ordered by start time, then id
    by_id: dict[int, PublicOutage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {o.id: o for o in self.outages})

    def get(self, outage_id: int) -> PublicOutage | None:
        return self.by_id.get(outage_id)

    def feature_collection(self) -> dict[str, Any]:
        features = [o.feature() for o in self.outages]
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": len(features),
            "numberReturned": len(features),
            "timeStamp": iso(self.last_modified),
        }


def state_token(conn: Connection) -> tuple[str, datetime]:
    """A token that changes with any change to the outages table, and its newest edit."""
    query = sa.select(
        sa.func.count(),
        sa.func.max(outages.c.updated_at),
        sa.func.coalesce(sa.func.sum(outages.c.version), 0),
        sa.func.max(outages.c.id),
    )
    count, newest, versions, max_id = conn.execute(query).one()
    raw = f"{count}|{newest}|{versions}|{max_id}"
    token = hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()
    return token, max(newest or STARTED_AT, STARTED_AT)


def load_public_outages(conn: Connection) -> tuple[PublicOutage, ...]:
    """Published outages — ongoing and upcoming planned works — with public fields only."""
    query = (
        sa.select(
            *(outages.c[c] for c in PUBLIC_COLUMNS), outages.c.affected, outages.c.public_area
        )
        .where(outages.c.status == OutageStatus.PUBLISHED.value)
        .order_by(outages.c.starts_at, outages.c.id)
    )
    return tuple(public_outage(row) for row in conn.execute(query).mappings())


def public_outage(row: Mapping[str, Any]) -> PublicOutage:
    """The public view of an outage row (any mapping with the outage columns)."""
    affected = row.get("affected") or {}
    props: dict[str, Any] = {
        name: iso(row[name]) if name in TIME_PROPERTIES else row[name]
        for name in PUBLIC_COLUMNS[1:]
    }
    props["customers"] = int(affected.get("customers") or 0)
    shape = row.get("public_area")
    return PublicOutage(
        id=int(row["id"]),
        properties=props,
        shape=None if shape is None or shape.is_empty else shape,
        starts_at=row["starts_at"],
        ends_at=row["ended_at"] or row["estimated_end_at"],
        updated_at=row["updated_at"],
        address_ids=frozenset(str(a) for a in affected.get("addresses") or ()),
    )


class SnapshotCache:
    """The current Snapshot of one database, re-checked at most every `ttl` seconds."""

    def __init__(self, engine: Engine, ttl: float = 1.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")

    def fresh(self) -> Snapshot | None:
        """The snapshot if it was checked within `ttl`, without touching the database."""
        if time.monotonic() - self._checked_at < self.ttl:
            return self._snapshot
        return None

    def current(self) -> Snapshot:
        """The up-to-date snapshot (blocking: runs a query when the last check is old)."""
        snapshot = self.fresh()
        if snapshot is not None:
            return snapshot
        with self._lock:
            snapshot = self.fresh()  # another thread may have refreshed meanwhile
            if snapshot is not None:
                return snapshot
            with read_connection(self.engine) as conn:
                # One read transaction: on SQLite the rows match the token exactly.
                token, last_modified = state_token(conn)
                snapshot = self._snapshot
                if snapshot is None or snapshot.token != token:
                    snapshot = Snapshot(token, last_modified, load_public_outages(conn))
                    self._snapshot = snapshot
            self._checked_at = time.monotonic()
            return snapshot

    def invalidate(self) -> None:
        """Re-check on the next request; call after a write for an at-once update."""
        self._checked_at = float("-inf")


# pygeoapi builds its provider from configuration alone, so it finds the cache by key.
_REGISTRY: dict[str, SnapshotCache] = {}


def register(key: str, cache: SnapshotCache) -> None:
    _REGISTRY[key] = cache


def lookup(key: str) -> SnapshotCache:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"no outage snapshot registered as {key!r}") from None
