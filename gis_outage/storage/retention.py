"""Deleting delivery logs and portal data past their retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, write_transaction
from gis_outage.storage.schema import (
    deliveries,
    portal_logins,
    portal_pin_challenges,
    portal_rate_events,
    portal_sessions,
    utcnow,
)


@dataclass
class RetentionResult:
    deliveries: int = 0
    challenges: int = 0
    sessions: int = 0
    rate_events: int = 0
    unverified_logins: int = 0


def run_retention(
    bind: Bind,
    *,
    delivery_log_age: timedelta,
    rate_event_age: timedelta = timedelta(days=2),
    unverified_login_age: timedelta = timedelta(days=7),
    now: datetime | None = None,
    actor: str = "retention",
) -> RetentionResult:
    """Delete delivery logs older than `delivery_log_age`, and the portal's expired PIN
    challenges and sessions, old rate-limit events and never-verified login claims."""
    now = now or utcnow()
    out = RetentionResult()
    with write_transaction(bind) as conn:
        out.deliveries = conn.execute(
            deliveries.delete().where(deliveries.c.created_at < now - delivery_log_age)
        ).rowcount
        out.challenges = conn.execute(
            portal_pin_challenges.delete().where(portal_pin_challenges.c.expires_at <= now)
        ).rowcount
        out.sessions = conn.execute(
            portal_sessions.delete().where(portal_sessions.c.expires_at <= now)
        ).rowcount
        out.rate_events = conn.execute(
            portal_rate_events.delete().where(portal_rate_events.c.at < now - rate_event_age)
        ).rowcount
        out.unverified_logins = conn.execute(
            portal_logins.delete().where(
                portal_logins.c.verified_at.is_(None),
                portal_logins.c.created_at < now - unverified_login_age,
            )
        ).rowcount
        write_audit(conn, actor, "retention.run", "deliveries", dict(vars(out)))
    return out
