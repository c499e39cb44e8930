"""What the notifier reads and writes besides outages: subscriptions, opt-outs, the
queueing of deliveries and what an event's deliveries say. Their claim cycle (claim,
lease, finish, give up) is `storage.claims`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from gis_outage.model import Channel, EventKind, Service
from gis_outage.phones import dialled
from gis_outage.storage.claims import OPEN, RETRYABLE
from gis_outage.storage.contact_records import SubscriptionContact
from gis_outage.storage.db import (
    Bind,
    dialect_insert,
    driver_marker,
    driver_value,
    in_values,
    read_connection,
    write_transaction,
)
from gis_outage.storage.delivery_records import PendingDelivery, pending_deliveries
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


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- subscriptions and opt-outs -------------------------------------------------------


def subscriptions_for(
    bind: Bind, address_ids: Iterable[str], service: str
) -> list[SubscriptionContact]:
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
    out: list[SubscriptionContact] = []
    with read_connection(bind) as conn:
        for part in _chunks(wanted):
            rows = conn.execute(
                query.where(
                    in_values(conn, subscriptions.c.address_id, part),
                    subscriptions.c.service == service,
                ).order_by(subscriptions.c.id)
            )
            out += [SubscriptionContact(*row) for row in rows]  # the columns in its order
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
) -> list[PendingDelivery]:
    """Queue (destination, channel) deliveries of an event, skipping existing ones.

    The batched form of `deliveries.insert_delivery_once`: the same
    UNIQUE(event_id, destination) decides. Returns the rows this call inserted
    (never tried); only their inserter may take them as new.
    """
    inserted: list[PendingDelivery] = []
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
) -> list[PendingDelivery]:
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
    return pending_deliveries(conn.exec_driver_sql(statement, tuple(values)))


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
) -> list[PendingDelivery]:
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
    return pending_deliveries(result)


def event_deliveries(
    bind: Bind, event_id: int, *, open_only: bool = False,
    tried_or_before: datetime | None = None,
) -> list[PendingDelivery]:  # fmt: skip
    """The event's deliveries as their senders see them (id order); with `open_only`,
    just those that may still be sent (not final, never accepted); with
    `tried_or_before`, just those tried at least once or queued before that time."""
    c = deliveries.c
    query = sa.select(c.id, c.destination, c.channel, c.attempts).where(c.event_id == event_id)
    if open_only:
        query = query.where(OPEN)
    if tried_or_before is not None:
        query = query.where(
            sa.or_(deliveries.c.attempts > 0, deliveries.c.created_at < tried_or_before)
        )
    with read_connection(bind) as conn:
        return pending_deliveries(conn.execute(query.order_by(deliveries.c.id)))


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
