"""What the notifier reads and writes besides outages: subscriptions, opt-outs and the
claim/finish cycle of deliveries.

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from gis_outage.model import Channel, EventKind, Service
from gis_outage.phones import dialled
from gis_outage.storage.db import (
    Bind,
    dialect_insert,
    dict_rows,
    driver_marker,
    driver_value,
    in_values,
    read_connection,
    write_transaction,
)
from gis_outage.storage.schema import (
    DeliveryStatus,
    deliveries,
    opt_outs,
    outage_events,
    subscribers,
    subscriptions,
    utcnow,
)

CHUNK = 1000  # ids per IN (...) list: well under SQLite's variable limit
# Statuses a delivery may still be sent from (if a provider never accepted it).
RETRYABLE = (DeliveryStatus.QUEUED.value, DeliveryStatus.TEMPORARY_FAILURE.value)
# Deliveries that may still be sent: not final, and no provider ever accepted them.
OPEN = sa.and_(deliveries.c.status.in_(RETRYABLE), deliveries.c.sent_at.is_(None))


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- subscriptions and opt-outs -------------------------------------------------------


def subscriptions_for(bind: Bind, address_ids: Iterable[str], service: str) -> list[dict]:
    """Subscriptions at these addresses for `service`, with the subscriber's language."""
    wanted = sorted(set(address_ids))
    query = sa.select(
        subscriptions.c.id,
        subscriptions.c.address_id,
        subscriptions.c.phone,
        subscriptions.c.phone_verified_at,
        subscriptions.c.email,
        subscriptions.c.email_verified_at,
        subscriptions.c.role,
        subscriptions.c.apartment,
        subscriptions.c.facility_number,
        subscriptions.c.created_at,
        subscribers.c.language,
    ).join(subscribers, subscribers.c.id == subscriptions.c.subscriber_id)
    service = Service(service).value
    out: list[dict] = []
    with read_connection(bind) as conn:
        for part in _chunks(wanted):
            rows = conn.execute(
                query.where(
                    in_values(conn, subscriptions.c.address_id, part),
                    subscriptions.c.service == service,
                ).order_by(subscriptions.c.id)
            )
            out += dict_rows(rows)
    return out


def opted_out(bind: Bind, destinations: Iterable[str]) -> set[str]:
    """The given destinations that opted out (any channel); a call to a number that gets
    SMS too ('tel:+358…') counts as its number."""
    given = set(destinations)
    numbers = {d: dialled(d) for d in given}
    found = _opted_out(bind, set(numbers.values()))
    return {d for d, number in numbers.items() if number in found}


def _opted_out(bind: Bind, destinations: set[str]) -> set[str]:
    wanted = sorted(destinations)
    found: set[str] = set()
    with read_connection(bind) as conn:
        for part in _chunks(wanted):
            rows = conn.execute(
                sa.select(opt_outs.c.destination).where(
                    in_values(conn, opt_outs.c.destination, part)
                )
            )
            found.update(r[0] for r in rows)
    return found


def add_opt_out(bind: Bind, destination: str, channel: str) -> bool:
    """Record an opt-out (E.164 number or lower-case e-mail); False if it was there."""
    with write_transaction(bind) as conn:
        statement = (
            dialect_insert(conn, opt_outs)
            .values(destination=destination, channel=Channel(channel).value, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["destination"])
            .returning(opt_outs.c.id)
        )
        return conn.execute(statement).first() is not None


# -- deliveries -------------------------------------------------------------------------


def insert_deliveries_once(
    bind: Bind, event_id: int, rows: Sequence[tuple[str, str]], *, batch: int = 500
) -> list[dict[str, Any]]:
    """Queue (destination, channel) deliveries of an event, skipping existing ones.

    The batched form of `deliveries.insert_delivery_once`: the same
    UNIQUE(event_id, destination) decides. Returns the rows this call inserted
    (id, destination, channel); only their inserter may take them as new.
    """
    inserted: list[dict[str, Any]] = []
    for part in _chunks(rows, batch):
        now = utcnow()
        with write_transaction(bind) as conn:
            if conn.dialect.name == "postgresql":
                inserted += _insert_unnest(conn, event_id, part, now)
                continue
            inserted += _insert_values(conn, event_id, part, now)
    return inserted


_INSERT_VALUES = (
    "INSERT INTO deliveries "
    "(event_id, destination, channel, status, attempts, created_at, updated_at) "
    "SELECT {p}, column1, column2, '{queued}', 0, {p}, {p} FROM (VALUES {pairs}) WHERE true "
    "ON CONFLICT (event_id, destination) DO NOTHING RETURNING id, destination, channel"
)  # "WHERE true": SQLite reads an ON after a bare FROM as a join's


def _insert_values(
    conn: Connection, event_id: int, part: Sequence[tuple[str, str]], now: datetime
) -> list[dict[str, Any]]:
    """SQLite: a chunk as one statement over a VALUES list of (destination, channel),
    run by the driver (SQLAlchemy's per-row parameter handling costs more than the
    insert)."""
    marker = driver_marker(conn)
    stamp = driver_value(conn, deliveries.c.created_at, now)
    statement = _INSERT_VALUES.format(
        p=marker,
        queued=DeliveryStatus.QUEUED.value,
        pairs=", ".join([f"({marker}, {marker})"] * len(part)),
    )
    values: list[Any] = [event_id, stamp, stamp]
    for destination, channel in part:
        values += (destination, Channel(channel).value)
    return dict_rows(conn.exec_driver_sql(statement, tuple(values)))


_INSERT_UNNEST = sa.text(
    """
    INSERT INTO deliveries
        (event_id, destination, channel, status, attempts, created_at, updated_at)
    SELECT :event_id, d.destination, d.channel, :status, 0, :now, :now
    FROM unnest(CAST(:destinations AS text[]), CAST(:channels AS text[]))
        AS d(destination, channel)
    ON CONFLICT (event_id, destination) DO NOTHING
    RETURNING id, destination, channel
    """
).bindparams(
    sa.bindparam("destinations", type_=ARRAY(sa.Text)),
    sa.bindparam("channels", type_=ARRAY(sa.Text)),
    sa.bindparam("now", type_=sa.DateTime(timezone=True)),
)


def _insert_unnest(
    conn: Connection, event_id: int, part: Sequence[tuple[str, str]], now: datetime
) -> list[dict[str, Any]]:
    """PostgreSQL: a chunk as two array parameters (psycopg parses a statement with
    thousands of placeholders slowly)."""
    result = conn.execute(
        _INSERT_UNNEST,
        {
            "event_id": event_id,
            "destinations": [d for d, _ in part],
            "channels": [Channel(c).value for _, c in part],
            "status": DeliveryStatus.QUEUED.value,
            "now": now,
        },
    )
    return dict_rows(result)


def event_deliveries(
    bind: Bind, event_id: int, *, open_only: bool = False,
    tried_or_before: datetime | None = None,
) -> list[dict]:  # fmt: skip
    """id, destination, channel, status, attempts and times of the event's deliveries;
    with `open_only`, just those that may still be sent (not final, never accepted);
    with `tried_or_before`, just those tried at least once or queued before that time."""
    query = sa.select(
        deliveries.c.id,
        deliveries.c.destination,
        deliveries.c.channel,
        deliveries.c.status,
        deliveries.c.attempts,
        deliveries.c.created_at,
        deliveries.c.updated_at,
        deliveries.c.sent_at,
    ).where(deliveries.c.event_id == event_id)
    if open_only:
        query = query.where(OPEN)
    if tried_or_before is not None:
        query = query.where(
            sa.or_(deliveries.c.attempts > 0, deliveries.c.created_at < tried_or_before)
        )
    with read_connection(bind) as conn:
        return dict_rows(conn.execute(query.order_by(deliveries.c.id)))


LOOK_AHEAD = 2000  # rows after a batch that `open_after` reads, at most


def open_after(bind: Bind, event_id: int, after_id: int) -> bool:
    """Whether one of the next LOOK_AHEAD deliveries (of any event) after `after_id` is
    an open one of this event. Read by key, however large the event: the primary key's
    index in id order, never the event's own rows, which a planner with stale statistics
    takes for few. False says nothing: the caller counts the event's rows then."""
    c = deliveries.c
    ahead = (
        sa.select(c.id, c.event_id, c.status, c.sent_at)
        .where(c.id > after_id)
        .order_by(c.id)
        .limit(LOOK_AHEAD)
        .subquery()
    )
    query = sa.select(ahead.c.id).where(
        ahead.c.event_id == event_id, ahead.c.status.in_(RETRYABLE), ahead.c.sent_at.is_(None)
    ).limit(1)
    with read_connection(bind) as conn:
        return conn.execute(query).first() is not None


def open_delivery_ids(bind: Bind, event_id: int) -> list[int]:
    """Ids of the event's deliveries that may still be sent (`event_deliveries` with
    `open_only`, ids alone: cheap enough to ask after every run)."""
    query = sa.select(deliveries.c.id).where(deliveries.c.event_id == event_id, OPEN)
    with read_connection(bind) as conn:
        return list(conn.execute(query).scalars())


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
) -> list[dict[str, Any]]:
    """Claim up to `limit` sendable deliveries of the event (optionally only `ids`).

    Each claim counts an attempt and stamps `updated_at`; the caller sends and then
    calls `finish_deliveries`. Returns id, destination, channel, attempts.
    """
    now = now or utcnow()
    if ids is not None and not ids:
        return []
    with write_transaction(bind) as conn:
        statement = _claim_statement(conn, event_id, policy, ids, channel, limit, now)
        rows = dict_rows(conn.execute(statement))
    return sorted(rows, key=lambda r: r["id"])


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


def outage_has_deliveries(bind: Bind, outage_id: int, *, before_event: int | None = None) -> bool:
    """Whether any message of the outage (optionally of events before one) was queued."""
    query = (
        sa.select(deliveries.c.id)
        .join(outage_events, outage_events.c.id == deliveries.c.event_id)
        .where(outage_events.c.outage_id == outage_id)
    )
    if before_event is not None:
        query = query.where(outage_events.c.id < before_event)
    with read_connection(bind) as conn:
        return conn.execute(query.limit(1)).first() is not None


def events_with_deliveries(bind: Bind, outage_id: int) -> set[int]:
    """Ids of the outage's events that queued at least one delivery."""
    query = (
        sa.select(deliveries.c.event_id)
        .join(outage_events, outage_events.c.id == deliveries.c.event_id)
        .where(outage_events.c.outage_id == outage_id)
        .distinct()
    )
    with read_connection(bind) as conn:
        return {int(r[0]) for r in conn.execute(query)}


def told_destinations(bind: Bind, outage_id: int, *, before_event: int) -> dict[str, str]:
    """{destination: channel} of those a provider accepted a message of the outage for
    (`sent_at` set) in its events before one, and who were not told since that their
    own supply is back (a `restored` event of a staged restoration): for the all-clear
    and the cancellation."""
    query = (
        sa.select(deliveries.c.destination, deliveries.c.channel, outage_events.c.kind)
        .join(outage_events, outage_events.c.id == deliveries.c.event_id)
        .where(
            outage_events.c.outage_id == outage_id,
            outage_events.c.id < before_event,
            deliveries.c.sent_at.is_not(None),
        )
        .order_by(outage_events.c.id, deliveries.c.id)
    )
    told: dict[str, str] = {}
    with read_connection(bind) as conn:
        for destination, channel, kind in conn.execute(query):
            if kind == EventKind.RESTORED.value:
                told.pop(str(destination), None)
            else:
                told[str(destination)] = str(channel)
    return told
