"""Deliveries as storage returns them: typed, frozen records instead of dicts.

- `Delivery`: one whole row of `deliveries` (reports, receipts, tests);
- `PendingDelivery`: what a sender needs of a row that may still be sent: one just
  queued, claimed, or found open (`storage.claims`, `storage.recipients`);
- `DeliveryPart`: one part of an accepted multi-part message (`delivery_parts`).

The destination (a number or an address) stays out of each record's repr: records end
up in logs and error messages, personal data never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from gis_outage.model import Channel, DeliveryStatus


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to one destination for one event (a row of `deliveries`)."""

    id: int
    event_id: int
    destination: str = field(repr=False)
    channel: Channel
    status: DeliveryStatus
    provider: str | None
    provider_message_id: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Delivery:
        """A record from a row of `deliveries` (every column, any order)."""
        values = {name: row[name] for name in DELIVERY_FIELDS}
        values["channel"] = Channel(values["channel"])
        values["status"] = DeliveryStatus(values["status"])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The columns as a new plain dict in column order."""
        return {name: getattr(self, name) for name in DELIVERY_FIELDS}


DELIVERY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Delivery))


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """A delivery that may still be sent, as its sender needs it: `attempts` counts the
    claims so far (0: never tried; a claim counts its own)."""

    id: int
    destination: str = field(repr=False)
    channel: Channel
    attempts: int = 0



_CHANNELS = {c.value: c for c in Channel}  # a dict look-up: rows come by the hundred thousand


def pending_deliveries(rows: Iterable[Sequence[Any]]) -> list[PendingDelivery]:
    """Records from result rows of (id, destination, channel) or (…, attempts)."""
    return [PendingDelivery(r[0], r[1], _CHANNELS[r[2]], r[3] if len(r) > 3 else 0)
            for r in rows]


@dataclass(frozen=True, slots=True)
class DeliveryPart:
    """One part of a multi-part message: its own message id and receipt status."""

    part: int  # 1, 2, … in the message's order
    provider: str
    provider_message_id: str
    status: DeliveryStatus | None  # None until its receipt
