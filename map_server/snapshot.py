"""The public outages held in memory, re-read only when the outages table changes.

Under a storm the map is fetched thousands of times a minute while outages change a
few times. Every public response is built from one immutable `Snapshot`; a cheap
aggregate query (`storage.outages.public_state`), run at most once per `ttl` seconds,
tells whether the stored outages changed. Its value is the ETag token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.public import PublicOutage, bounds, iso
from gis_outage.storage.addresses import address_bounds
from gis_outage.storage.outages import public_state

# Processes start with this as the earliest Last-Modified: a new release may render
# the same data differently.
STARTED_AT = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Snapshot:
    token: str
    last_modified: datetime
    outages: tuple[PublicOutage, ...]  # ordered by start time, then id
    # The service area's box (the address register), read only when there are no outages.
    service_area: tuple[float, float, float, float] | None = None
    by_id: dict[int, PublicOutage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {o.id: o for o in self.outages})

    def get(self, outage_id: int) -> PublicOutage | None:
        return self.by_id.get(outage_id)

    def bbox(self) -> tuple[float, float, float, float] | None:
        """The WGS84 box of the outages, else of the service area; None: nothing known."""
        return bounds(self.outages) or self.service_area

    def interval(self) -> tuple[str | None, str | None] | None:
        """First start and last end of the outages (None: open-ended); None: no outages."""
        if not self.outages:
            return None
        ends = [o.ends_at for o in self.outages]
        last = None if any(end is None for end in ends) else max(e for e in ends if e)
        return iso(min(o.starts_at for o in self.outages)), iso(last)

    def feature_collection(self) -> dict[str, Any]:
        features = [o.feature() for o in self.outages]
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": len(features),
            "numberReturned": len(features),
            "timeStamp": iso(self.last_modified),
        }


class SnapshotCache:
    """The current Snapshot of one database, re-checked at most every `ttl` seconds."""

    def __init__(
        self, engine: Engine, ttl: float = 1.0, ended_visible: timedelta = timedelta(0)
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.ended_visible = ended_visible  # resolved/cancelled outages stay this long
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")

    def fresh(self) -> Snapshot | None:
        """The snapshot if it was checked within `ttl`, without touching the database."""
        if time.monotonic() - self._checked_at < self.ttl:
            return self._snapshot
        return None

    def current(self) -> Snapshot:
        """The up-to-date snapshot (blocking: runs a query when the last check is old).

        While another thread runs that query, the snapshot it replaces is answered at
        once: under a storm the database may take a while to answer, and every request
        of that while would otherwise wait for it (the first snapshot is waited for)."""
        snapshot = self.fresh()
        if snapshot is not None:
            return snapshot
        if not self._lock.acquire(blocking=False):
            if self._snapshot is not None:
                return self._snapshot  # at most `ttl` + one query old
            self._lock.acquire()
        try:
            snapshot = self.fresh()  # another thread may have refreshed meanwhile
            if snapshot is not None:
                return snapshot
            known = self._snapshot.token if self._snapshot is not None else None
            since = datetime.now(UTC) - self.ended_visible if self.ended_visible else None
            state = public_state(self.engine, known, ended_since=since)
            if state.outages is not None or self._snapshot is None:
                newest = max(state.newest or STARTED_AT, STARTED_AT)
                outages = state.outages or ()
                area = None if outages else address_bounds(self.engine)
                self._snapshot = Snapshot(state.token, newest, outages, area)
            self._checked_at = time.monotonic()
            return self._snapshot
        finally:
            self._lock.release()

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
