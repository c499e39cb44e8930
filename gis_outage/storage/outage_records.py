"""An outage and its events as storage returns them: one typed, frozen record per row
of `outages` and of `outage_events`.

Callers read attributes (`outage.status`, `event.estimated_end_at`); a change goes
through `storage.outages`, which returns a new record. `as_dict` gives the columns as a
plain dict, in column order, for the adapters that serialise it (the engineer API,
previews).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_outage.model import EventKind, OutageKind, OutageStatus, Service
from gis_outage.public import PUBLIC_FIELDS


@dataclass(frozen=True, slots=True)
class Outage:
    id: int
    service: Service
    kind: OutageKind
    status: OutageStatus
    starts_at: datetime
    estimated_end_at: datetime | None
    ended_at: datetime | None
    cause: str | None
    texts: dict[str, str]
    # The trace result: link/service point/address ids, customers, selection, …
    affected: dict[str, Any]
    public_area: BaseGeometry | None
    area_description: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int  # bumped on every change: optimistic locking and the public ETag

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Outage:
        """A record from a row of `outages` (every column, any order)."""
        return cls(**{name: row[name] for name in OUTAGE_FIELDS})

    def as_dict(self) -> dict[str, Any]:
        """The columns as a new plain dict in column order (values shared, not copied)."""
        return {name: getattr(self, name) for name in OUTAGE_FIELDS}


OUTAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Outage))


# What an event keeps of its outage: the public fields but the area (large), and the
# trace (whom it reaches).
_SNAPSHOT_FIELDS = [f for f in PUBLIC_FIELDS if f != "public_area"] + ["affected"]
# The id of an event not stored (a preview): above every stored id, so every stored
# event of the outage counts as earlier.
UNSAVED_EVENT_ID = 2**62


def event_snapshot(outage: Outage) -> dict[str, Any]:
    """JSON-safe copy of the outage as it is at the event (the area is left out: large)."""
    out = {}
    for f in _SNAPSHOT_FIELDS:
        value = getattr(outage, f)
        out[f] = value.isoformat() if isinstance(value, datetime) else value
    return out


@dataclass(frozen=True, slots=True)
class OutageEvent:
    """One row of `outage_events`: what residents are told of, with the outage as it was.

    `payload` is the stored JSON document, `{"outage": snapshot, "changed": [field, …]}`,
    shared and not to be changed (a worker caches events). A header
    (`storage.events.event_header`) is the same record whose snapshot's `affected` lacks
    the trace's lists of ids (`storage.events.EVENT_LISTS`)."""

    id: int
    outage_id: int
    kind: EventKind
    created_at: datetime
    payload: Mapping[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> OutageEvent:
        """A record from a row of `outage_events` (every column, any order)."""
        return cls(
            row["id"], row["outage_id"], EventKind(row["kind"]), row["created_at"], row["payload"]
        )

    @classmethod
    def unsaved(cls, outage: Outage, kind: EventKind, at: datetime) -> OutageEvent:
        """The event `kind` that `outage` as it is would write at `at`, not stored (id
        UNSAVED_EVENT_ID): what a preview of its messages and timing decides on."""
        payload = {"outage": event_snapshot(outage), "changed": []}
        return cls(UNSAVED_EVENT_ID, outage.id, kind, at, payload)

    @property
    def snapshot(self) -> Mapping[str, Any]:
        """The outage at the event: `event_snapshot`'s JSON (times as ISO text)."""
        return self.payload["outage"]

    @property
    def changed(self) -> Sequence[str]:
        """The outage's columns the change that wrote the event set (`status` and
        `ended_at` of a status change, an update's edited fields; none for a reminder)."""
        return self.payload.get("changed") or []

    @property
    def affected(self) -> Mapping[str, Any]:
        """The snapshot's trace result: streets, counts, critical customers, id lists."""
        affected = self.snapshot.get("affected")
        return {} if affected is None else affected  # a header's, empty, still refuses

    @property
    def streets(self) -> list[str]:
        return list(self.affected.get("streets") or [])

    @property
    def service(self) -> Service:
        return Service(self.snapshot["service"])

    @property
    def outage_kind(self) -> OutageKind:
        return OutageKind(self.snapshot["kind"])

    @property
    def starts_at(self) -> datetime:
        start = self.snapshot["starts_at"]  # never null
        return start if isinstance(start, datetime) else datetime.fromisoformat(start)

    @property
    def estimated_end_at(self) -> datetime | None:
        return _time(self.snapshot.get("estimated_end_at"))

    @property
    def ended_at(self) -> datetime | None:
        return _time(self.snapshot.get("ended_at"))

    @property
    def day(self) -> date:
        """The (UTC) date of the event: whom an address reaches on it (move-outs)."""
        return self.created_at.date()

    def as_dict(self) -> dict[str, Any]:
        """The columns as a new plain dict in column order (the payload shared)."""
        return {name: getattr(self, name) for name in EVENT_FIELDS}


EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(OutageEvent))


def _time(value: str | datetime | None) -> datetime | None:
    """A snapshot's time: ISO text as stored (a datetime is taken as it is)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
