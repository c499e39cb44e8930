"""Rate limits of the resident portal: events counted per keyed bucket in a window."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.schema import (
    portal_rate_events,
    utcnow,
)

# -- rate limits ------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    name: str  # what the caller calls it, e.g. "destination"
    bucket: str  # keyed hash of the limited value
    limit: int
    window: timedelta


def _lock_buckets(conn: Connection, buckets: Iterable[str]) -> None:
    """On PostgreSQL, serialise writers of the same buckets (SQLite's BEGIN IMMEDIATE
    already serialises all writers), so two workers cannot both take the last slot."""
    if conn.dialect.name != "postgresql":
        return
    for bucket in sorted(set(buckets)):
        key = int(bucket[:15], 16)  # 60 bits of the hash: fits a bigint
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _count(conn: Connection, bucket: str, since: datetime) -> int:
    query = sa.select(sa.func.count()).where(
        portal_rate_events.c.bucket == bucket, portal_rate_events.c.at > since
    )
    return int(conn.execute(query).scalar_one())


def take_rate_limits(
    bind: Bind, limits: Sequence[RateLimit], *, now: datetime | None = None
) -> str | None:
    """Count one use against every limit, atomically; the name of the first limit that
    is already full (and then nothing is counted), or None when all had room."""
    now = now or utcnow()
    with write_transaction(bind) as conn:
        _lock_buckets(conn, (r.bucket for r in limits))
        for rate in limits:
            if _count(conn, rate.bucket, now - rate.window) >= rate.limit:
                return rate.name
        buckets = sorted({r.bucket for r in limits})
        if buckets:
            conn.execute(portal_rate_events.insert(), [{"bucket": b, "at": now} for b in buckets])
    return None


def take_try(
    bind: Bind, rates: Sequence[RateLimit], *, now: datetime | None = None
) -> list[int] | None:
    """Count one try against every limit of `rates` before its outcome is known, under
    the buckets' locks: the ids of the events (see `forget_events`), or None when any
    limit is full (then nothing is counted). Parallel tries cannot all pass a check made
    before any of them was counted."""
    now = now or utcnow()
    with write_transaction(bind) as conn:
        _lock_buckets(conn, (r.bucket for r in rates))
        if any(_count(conn, r.bucket, now - r.window) >= r.limit for r in rates):
            return None
        insert = portal_rate_events.insert().returning(portal_rate_events.c.id)
        return [
            int(conn.execute(insert.values(bucket=b, at=now)).scalar_one())
            for b in sorted({r.bucket for r in rates})
        ]


def forget_events(bind: Bind, event_ids: Sequence[int]) -> None:
    """Take back a try counted by `take_try` (it turned out not to be a failure)."""
    with write_transaction(bind) as conn:
        conn.execute(portal_rate_events.delete().where(portal_rate_events.c.id.in_(event_ids)))


def count_events(bind: Bind, bucket: str, window: timedelta, *, now: datetime | None = None):
    now = now or utcnow()
    with read_connection(bind) as conn:
        return _count(conn, bucket, now - window)


def record_event(bind: Bind, bucket: str, *, now: datetime | None = None) -> None:
    with write_transaction(bind) as conn:
        conn.execute(portal_rate_events.insert().values(bucket=bucket, at=now or utcnow()))


def wait_for(bind: Bind, limits: Sequence[RateLimit], *, now: datetime | None = None) -> timedelta:
    """How long until every full limit has room again (zero when none is full): the
    moment the event that keeps it full leaves its window."""
    now = now or utcnow()
    longest = timedelta(0)
    with read_connection(bind) as conn:
        for rate in limits:
            since = now - rate.window
            count = _count(conn, rate.bucket, since)
            if count < rate.limit:
                continue
            query = (
                sa.select(portal_rate_events.c.at)
                .where(portal_rate_events.c.bucket == rate.bucket, portal_rate_events.c.at > since)
                .order_by(portal_rate_events.c.at)
                .offset(count - rate.limit)
                .limit(1)
            )
            at = conn.execute(query).scalar_one()
            longest = max(longest, at + rate.window - now)
    return longest
