"""The audit trail: who did what to which object.

Details hold ids, statuses and field names — never personal data (names, phone
numbers, e-mail addresses), so the log can be kept longer than the data it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.schema import audit_log, utcnow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail."""

    id: int
    at: datetime
    actor: str  # a user name, "cli", or resident:<id>
    action: str  # e.g. outage.published
    target: str  # e.g. outage:12
    details: dict[str, Any]  # ids, statuses, field names: never personal data


def write_audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an audit row inside the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=at or utcnow(), actor=actor, action=action, target=target, details=details or {}
        )
    )


def audit_entries(bind: Bind, target: str | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first, optionally for one target (e.g. "outage:12")."""
    c = audit_log.c
    query = sa.select(c.id, c.at, c.actor, c.action, c.target, c.details).order_by(c.id)
    if target is not None:
        query = query.where(c.target == target)
    with read_connection(bind) as conn:
        return [AuditEntry(*row) for row in conn.execute(query)]


def resident_actor(subscriber_id: int) -> str:
    """The audit actor for a resident acting in the portal (an id, never a name)."""
    return f"resident:{subscriber_id}"


def subscriber_target(subscriber_id: int) -> str:
    return f"subscriber:{subscriber_id}"


def audit_resident(conn: Connection, subscriber_id: int, action: str, details: dict) -> None:
    """An audit row for what a resident did to their own registration."""
    write_audit(conn, resident_actor(subscriber_id), action, subscriber_target(subscriber_id),
                details)


def record(bind: Bind, actor: str, action: str, target: str, details: dict) -> None:
    """An audit row in a transaction of its own, for a read that changes no other row
    (a download of personal data)."""
    with write_transaction(bind) as conn:
        write_audit(conn, actor, action, target, details)


def record_resident(bind: Bind, subscriber_id: int, action: str, details: dict) -> None:
    """`record` for something a resident read (an export of their data)."""
    record(bind, resident_actor(subscriber_id), action, subscriber_target(subscriber_id), details)
