"""The resident portal's storage: PIN challenges, rate limits, logins and sessions,
subscriber CRUD, GDPR export and erasure, move-out purges and retention.

Every read and write of a subscriber's data takes the subscriber id and filters by it,
so a caller cannot reach another person's rows by guessing an id. Secrets never come
here in plain form: callers pass hashes (PINs, session tokens, rate-limit buckets).
Audit rows name ids and actions only, never personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import Channel, Service
from gis_outage.storage.addresses import find_addresses, street_key
from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, dict_rows, read_connection, write_transaction
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.schema import (
    SubscriptionRole,
    addresses,
    deliveries,
    opt_outs,
    portal_logins,
    portal_pin_challenges,
    portal_rate_events,
    portal_sessions,
    subscribers,
    subscriptions,
    utcnow,
    utility_services,
)

CHUNK = 500
# Fields of a subscription the resident edits.
SUBSCRIPTION_FIELDS = ("phone", "email", "customer_number", "facility_number", "role")


def _actor(subscriber_id: int) -> str:
    return f"resident:{subscriber_id}"


def _target(subscriber_id: int) -> str:
    return f"subscriber:{subscriber_id}"


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


def count_events(bind: Bind, bucket: str, window: timedelta, *, now: datetime | None = None):
    now = now or utcnow()
    with read_connection(bind) as conn:
        return _count(conn, bucket, now - window)


def record_event(bind: Bind, bucket: str, *, now: datetime | None = None) -> None:
    with write_transaction(bind) as conn:
        conn.execute(portal_rate_events.insert().values(bucket=bucket, at=now or utcnow()))


# -- PIN challenges ---------------------------------------------------------------------


def create_challenge(
    bind: Bind,
    *,
    token_hash: str,
    destination: str,
    channel: str,
    pin_hash: str,
    language: str,
    expires_at: datetime,
    name: str | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> int:
    values = {
        "token_hash": token_hash,
        "destination": destination,
        "channel": Channel(channel).value,
        "pin_hash": pin_hash,
        "name": name,
        "email": email,
        "language": language,
        "attempts": 0,
        "created_at": now or utcnow(),
        "expires_at": expires_at,
    }
    with write_transaction(bind) as conn:
        return int(
            conn.execute(portal_pin_challenges.insert().values(values)).inserted_primary_key[0]
        )


def get_challenge(bind: Bind, token_hash: str, *, now: datetime | None = None) -> dict | None:
    """The live challenge with this token hash (not expired), or None."""
    now = now or utcnow()
    c = portal_pin_challenges.c
    with read_connection(bind) as conn:
        row = (
            conn.execute(
                sa.select(portal_pin_challenges).where(
                    c.token_hash == token_hash, c.expires_at > now
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def take_attempt(
    bind: Bind, token_hash: str, max_attempts: int, *, now: datetime | None = None
) -> dict | None:
    """Count one PIN try and return the challenge (with the new count), or None when it
    is unknown, expired or out of tries. Counting comes first, in one UPDATE, so
    parallel guesses cannot share a try."""
    now = now or utcnow()
    c = portal_pin_challenges.c
    statement = (
        portal_pin_challenges.update()
        .where(c.token_hash == token_hash, c.expires_at > now, c.attempts < max_attempts)
        .values(attempts=c.attempts + 1)
        .returning(*portal_pin_challenges.c)
    )
    with write_transaction(bind) as conn:
        row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def delete_challenge(bind: Bind, token_hash: str) -> None:
    with write_transaction(bind) as conn:
        conn.execute(
            portal_pin_challenges.delete().where(portal_pin_challenges.c.token_hash == token_hash)
        )


# -- logins and sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    subscriber_id: int
    login_id: int
    created: bool  # a new subscriber (first registration)
    email_to_verify: str | None = field(default=None, repr=False)


def complete_login(
    bind: Bind,
    challenge_id: int,
    *,
    session_token_hash: str,
    session_expires_at: datetime,
    now: datetime | None = None,
) -> Login | None:
    """The PIN was right: consume the challenge, find or create the subscriber whose
    verified login the destination is, and open a session — one transaction. None when
    the challenge was consumed meanwhile (a parallel request won)."""
    now = now or utcnow()
    c = portal_pin_challenges.c
    with write_transaction(bind) as conn:
        challenge = (
            conn.execute(
                portal_pin_challenges.delete()
                .where(c.id == challenge_id)
                .returning(*portal_pin_challenges.c)
            )
            .mappings()
            .first()
        )
        if challenge is None:
            return None
        login = _login_for(conn, challenge, now)
        conn.execute(
            portal_sessions.insert().values(
                token_hash=session_token_hash,
                subscriber_id=login.subscriber_id,
                login_id=login.login_id,
                created_at=now,
                last_seen_at=now,
                expires_at=session_expires_at,
            )
        )
        write_audit(
            conn,
            _actor(login.subscriber_id),
            "portal.register" if login.created else "portal.login",
            _target(login.subscriber_id),
            {"channel": challenge["channel"]},
        )
    return login


def _login_for(conn: Connection, challenge: Any, now: datetime) -> Login:
    destination = challenge["destination"]
    lc = portal_logins.c
    row = conn.execute(
        sa.select(lc.id, lc.subscriber_id, lc.verified_at).where(lc.destination == destination)
    ).first()
    created = row is None or row.verified_at is None
    if not created:
        subscriber_id, login_id = int(row.subscriber_id), int(row.id)
    else:
        if row is not None:
            # Someone typed this destination as theirs and never proved it: the person
            # who now proved it by PIN gets it, not the claimant.
            conn.execute(portal_logins.delete().where(lc.id == row.id))
        subscriber_id = int(
            conn.execute(
                subscribers.insert().values(
                    name=challenge["name"] or "", language=challenge["language"], created_at=now
                )
            ).inserted_primary_key[0]
        )
        login_id = _insert_login(conn, subscriber_id, destination, challenge["channel"], now, now)
    # An e-mail given beside the phone: kept as a claim until its link is clicked.
    email, to_verify = challenge["email"], None
    if email and email != destination:
        taken = conn.execute(sa.select(lc.id).where(lc.destination == email)).first()
        if taken is None:
            _insert_login(conn, subscriber_id, email, Channel.EMAIL.value, None, now)
            to_verify = email
    return Login(subscriber_id, login_id, created=created, email_to_verify=to_verify)


def _insert_login(
    conn: Connection,
    subscriber_id: int,
    destination: str,
    channel: str,
    verified_at: datetime | None,
    now: datetime,
) -> int:
    return int(
        conn.execute(
            portal_logins.insert().values(
                subscriber_id=subscriber_id,
                destination=destination,
                channel=channel,
                verified_at=verified_at,
                created_at=now,
            )
        ).inserted_primary_key[0]
    )


def get_session(
    bind: Bind, token_hash: str, *, idle: timedelta, now: datetime | None = None
) -> dict | None:
    """The live session (id, subscriber_id, login destination), touching its last use;
    None when unknown, past its absolute end or idle longer than `idle`."""
    now = now or utcnow()
    s, lc = portal_sessions.c, portal_logins.c
    query = (
        sa.select(s.id, s.subscriber_id, s.login_id, s.last_seen_at, lc.destination, lc.channel)
        .join(portal_logins, lc.id == s.login_id)
        .where(s.token_hash == token_hash, s.expires_at > now, s.last_seen_at > now - idle)
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    if now - row["last_seen_at"] > timedelta(seconds=30):  # not a write per request
        with write_transaction(bind) as conn:
            conn.execute(portal_sessions.update().where(s.id == row["id"]).values(last_seen_at=now))
    return dict(row)


def delete_session(bind: Bind, token_hash: str) -> None:
    with write_transaction(bind) as conn:
        conn.execute(portal_sessions.delete().where(portal_sessions.c.token_hash == token_hash))


# -- the subscriber's own data ----------------------------------------------------------


def get_subscriber(bind: Bind, subscriber_id: int) -> dict | None:
    with read_connection(bind) as conn:
        row = (
            conn.execute(sa.select(subscribers).where(subscribers.c.id == subscriber_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def update_subscriber(
    bind: Bind, subscriber_id: int, *, name: str | None = None, language: str | None = None
) -> None:
    values = {k: v for k, v in (("name", name), ("language", language)) if v is not None}
    if not values:
        return
    with write_transaction(bind) as conn:
        conn.execute(subscribers.update().where(subscribers.c.id == subscriber_id).values(values))
        write_audit(
            conn,
            _actor(subscriber_id),
            "portal.profile",
            _target(subscriber_id),
            {"fields": sorted(values)},
        )


def list_logins(bind: Bind, subscriber_id: int) -> list[dict]:
    lc = portal_logins.c
    query = sa.select(portal_logins).where(lc.subscriber_id == subscriber_id).order_by(lc.id)
    with read_connection(bind) as conn:
        return dict_rows(conn.execute(query))


def _subscription_query() -> sa.Select:
    s, a = subscriptions.c, addresses.c
    return sa.select(
        s.id, s.address_id, s.service, s.phone, s.email, s.email_verified_at,
        s.customer_number, s.facility_number, s.role, s.created_at,
        a.street, a.house_number, a.postal_code, a.municipality,
    ).join(addresses, a.id == s.address_id)  # fmt: skip


def list_subscriptions(bind: Bind, subscriber_id: int) -> list[dict]:
    """The subscriber's subscriptions with their address fields, by address then service."""
    s, a = subscriptions.c, addresses.c
    query = (
        _subscription_query()
        .where(s.subscriber_id == subscriber_id)
        .order_by(a.street_key, a.house_number, s.address_id, s.service)
    )
    with read_connection(bind) as conn:
        return dict_rows(conn.execute(query))


def get_subscription(bind: Bind, subscriber_id: int, subscription_id: int) -> dict | None:
    """One of the subscriber's own subscriptions; None for anyone else's."""
    s = subscriptions.c
    query = _subscription_query().where(s.id == subscription_id, s.subscriber_id == subscriber_id)
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def verified_emails(bind: Bind, subscriber_id: int) -> set[str]:
    """E-mail addresses this subscriber has proven (by PIN or link)."""
    s, lc = subscriptions.c, portal_logins.c
    with read_connection(bind) as conn:
        found = set(
            conn.execute(
                sa.select(s.email).where(
                    s.subscriber_id == subscriber_id, s.email_verified_at.is_not(None)
                )
            ).scalars()
        )
        found |= set(
            conn.execute(
                sa.select(lc.destination).where(
                    lc.subscriber_id == subscriber_id,
                    lc.channel == Channel.EMAIL.value,
                    lc.verified_at.is_not(None),
                )
            ).scalars()
        )
    return {e for e in found if e}


def save_subscriptions(
    bind: Bind,
    subscriber_id: int,
    address_id: str,
    services: Sequence[str],
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Create or replace the subscriber's subscription at the address for each service.

    `values` holds SUBSCRIPTION_FIELDS; an e-mail is marked verified only when the
    subscriber already proved it.
    """
    now = now or utcnow()
    proven = verified_emails(bind, subscriber_id)
    row = _subscription_values(values, proven, now)
    s = subscriptions.c
    ids = []
    with write_transaction(bind) as conn:
        for service in services:
            service = Service(service).value
            existing = conn.execute(
                sa.select(s.id, s.email, s.email_verified_at).where(
                    s.subscriber_id == subscriber_id,
                    s.address_id == address_id,
                    s.service == service,
                )
            ).first()
            if existing is None:
                ids.append(
                    int(
                        conn.execute(
                            subscriptions.insert().values(
                                subscriber_id=subscriber_id, address_id=address_id,
                                service=service, created_at=now, **row,
                            )
                        ).inserted_primary_key[0]
                    )
                )  # fmt: skip
            else:
                update = dict(row)
                if existing.email == row["email"] and existing.email_verified_at is not None:
                    update["email_verified_at"] = existing.email_verified_at
                conn.execute(subscriptions.update().where(s.id == existing.id).values(update))
                ids.append(int(existing.id))
        write_audit(
            conn,
            _actor(subscriber_id),
            "portal.subscriptions.save",
            _target(subscriber_id),
            {"subscriptions": ids, "services": list(services)},
        )
    return ids


def _subscription_values(values: dict[str, Any], proven: set[str], now: datetime) -> dict:
    row = {k: values.get(k) or None for k in SUBSCRIPTION_FIELDS}
    row["role"] = SubscriptionRole(row["role"] or SubscriptionRole.RESIDENT).value
    if not row["phone"] and not row["email"]:
        raise ValueError("a subscription needs a phone number or an e-mail address")
    row["email_verified_at"] = now if row["email"] in proven else None
    return row


def update_subscription(
    bind: Bind,
    subscriber_id: int,
    subscription_id: int,
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> bool:
    """Change one of the subscriber's own subscriptions; False if it is not theirs."""
    now = now or utcnow()
    current = get_subscription(bind, subscriber_id, subscription_id)
    if current is None:
        return False
    row = _subscription_values(values, verified_emails(bind, subscriber_id), now)
    if row["email"] == current["email"] and current["email_verified_at"] is not None:
        row["email_verified_at"] = current["email_verified_at"]
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.update()
            .where(s.id == subscription_id, s.subscriber_id == subscriber_id)
            .values(row)
        ).rowcount
        write_audit(
            conn,
            _actor(subscriber_id),
            "portal.subscription.update",
            _target(subscriber_id),
            {"subscription": subscription_id},
        )
    return done == 1


def delete_subscription(bind: Bind, subscriber_id: int, subscription_id: int) -> bool:
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.delete().where(s.id == subscription_id, s.subscriber_id == subscriber_id)
        ).rowcount
        if done:
            write_audit(
                conn,
                _actor(subscriber_id),
                "portal.subscription.delete",
                _target(subscriber_id),
                {"subscription": subscription_id},
            )
    return done == 1


def delete_address(bind: Bind, subscriber_id: int, address_id: str) -> int:
    """Remove all of the subscriber's subscriptions at an address; how many went."""
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.delete().where(
                s.subscriber_id == subscriber_id, s.address_id == address_id
            )
        ).rowcount
        if done:
            write_audit(
                conn,
                _actor(subscriber_id),
                "portal.address.delete",
                _target(subscriber_id),
                {"subscriptions": done},
            )
    return int(done)


def verify_email(bind: Bind, subscriber_id: int, email: str, *, now: datetime | None = None) -> int:
    """The subscriber's e-mail link was clicked: mark that address verified on their
    subscriptions and login. Returns how many rows changed (0: nothing to verify)."""
    now = now or utcnow()
    s, lc = subscriptions.c, portal_logins.c
    with write_transaction(bind) as conn:
        changed = conn.execute(
            subscriptions.update()
            .where(
                s.subscriber_id == subscriber_id, s.email == email, s.email_verified_at.is_(None)
            )
            .values(email_verified_at=now)
        ).rowcount
        changed += conn.execute(
            portal_logins.update()
            .where(
                lc.subscriber_id == subscriber_id, lc.destination == email, lc.verified_at.is_(None)
            )
            .values(verified_at=now)
        ).rowcount
        if changed:
            write_audit(
                conn, _actor(subscriber_id), "portal.email.verify", _target(subscriber_id), {}
            )
    return int(changed)


def pending_email(bind: Bind, subscriber_id: int, email: str) -> bool:
    """Whether the subscriber has this e-mail anywhere still waiting for its link."""
    s, lc = subscriptions.c, portal_logins.c
    with read_connection(bind) as conn:
        in_subscriptions = conn.execute(
            sa.select(s.id)
            .where(
                s.subscriber_id == subscriber_id, s.email == email, s.email_verified_at.is_(None)
            )
            .limit(1)
        ).first()
        in_logins = conn.execute(
            sa.select(lc.id).where(
                lc.subscriber_id == subscriber_id, lc.destination == email, lc.verified_at.is_(None)
            )
        ).first()
    return in_subscriptions is not None or in_logins is not None


def own_destinations(bind: Bind, subscriber_id: int) -> dict[str, str]:
    """{destination: channel} of every phone and e-mail the subscriber registered."""
    s, lc = subscriptions.c, portal_logins.c
    found: dict[str, str] = {}
    with read_connection(bind) as conn:
        for phone, email in conn.execute(
            sa.select(s.phone, s.email).where(s.subscriber_id == subscriber_id)
        ):
            if phone:
                found.setdefault(phone, Channel.SMS.value)
            if email:
                found.setdefault(email, Channel.EMAIL.value)
        for destination, channel in conn.execute(
            sa.select(lc.destination, lc.channel).where(lc.subscriber_id == subscriber_id)
        ):
            found.setdefault(destination, channel)
    return found


def opt_out_status(bind: Bind, destinations: Iterable[str]) -> dict[str, datetime]:
    wanted = sorted(set(destinations))
    out: dict[str, datetime] = {}
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(
                sa.select(opt_outs.c.destination, opt_outs.c.created_at).where(
                    opt_outs.c.destination.in_(wanted[start : start + CHUNK])
                )
            )
            out.update({d: at for d, at in rows})
    return out


def add_opt_outs(bind: Bind, subscriber_id: int, destinations: dict[str, str]) -> int:
    """Opt the subscriber's destinations ({destination: channel}) out; how many were new."""
    added = sum(add_opt_out(bind, d, c) for d, c in sorted(destinations.items()))
    with write_transaction(bind) as conn:
        write_audit(
            conn,
            _actor(subscriber_id),
            "portal.opt_out",
            _target(subscriber_id),
            {"destinations": len(destinations), "new": added},
        )
    return added


def remove_opt_out(bind: Bind, subscriber_id: int, destination: str) -> bool:
    """Take an opt-out back (the caller lets only a destination its owner proved)."""
    with write_transaction(bind) as conn:
        done = conn.execute(opt_outs.delete().where(opt_outs.c.destination == destination)).rowcount
        if done:
            write_audit(conn, _actor(subscriber_id), "portal.opt_in", _target(subscriber_id), {})
    return done == 1


def find_email(bind: Bind, matches: Callable[[str], bool]) -> str | None:
    """A registered e-mail address for which `matches` is true (a keyed-hash check).

    Links carry a keyed hash of the address, not the address, so finding it means
    hashing each candidate; a few ten thousand HMACs take milliseconds.
    """
    s, lc = subscriptions.c, portal_logins.c
    with read_connection(bind) as conn:
        candidates = set(
            conn.execute(sa.select(s.email).where(s.email.is_not(None)).distinct()).scalars()
        )
        candidates |= set(
            conn.execute(
                sa.select(lc.destination).where(lc.channel == Channel.EMAIL.value)
            ).scalars()
        )
    return next((e for e in sorted(candidates) if matches(e)), None)


# -- GDPR: export and erasure ------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_subscriber(bind: Bind, subscriber_id: int) -> dict[str, Any]:
    """Everything stored about the subscriber (and sent to their destinations)."""
    subscriber = get_subscriber(bind, subscriber_id)
    if subscriber is None:
        raise LookupError("no such subscriber")
    mine = own_destinations(bind, subscriber_id)
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
        "subscriber": {k: _iso(subscriber[k]) for k in ("name", "language", "created_at")},
        "logins": [
            {k: _iso(r[k]) for k in ("destination", "channel", "verified_at", "created_at")}
            for r in list_logins(bind, subscriber_id)
        ],
        "subscriptions": [
            {
                "id": r["id"],
                "address": {
                    k: r[k]
                    for k in ("address_id", "street", "house_number", "postal_code", "municipality")
                },
                "service": r["service"],
                "role": r["role"],
                "phone": r["phone"],
                "email": r["email"],
                "email_verified_at": _iso(r["email_verified_at"]),
                "customer_number": r["customer_number"],
                "facility_number": r["facility_number"],
                "created_at": _iso(r["created_at"]),
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
            write_audit(conn, _actor(subscriber_id), "portal.erase", _target(subscriber_id), {})
    return done == 1


# -- addresses: the service area ---------------------------------------------------------


def resolve_address(
    bind: Bind, postal_code: str, street: str, house_number: str
) -> dict[str, Any] | None:
    """The register's address with exactly this postal code, street and number (case
    and spacing aside), or None: the register is the service area."""
    postal_code, number = postal_code.strip(), " ".join(house_number.split()).lower()
    if not postal_code or not street.strip() or not number:
        return None
    for found in find_addresses(
        bind, postal_code=postal_code, street_prefix=street, house_number_prefix=number, limit=50
    ):
        if street_key(found["street"]) == street_key(street) and (
            found["house_number"].lower() == number
        ):
            return found
    return None


def house_numbers(bind: Bind, postal_code: str, street: str, prefix: str = "", limit: int = 50):
    """House numbers on the street within the postal code, for autocomplete."""
    found = find_addresses(
        bind,
        postal_code=postal_code,
        street_prefix=street,
        house_number_prefix=prefix or None,
        limit=limit * 4,
    )
    numbers = [a["house_number"] for a in found if street_key(a["street"]) == street_key(street)]
    return list(dict.fromkeys(numbers))[:limit]


def offered_services(bind: Bind) -> list[str]:
    """The utility's services (every service while none is configured)."""
    with read_connection(bind) as conn:
        rows = set(conn.execute(sa.select(utility_services.c.service).distinct()).scalars())
    return [s.value for s in Service if not rows or s.value in rows]


# -- retention ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveOut:
    """One row of the customer system's move-out list."""

    line: int
    address_id: str
    customer_number: str | None = None
    phone: str | None = field(default=None, repr=False)  # E.164


@dataclass
class MoveOutResult:
    rows: int = 0
    matched_rows: int = 0
    subscriptions_deleted: int = 0
    subscribers_deleted: int = 0


def _customer_key(value: str | None) -> str | None:
    key = "".join((value or "").split()).casefold()
    return key or None


def purge_move_outs(
    bind: Bind, move_outs: Sequence[MoveOut], *, actor: str = "import-move-outs"
) -> MoveOutResult:
    """Delete the subscriptions at each row's address that match its customer number or
    phone; a subscriber left with nothing is deleted whole. One transaction."""
    result = MoveOutResult(rows=len(move_outs))
    s = subscriptions.c
    by_address: dict[str, list[MoveOut]] = {}
    for row in move_outs:
        by_address.setdefault(row.address_id, []).append(row)
    doomed: set[int] = set()
    touched: set[int] = set()
    matched_lines: set[int] = set()
    with write_transaction(bind) as conn:
        ids = sorted(by_address)
        for start in range(0, len(ids), CHUNK):
            rows = conn.execute(
                sa.select(s.id, s.subscriber_id, s.address_id, s.customer_number, s.phone).where(
                    s.address_id.in_(ids[start : start + CHUNK])
                )
            )
            for sub in rows:
                for move in by_address[sub.address_id]:
                    number = _customer_key(move.customer_number)
                    if (number and number == _customer_key(sub.customer_number)) or (
                        move.phone and move.phone == sub.phone
                    ):
                        doomed.add(sub.id)
                        touched.add(sub.subscriber_id)
                        matched_lines.add(move.line)
        doomed_ids = sorted(doomed)
        for start in range(0, len(doomed_ids), CHUNK):
            conn.execute(subscriptions.delete().where(s.id.in_(doomed_ids[start : start + CHUNK])))
        emptied = [
            sid
            for sid in sorted(touched)
            if conn.execute(sa.select(s.id).where(s.subscriber_id == sid).limit(1)).first() is None
        ]
        for start in range(0, len(emptied), CHUNK):
            conn.execute(
                subscribers.delete().where(subscribers.c.id.in_(emptied[start : start + CHUNK]))
            )
        result.matched_rows = len(matched_lines)
        result.subscriptions_deleted = len(doomed_ids)
        result.subscribers_deleted = len(emptied)
        write_audit(
            conn,
            actor,
            "portal.move_outs",
            "subscriptions",
            {
                "rows": result.rows,
                "subscriptions_deleted": result.subscriptions_deleted,
                "subscribers_deleted": result.subscribers_deleted,
            },
        )
    return result


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
