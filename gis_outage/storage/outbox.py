"""The transactional outbox: work written with the change that caused it.

Rows are written in the same transaction as an outage event, so an event is never
lost or sent for a change that rolled back. Workers claim rows with a lease: a
worker that dies leaves its rows to be claimed again once the lease runs out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.config import NotifySettings
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import outbox, utcnow

NOTIFY_TASK = "notify"
# Workers pass GIS_OUTAGE_NOTIFY_OUTBOX_LEASE_SECONDS; its default is the default here.
DEFAULT_LEASE = NotifySettings().outbox_lease


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox row as read back (the columns of `schema.outbox`)."""

    id: int
    event_id: int
    task: str
    payload: dict[str, Any]  # the task's JSON document
    created_at: datetime
    processed_at: datetime | None
    attempts: int
    claimed_until: datetime | None
    resolving_from: int | None


def _records(rows: Iterable[sa.Row[Any]]) -> list[OutboxRow]:
    return [OutboxRow(**row._mapping) for row in rows]


def enqueue(conn: Connection, event_id: int, task: str, payload: dict[str, Any]) -> int:
    """Add an outbox row inside the caller's transaction; returns its id."""
    result = conn.execute(
        outbox.insert().values(
            event_id=event_id, task=task, payload=payload, created_at=utcnow(), attempts=0
        )
    )
    return int(result.inserted_primary_key[0])


def claim_outbox(
    bind: Bind,
    limit: int = 50,
    *,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> list[OutboxRow]:
    """Claim up to `limit` unprocessed rows, oldest first, for `lease`.

    One UPDATE ... RETURNING statement: on PostgreSQL the candidate rows are locked
    with FOR UPDATE SKIP LOCKED so concurrent workers take disjoint rows without
    waiting; SQLite has a single writer, so the transaction alone is enough.
    Each claim counts as an attempt.
    """
    now = now or utcnow()
    candidates = (
        sa.select(outbox.c.id)
        .where(
            outbox.c.processed_at.is_(None),
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
    )
    statement = (
        outbox.update()
        .where(outbox.c.id.in_(candidates.scalar_subquery()))
        .values(claimed_until=now + lease, attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )
    with write_transaction(bind) as conn:
        rows = _records(conn.execute(statement))
    return sorted(rows, key=lambda r: r.id)


def mark_processed(bind: Bind, outbox_id: int, *, now: datetime | None = None) -> None:
    """Record that the row's task is done; it will not be claimed again."""
    with write_transaction(bind) as conn:
        result = conn.execute(
            outbox.update()
            .where(outbox.c.id == outbox_id)
            .values(processed_at=now or utcnow(), claimed_until=None, resolving_from=None)
        )
    if result.rowcount != 1:
        raise NotFound(f"no outbox row {outbox_id}")


def _set_if_open(bind: Bind, outbox_id: int, *conditions: Any, **values: Any) -> bool:
    """Set `values` on the row if it is not processed and `conditions` hold; whether it
    was set."""
    with write_transaction(bind) as conn:
        result = conn.execute(
            outbox.update()
            .where(outbox.c.id == outbox_id, outbox.c.processed_at.is_(None), *conditions)
            .values(**values)
        )
    return result.rowcount == 1


def close_unless_resolving(bind: Bind, outbox_id: int, *, now: datetime | None = None) -> bool:
    """A sender's close: the row processed unless a run is resolving its event (more
    deliveries are coming); whether it was closed now."""
    return _set_if_open(bind, outbox_id, outbox.c.resolving_from.is_(None),
                        processed_at=now or utcnow(), claimed_until=None)


def _of_claim(claim: int | None) -> list[Any]:
    """Only the run of claim number `claim` (the row's `attempts` when it was claimed;
    None: any): a later claim took the event over from it."""
    return [] if claim is None else [outbox.c.attempts == claim]


def mark_resolving(
    bind: Bind, outbox_id: int, start: int, *, hold_until: datetime, claim: int | None = None
) -> None:
    """A run of claim `claim` resolves the event's addresses from `start` on: held until
    `hold_until`. A processed row stays processed."""
    _set_if_open(bind, outbox_id, *_of_claim(claim), resolving_from=start,
                 claimed_until=hold_until)


def hold_slice(
    bind: Bind, outbox_id: int, start: int, *, hold_until: datetime, claim: int | None = None
) -> bool:
    """The slice from `start` takes the row's hold, if that slice is the event's next
    (`resolving_from`), the row is not processed and no later claim took the event over.
    False: a slice handed out again after the event went past it or was done, or one of
    a run that was taken over, which resolves nothing."""
    return _set_if_open(bind, outbox_id, outbox.c.resolving_from == start, *_of_claim(claim),
                        claimed_until=hold_until)


def release_outbox(bind: Bind, outbox_id: int, *, retry_at: datetime | None = None) -> None:
    """Give a claimed row back, to be claimed again from `retry_at`. Where a run was
    resolving the event (`resolving_from`) stays: no sender closes the row meanwhile,
    and the next claim goes on from there."""
    if not _set_if_open(bind, outbox_id, claimed_until=retry_at):
        raise NotFound(f"no unprocessed outbox row {outbox_id}")


def resolved(bind: Bind, outbox_id: int) -> None:
    """The run resolving the event is done with its addresses: a sender may close it."""
    with write_transaction(bind) as conn:
        conn.execute(outbox.update().where(outbox.c.id == outbox_id).values(resolving_from=None))


def get_outbox_row(bind: Bind, outbox_id: int) -> OutboxRow:
    with read_connection(bind) as conn:
        rows = _records(conn.execute(sa.select(outbox).where(outbox.c.id == outbox_id)))
    if not rows:
        raise NotFound(f"no outbox row {outbox_id}")
    return rows[0]


def pending_outbox(bind: Bind) -> list[OutboxRow]:
    """Unprocessed rows, claimed or not, oldest first."""
    query = sa.select(outbox).where(outbox.c.processed_at.is_(None)).order_by(outbox.c.id)
    with read_connection(bind) as conn:
        return _records(conn.execute(query))


def event_outbox_done(bind: Bind, event_id: int) -> bool:
    """Whether the event's outbox rows are all processed (every delivery final)."""
    query = sa.select(sa.func.count()).where(
        outbox.c.event_id == event_id, outbox.c.processed_at.is_(None)
    )
    with read_connection(bind) as conn:
        return int(conn.execute(query).scalar_one()) == 0
