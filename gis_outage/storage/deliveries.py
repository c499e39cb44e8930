"""Deliveries: one message to one destination for one event.

UNIQUE(event_id, destination) in the database is what guarantees one message per
destination per event, even when two workers resolve the same event at once.

A long SMS goes out as several parts, each with its own provider message id and its
own receipt: `delivery_parts` keeps them, and the delivery's status follows from all
of its parts' receipts (`apply_receipt`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import Channel, DeliveryStatus
from gis_outage.storage.claims import OPEN, RETRYABLE, Finished, finish_deliveries
from gis_outage.storage.db import (
    Bind,
    dialect_insert,
    driver_marker,
    driver_value,
    in_values,
    read_connection,
    write_transaction,
)
from gis_outage.storage.delivery_records import (
    Delivery,
    DeliveryPart,
    PendingDelivery,
    pending_deliveries,
)
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import deliveries, delivery_parts, unmatched_receipts, utcnow

# Receipt statuses that make a delivery failed whatever its other parts say.
FAILED = frozenset(
    {
        DeliveryStatus.TEMPORARY_FAILURE.value,
        DeliveryStatus.PERMANENT_FAILURE.value,
        DeliveryStatus.TECHNICAL_FAILURE.value,
    }
)


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


def deliveries_for_event(bind: Bind, event_id: int) -> list[Delivery]:
    """The event's deliveries, whole, in id order."""
    query = sa.select(deliveries).where(deliveries.c.event_id == event_id).order_by(deliveries.c.id)
    with read_connection(bind) as conn:
        return [Delivery.from_row(row) for row in conn.execute(query).mappings()]


def untried_rows(
    bind: Bind, event_id: int, destinations: Sequence[str], *, before: datetime
) -> list[PendingDelivery]:
    """The event's deliveries to these destinations that were queued before `before`
    and never tried: a resolve that died after queueing them and before handing them
    over left them. Found by UNIQUE(event_id, destination)."""
    c = deliveries.c
    out: list[PendingDelivery] = []
    with read_connection(bind) as conn:
        for start in range(0, len(destinations), 1000):
            query = sa.select(c.id, c.destination, c.channel).where(
                c.event_id == event_id,
                in_values(conn, c.destination, destinations[start : start + 1000]),
                c.attempts == 0,
                c.created_at < before,
                OPEN,
            )
            out += pending_deliveries(conn.execute(query.order_by(c.id)))
    return out


@dataclass(frozen=True)
class SentParts:
    """The provider message ids of an accepted multi-part message, in part order."""

    delivery_id: int
    provider: str
    part_ids: Sequence[str]


def record_sends(
    bind: Bind,
    finished: Iterable[Finished],
    parts: Iterable[SentParts] = (),
    *,
    now: datetime | None = None,
) -> None:
    """Send outcomes and the parts of multi-part messages, in one transaction: a
    receipt finds both the delivery's message id and its parts, or neither (and is
    tried again later), never a delivery without its parts. Rows no longer open are
    left alone, as `finish_deliveries` does."""
    now = now or utcnow()
    sent, other = [], []
    for f in finished:
        (sent if f.status == DeliveryStatus.SENT.value else other).append(f)
    with write_transaction(bind) as conn:
        _mark_sent(conn, sent, parts, now)
        if other:  # rare (failures); it builds its statements on every call
            finish_deliveries(conn, other, now=now)


# The bulk of every run, without SQLAlchemy's per-row parameter processing. SQLite:
# each statement run for all rows of a group with the driver's executemany.
_MARK_SENT = (
    "UPDATE deliveries SET status = '{sent}', provider = {p}, provider_message_id = {p}, "
    "sent_at = {p}, updated_at = {p} WHERE id = {p} AND status IN ({open})"
)
_ADD_PARTS = (
    "INSERT INTO delivery_parts (delivery_id, part, provider, provider_message_id, "
    "updated_at) VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (delivery_id, part) DO NOTHING"
)
# PostgreSQL: one statement per group over arrays, one round trip instead of one per row.
_MARK_SENT_UNNEST = (
    "UPDATE deliveries AS d SET status = '{sent}', provider = v.provider, "
    "provider_message_id = v.message_id, sent_at = %s, updated_at = %s "
    "FROM unnest(%s::int[], %s::text[], %s::text[]) AS v(id, provider, message_id) "
    "WHERE d.id = v.id AND d.status IN ({open})"
)
_ADD_PARTS_UNNEST = (
    "INSERT INTO delivery_parts (delivery_id, part, provider, provider_message_id, "
    "updated_at) SELECT v.delivery_id, v.part, v.provider, v.message_id, %s "
    "FROM unnest(%s::int[], %s::int[], %s::text[], %s::text[]) "
    "AS v(delivery_id, part, provider, message_id) "
    "ON CONFLICT (delivery_id, part) DO NOTHING"
)


def _mark_sent(
    conn: Connection, sent: Sequence[Finished], parts: Iterable[SentParts], now: datetime
) -> None:
    """`finish_deliveries` for accepted sends, and their parts' message ids."""
    stamp, marker = driver_value(conn, deliveries.c.sent_at, now), driver_marker(conn)
    words = {"sent": DeliveryStatus.SENT.value, "open": ", ".join(f"'{s}'" for s in RETRYABLE)}
    rows = [
        (p.delivery_id, number, p.provider, part_id)
        for p in parts
        for number, part_id in enumerate(p.part_ids, start=1)
    ]
    if conn.dialect.name == "postgresql":
        if sent:
            columns = ([f.id for f in sent], [f.provider for f in sent],
                       [f.provider_message_id for f in sent])  # fmt: skip
            conn.exec_driver_sql(_MARK_SENT_UNNEST.format(**words), (stamp, stamp, *columns))
        if rows:
            conn.exec_driver_sql(_ADD_PARTS_UNNEST, (stamp, *map(list, zip(*rows, strict=True))))
        return
    if sent:
        conn.exec_driver_sql(
            _MARK_SENT.format(p=marker, **words),
            [(f.provider, f.provider_message_id, stamp, stamp, f.id) for f in sent],
        )
    if rows:
        conn.exec_driver_sql(_ADD_PARTS.format(p=marker), [(*r, stamp) for r in rows])


def delivery_status(part_statuses: Sequence[str | None]) -> str | None:
    """A multi-part delivery's status from its parts' receipts, in part order: the first
    failed part's status; delivered when every part is; None (no change) otherwise."""
    for status in part_statuses:
        if status in FAILED:
            return status
    if all(s == DeliveryStatus.DELIVERED.value for s in part_statuses):
        return DeliveryStatus.DELIVERED.value
    return None


# How long after its send a receipt may still come: SMSCs keep trying a phone that is
# off for up to their validity period (commonly 48-72 h). Older sends are not matched.
RECEIPT_WINDOW = timedelta(hours=72)

DestinationTest = str | Callable[[str], bool] | None


def _matcher(destination: DestinationTest) -> Callable[[str], bool]:
    if destination is None:
        return lambda _stored: True  # the receipt did not say: message id and time only
    if isinstance(destination, str):
        return lambda stored: stored == destination
    return destination


def apply_receipt(
    bind: Bind,
    provider: str,
    provider_message_id: str,
    status: str,
    *,
    destination: DestinationTest = None,
    window: timedelta = RECEIPT_WINDOW,
    now: datetime | None = None,
) -> bool:
    """A delivery receipt for a message or one part of a multi-part message.

    SMSCs reuse message ids (a restart, wrap-around, a new account), so a receipt is
    matched on the provider (its bind), the message id, the destination it reports
    (an E.164 number, or a test of a stored one) and a time window: only a delivery sent
    within `window` and still waiting for that receipt (a single-part delivery in
    `sent`, a part without a status) is matched, the most recently sent first. A
    delivery to another destination is never touched.

    A single-part delivery takes the receipt's status. A part's receipt is stored with
    the part, and its delivery becomes failed when any part failed (with that part's
    status), delivered when all parts are, and stays `sent` while receipts are missing.
    A `temporary-failure` here (e.g. the phone stayed off) is final: rows a provider
    accepted (`sent_at` set) are never claimed again.

    False when nothing matches (yet: the receipt may beat our own record of the send,
    so the caller should try again later, then `count_unmatched_receipt`).
    """
    now = now or utcnow()
    status = DeliveryStatus(status).value
    matches = _matcher(destination)
    since = now - window
    parts, d = delivery_parts.c, deliveries.c
    with write_transaction(bind) as conn:
        candidates = conn.execute(
            sa.select(parts.delivery_id, d.destination)
            .join(deliveries, d.id == parts.delivery_id)
            .where(
                parts.provider == provider,
                parts.provider_message_id == provider_message_id,
                parts.status.is_(None),
                d.sent_at >= since,
            )
            .order_by(d.sent_at.desc(), d.id.desc())
        ).all()
        delivery_id = next((r.delivery_id for r in candidates if matches(r.destination)), None)
        if delivery_id is None:
            # A single-part message, or the first part of one whose parts are being
            # recorded this moment: the row lock waits for that record to commit, and
            # the parts are looked for again after it (PostgreSQL; SQLite has one writer).
            rows = conn.execute(
                sa.select(d.id, d.destination)
                .where(
                    d.provider == provider,
                    d.provider_message_id == provider_message_id,
                    d.status == DeliveryStatus.SENT.value,
                    d.sent_at >= since,
                )
                .order_by(d.sent_at.desc(), d.id.desc())
                .with_for_update()
            ).all()
            delivery_id = next((r.id for r in rows if matches(r.destination)), None)
            if delivery_id is None:
                return False
            has_parts = conn.execute(
                sa.select(parts.id).where(parts.delivery_id == delivery_id).limit(1)
            ).first()
            if has_parts is None:
                conn.execute(
                    deliveries.update()
                    .where(d.id == delivery_id)
                    .values(status=status, updated_at=now)
                )
                return True
        else:
            # Receipts of two parts of one message handled at once (two Celery processes)
            # would each miss the other's uncommitted part and leave the delivery `sent`:
            # the delivery's row lock takes them one after the other (PostgreSQL).
            conn.execute(sa.select(d.id).where(d.id == delivery_id).with_for_update())
        updated = conn.execute(
            delivery_parts.update()
            .where(
                parts.delivery_id == delivery_id,
                parts.provider == provider,
                parts.provider_message_id == provider_message_id,
                parts.status.is_(None),
            )
            .values(status=status, updated_at=now)
        )
        if updated.rowcount == 0:
            return False  # the other receipt for this part won the race
        statuses = conn.execute(
            sa.select(parts.status).where(parts.delivery_id == delivery_id).order_by(parts.part)
        ).scalars()
        overall = delivery_status(list(statuses))
        if overall is not None:
            conn.execute(
                deliveries.update()
                .where(d.id == delivery_id)
                .values(status=overall, updated_at=now)
            )
        return True


def count_unmatched_receipt(bind: Bind, provider: str, *, now: datetime | None = None) -> None:
    """One more receipt of `provider` that matched no delivery (shown in the metrics)."""
    now = now or utcnow()
    with write_transaction(bind) as conn:
        statement = dialect_insert(conn, unmatched_receipts).values(
            provider=provider, count=1, last_at=now
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["provider"],
                set_={"count": unmatched_receipts.c.count + 1, "last_at": now},
            )
        )


def delivery_parts_of(bind: Bind, delivery_id: int) -> list[DeliveryPart]:
    """A delivery's parts, in order."""
    query = (
        sa.select(
            delivery_parts.c.part,
            delivery_parts.c.provider,
            delivery_parts.c.provider_message_id,
            delivery_parts.c.status,
        )
        .where(delivery_parts.c.delivery_id == delivery_id)
        .order_by(delivery_parts.c.part)
    )
    with read_connection(bind) as conn:
        return [
            DeliveryPart(part, provider, message_id, status and DeliveryStatus(status))
            for part, provider, message_id, status in conn.execute(query)
        ]
