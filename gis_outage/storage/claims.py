"""The claim cycle of deliveries: who may send a delivery, and what its send made of it.

A delivery is sent by whoever *claims* it: a compare-and-set on `attempts` (one
UPDATE ... RETURNING, with SKIP LOCKED on PostgreSQL) so two workers never hold the
same row, and `updated_at` records when the claim was taken. A claim that is never
finished (the worker died) can be taken again once its lease has run out; a temporary
failure can be taken again after its backoff. Rows that are `sent` or final are never
claimed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import Channel
from gis_outage.storage.db import Bind, in_values, read_connection, write_transaction
from gis_outage.storage.delivery_records import PendingDelivery, pending_deliveries
from gis_outage.storage.schema import DeliveryStatus, deliveries, utcnow

# Statuses a delivery may still be sent from (if a provider never accepted it).
RETRYABLE = (DeliveryStatus.QUEUED.value, DeliveryStatus.TEMPORARY_FAILURE.value)
# Deliveries that may still be sent: not final, and no provider ever accepted them.
OPEN = sa.and_(deliveries.c.status.in_(RETRYABLE), deliveries.c.sent_at.is_(None))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    lease: timedelta  # a claim not finished within this is presumed dead
    backoff: tuple[timedelta, ...]  # wait after the n-th temporary failure (index n-1)

    def wait_after(self, attempts: int) -> timedelta:
        return self.backoff[min(attempts, len(self.backoff)) - 1] if attempts else timedelta(0)


def _claimable(policy: RetryPolicy, now: datetime) -> sa.ColumnElement[bool]:
    c = deliveries.c
    queued, temporary = DeliveryStatus.QUEUED.value, DeliveryStatus.TEMPORARY_FAILURE.value
    # The backoff per attempt count as precomputed thresholds: no date arithmetic in SQL,
    # which PostgreSQL and SQLite spell differently.
    after_backoff = [
        sa.and_(c.attempts == n, c.updated_at <= now - policy.wait_after(n))
        for n in range(1, policy.max_attempts)
    ]
    return sa.and_(
        OPEN,  # a provider took it once: never again
        c.attempts < policy.max_attempts,
        sa.or_(
            c.attempts == 0,
            sa.and_(c.status == queued, c.updated_at <= now - policy.lease),
            sa.and_(c.status == temporary, sa.or_(sa.false(), *after_backoff)),
        ),
    )


def claim_deliveries(
    bind: Bind,
    event_id: int,
    policy: RetryPolicy,
    *,
    ids: Sequence[int] | None = None,
    channel: str | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> list[PendingDelivery]:
    """Claim up to `limit` sendable deliveries of the event (optionally only `ids`).

    Each claim counts an attempt and stamps `updated_at`; the caller sends and then
    calls `finish_deliveries`. Returns the claimed rows in id order, `attempts` counting
    this claim.
    """
    now = now or utcnow()
    if ids is not None and not ids:
        return []
    with write_transaction(bind) as conn:
        statement = _claim_statement(conn, event_id, policy, ids, channel, limit, now)
        rows = pending_deliveries(conn.execute(statement))
    return sorted(rows, key=lambda r: r.id)


def _claim_statement(
    conn: Connection,
    event_id: int,
    policy: RetryPolicy,
    ids: Sequence[int] | None,
    channel: str | None,
    limit: int,
    now: datetime,
) -> Any:
    event = deliveries.c.event_id
    if ids is not None:
        # The ids name the rows: find them by key. `event_id + 0` keeps SQLite (no table
        # statistics) off the event_id index, which would walk all the event's rows,
        # a hundred thousand in a large one, for every batch.
        event = event + 0
    candidates = sa.select(deliveries.c.id).where(event == event_id, _claimable(policy, now))
    if ids is not None:
        candidates = candidates.where(in_values(conn, deliveries.c.id, [int(i) for i in ids]))
    if channel is not None:
        candidates = candidates.where(deliveries.c.channel == Channel(channel).value)
    candidates = candidates.order_by(deliveries.c.id).limit(limit).with_for_update(skip_locked=True)
    return (
        deliveries.update()
        # The claimable test again: on PostgreSQL a row another worker claimed between
        # our SELECT and UPDATE is re-checked against its new values and dropped.
        .where(deliveries.c.id.in_(candidates.scalar_subquery()), _claimable(policy, now))
        .values(attempts=deliveries.c.attempts + 1, updated_at=now)
        .returning(
            deliveries.c.id, deliveries.c.destination, deliveries.c.channel, deliveries.c.attempts
        )
    )


@dataclass(frozen=True)
class Finished:
    """The outcome of one claimed delivery."""

    id: int
    status: str  # a DeliveryStatus value
    provider: str | None = None
    provider_message_id: str | None = None


def finish_deliveries(
    bind: Bind, results: Iterable[Finished], *, now: datetime | None = None
) -> None:
    """Record send outcomes in one transaction; rows no longer open are left alone."""
    now = now or utcnow()
    sent, other = [], []
    for r in results:
        status = DeliveryStatus(r.status).value
        params = {
            "b_id": r.id,
            "b_status": status,
            "b_provider": r.provider,
            "b_message_id": r.provider_message_id,
        }
        (sent if status == DeliveryStatus.SENT else other).append(params)
    c = deliveries.c
    # No IN (...) here: executemany cannot expand it.
    open_ = sa.or_(*(c.status == status for status in RETRYABLE))
    base = deliveries.update().where(c.id == sa.bindparam("b_id"), open_)
    with write_transaction(bind) as conn:
        if sent:
            conn.execute(
                base.values(
                    status=sa.bindparam("b_status"),
                    provider=sa.bindparam("b_provider"),
                    provider_message_id=sa.bindparam("b_message_id"),
                    sent_at=now,
                    updated_at=now,
                ),
                sent,
            )
        if other:
            conn.execute(
                base.values(
                    status=sa.bindparam("b_status"),
                    provider=sa.func.coalesce(sa.bindparam("b_provider"), c.provider),
                    updated_at=now,
                ),
                other,
            )


def give_up_stale(
    bind: Bind, event_id: int, policy: RetryPolicy, *, now: datetime | None = None
) -> int:
    """Rows out of attempts become technical failures; returns how many.

    A queued row counts once its last claim's lease ran out (it may have been sent: the
    worker died before recording it), a temporary failure at once.
    """
    now = now or utcnow()
    c = deliveries.c
    statement = (
        deliveries.update()
        .where(
            c.event_id == event_id,
            c.sent_at.is_(None),
            c.attempts >= policy.max_attempts,
            sa.or_(
                c.status == DeliveryStatus.TEMPORARY_FAILURE.value,
                sa.and_(
                    c.status == DeliveryStatus.QUEUED.value, c.updated_at <= now - policy.lease
                ),
            ),
        )
        .values(status=DeliveryStatus.TECHNICAL_FAILURE.value, updated_at=now)
    )
    with write_transaction(bind) as conn:
        return int(conn.execute(statement).rowcount)


def next_attempt_at(
    bind: Bind, event_id: int, policy: RetryPolicy, *, held_for: timedelta | None = None
) -> tuple[int, datetime | None]:
    """(deliveries not yet final, the earliest time one of them may be claimed).

    Aggregated in the database by attempts: the wait is the same for every row with the
    same count, and an event may have hundreds of thousands of open rows. With
    `held_for`, a never-tried row is presumed held by its send task (a broker queue)
    until it is that old, and becomes the event's business only then.
    """
    c = deliveries.c
    queued = c.status == DeliveryStatus.QUEUED.value
    query = (
        sa.select(c.attempts, queued.label("queued"), sa.func.count().label("n"),
                  sa.func.min(c.created_at).label("created"),
                  sa.func.min(c.updated_at).label("updated"))
        .where(c.event_id == event_id, OPEN)
        .group_by(c.attempts, queued)
    )
    with read_connection(bind) as conn:
        groups = conn.execute(query).all()
    times = []
    for g in groups:
        if g.attempts == 0:
            times.append(g.created + (held_for or timedelta(0)))
        elif g.queued:
            times.append(g.updated + policy.lease)  # claimed: free again when the lease ends
        else:
            times.append(g.updated + policy.wait_after(g.attempts))
    return sum(g.n for g in groups), (min(times) if times else None)
