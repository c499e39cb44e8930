"""GDPR: a subscriber's export (everything stored about them) and erasure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gis_outage.storage.audit import audit_resident
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.logins import list_logins
from gis_outage.storage.schema import (
    deliveries,
    portal_logins,
    portal_pin_challenges,
    portal_sessions,
    subscribers,
)
from gis_outage.storage.subscriptions import (
    get_subscriber,
    list_subscriptions,
    opt_out_status,
    own_destinations,
)

CHUNK = 500


# -- GDPR: export and erasure ------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_subscriber(bind: Bind, subscriber_id: int, proven: Iterable[str]) -> dict[str, Any]:
    """Everything stored about the subscriber, and what was sent to and blocked for the
    destinations in `proven`: of a number or address only typed in, its owner's
    messages and block are not the subscriber's to read. A dict on purpose: it is the
    JSON document the resident downloads (GDPR export), not a record read back."""
    subscriber = get_subscriber(bind, subscriber_id)
    if subscriber is None:
        raise LookupError("no such subscriber")
    mine = set(own_destinations(bind, subscriber_id)) & set(proven)
    opted = opt_out_status(bind, mine)
    d, ps = deliveries.c, portal_sessions.c
    sent: list[dict[str, Any]] = []
    wanted = sorted(mine)
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(
                sa.select(d.event_id, d.destination, d.channel, d.status, d.created_at, d.sent_at)
                .where(d.destination.in_(wanted[start : start + CHUNK]))
                .order_by(d.id)
            ).mappings()
            sent += [{k: _iso(v) for k, v in r.items()} for r in rows]
        sessions = [
            {k: _iso(v) for k, v in r.items()}
            for r in conn.execute(
                sa.select(ps.created_at, ps.last_seen_at, ps.expires_at)
                .where(ps.subscriber_id == subscriber_id)
                .order_by(ps.id)
            ).mappings()
        ]
    return {
        "subscriber": {
            "name": subscriber.name,
            "language": subscriber.language,
            "created_at": _iso(subscriber.created_at),
        },
        "logins": [
            {
                "destination": r.destination,
                "channel": r.channel,
                "verified_at": _iso(r.verified_at),
                "created_at": _iso(r.created_at),
            }
            for r in list_logins(bind, subscriber_id)
        ],
        "subscriptions": [
            {
                "id": r.id,
                "address": {
                    "address_id": r.address_id,
                    "street": r.street,
                    "house_number": r.house_number,
                    "postal_code": r.postal_code,
                    "municipality": r.municipality,
                },
                "service": r.service,
                "role": r.role,
                "phone": r.phone,
                "phone_verified_at": _iso(r.phone_verified_at),
                "email": r.email,
                "email_verified_at": _iso(r.email_verified_at),
                "customer_number": r.customer_number,
                "facility_number": r.facility_number,
                "created_at": _iso(r.created_at),
            }
            for r in list_subscriptions(bind, subscriber_id)
        ],
        "opt_outs": [{"destination": k, "created_at": _iso(v)} for k, v in sorted(opted.items())],
        "deliveries": sent,
        "sessions": sessions,
    }


def erase_subscriber(bind: Bind, subscriber_id: int) -> bool:
    """Delete the subscriber with their subscriptions, logins, sessions and PINs.

    Opt-outs stay (they are what keeps messages away), and so do delivery logs until
    the retention job removes them.
    """
    lc = portal_logins.c
    with write_transaction(bind) as conn:
        logins = list(
            conn.execute(
                sa.select(lc.destination).where(lc.subscriber_id == subscriber_id)
            ).scalars()
        )
        if logins:
            conn.execute(
                portal_pin_challenges.delete().where(
                    portal_pin_challenges.c.destination.in_(logins)
                )
            )
        done = conn.execute(subscribers.delete().where(subscribers.c.id == subscriber_id)).rowcount
        if done:
            audit_resident(conn, subscriber_id, "portal.erase", {})
    return done == 1
