"""Deliveries: one message to one destination for one event.

UNIQUE(event_id, destination) in the database is what guarantees one message per
destination per event, even when two workers resolve the same event at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gis_outage.model import Channel, DeliveryStatus
from gis_outage.storage.db import Bind, dialect_insert, read_connection, write_transaction
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import deliveries, utcnow


def insert_delivery_once(
    bind: Bind,
    *,
    event_id: int,
    destination: str,
    channel: str,
    provider: str | None = None,
) -> bool:
    """Queue a delivery unless one exists for (event, destination); True if inserted.

    Only the worker that gets True may send the message.
    """
    now = utcnow()
    with write_transaction(bind) as conn:
        statement = (
            dialect_insert(conn, deliveries)
            .values(
                event_id=event_id,
                destination=destination,
                channel=Channel(channel).value,
                status=DeliveryStatus.QUEUED.value,
                provider=provider,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["event_id", "destination"])
            .returning(deliveries.c.id)
        )
        # RETURNING yields a row only when the insert happened (rowcount is not reliable
        # with RETURNING across drivers).
        return conn.execute(statement).first() is not None


def update_delivery(
    bind: Bind,
    event_id: int,
    destination: str,
    *,
    status: str,
    provider: str | None = None,
    provider_message_id: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record a send attempt or a delivery receipt."""
    now = now or utcnow()
    status = DeliveryStatus(status).value
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if provider is not None:
        values["provider"] = provider
    if provider_message_id is not None:
        values["provider_message_id"] = provider_message_id
    if status == DeliveryStatus.SENT:
        values["sent_at"] = now
        values["attempts"] = deliveries.c.attempts + 1
    with write_transaction(bind) as conn:
        result = conn.execute(
            deliveries.update()
            .where(deliveries.c.event_id == event_id, deliveries.c.destination == destination)
            .values(**values)
        )
    if result.rowcount != 1:
        raise NotFound(f"no delivery of event {event_id} to that destination")


def deliveries_for_event(bind: Bind, event_id: int) -> list[dict[str, Any]]:
    query = sa.select(deliveries).where(deliveries.c.event_id == event_id).order_by(deliveries.c.id)
    with read_connection(bind) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
