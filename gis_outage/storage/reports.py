"""Delivery figures per outage: what an engineer and a regulator ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from gis_outage.model import Channel, DeliveryStatus, EventKind
from gis_outage.storage.db import Bind, read_connection
from gis_outage.storage.schema import deliveries, outage_events, outbox, unmatched_receipts


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One delivery of an outage as the regulator's CSV lists it."""

    event: EventKind  # the kind of the event it was for
    channel: Channel
    destination: str  # personal data: the CSV is for admins only
    status: DeliveryStatus
    provider: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


DELIVERY_ROW_FIELDS = tuple(DeliveryRow.__dataclass_fields__)


def delivery_stats(bind: Bind, outage_id: int) -> dict[str, dict[str, int]]:
    """{channel: {status: count}} over every event of the outage."""
    query = (
        sa.select(deliveries.c.channel, deliveries.c.status, sa.func.count())
        .join(outage_events, outage_events.c.id == deliveries.c.event_id)
        .where(outage_events.c.outage_id == outage_id)
        .group_by(deliveries.c.channel, deliveries.c.status)
    )
    out: dict[str, dict[str, int]] = {}
    with read_connection(bind) as conn:
        for channel, status, count in conn.execute(query):
            out.setdefault(str(channel), {})[str(status)] = int(count)
    return out


def delivery_rows(bind: Bind, outage_id: int) -> list[DeliveryRow]:
    """Every delivery of the outage, for the regulator's CSV (destinations included)."""
    query = (
        sa.select(
            outage_events.c.kind.label("event"),
            deliveries.c.channel,
            deliveries.c.destination,
            deliveries.c.status,
            deliveries.c.provider,
            deliveries.c.created_at,
            deliveries.c.sent_at,
            deliveries.c.updated_at,
        )
        .join(outage_events, outage_events.c.id == deliveries.c.event_id)
        .where(outage_events.c.outage_id == outage_id)
        .order_by(deliveries.c.id)
    )
    with read_connection(bind) as conn:
        return [DeliveryRow(*row) for row in conn.execute(query)]


OperationsCounts = tuple[int, list[tuple[str, str, int]], list[tuple[str, int]]]


def operations_counts(bind: Bind) -> OperationsCounts:
    """(outbox rows not yet processed, deliveries as (channel, status, count), receipts
    that matched no delivery as (provider, count)): metrics."""
    with read_connection(bind) as conn:
        pending = conn.execute(
            sa.select(sa.func.count()).where(outbox.c.processed_at.is_(None))
        ).scalar_one()
        rows = conn.execute(
            sa.select(deliveries.c.channel, deliveries.c.status, sa.func.count()).group_by(
                deliveries.c.channel, deliveries.c.status
            )
        ).all()
        unmatched = conn.execute(
            sa.select(unmatched_receipts.c.provider, unmatched_receipts.c.count)
        ).all()
    return (
        int(pending),
        [(str(channel), str(status), int(n)) for channel, status, n in rows],
        [(str(provider), int(n)) for provider, n in unmatched],
    )
