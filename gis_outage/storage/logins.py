"""PIN challenges, verified logins and sessions of the resident portal.

Secrets never come here in plain form: callers pass hashes (PINs, session tokens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import Channel
from gis_outage.storage.audit import resident_actor, subscriber_target, write_audit
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.schema import (
    portal_logins,
    portal_pin_challenges,
    portal_sessions,
    subscribers,
    utcnow,
)

# -- PIN challenges ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Challenge:
    """A PIN sent to `destination`; with `subscriber_id` it proves the destination for
    that logged-in subscriber, without it it logs in."""

    id: int
    token_hash: str = field(repr=False)
    destination: str = field(repr=False)
    channel: str
    pin_hash: str = field(repr=False)
    name: str | None = field(repr=False)
    email: str | None = field(repr=False)  # given beside the phone on the start form
    language: str
    attempts: int
    created_at: datetime
    expires_at: datetime
    subscriber_id: int | None


@dataclass(frozen=True, slots=True)
class ProofSent:
    """When the newest live code that proves a destination was sent."""

    id: int
    created_at: datetime
    expires_at: datetime


def _challenge(row: Any) -> Challenge | None:
    return Challenge(**row) if row else None


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
    subscriber_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """A PIN sent to `destination`: to log in, or with `subscriber_id` to prove the
    destination for that logged-in subscriber (such a challenge opens no session)."""
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
        "subscriber_id": subscriber_id,
    }
    with write_transaction(bind) as conn:
        return int(
            conn.execute(portal_pin_challenges.insert().values(values)).inserted_primary_key[0]
        )


def get_challenge(
    bind: Bind, token_hash: str, *, subscriber_id: int | None = None, now: datetime | None = None
) -> Challenge | None:
    """The live challenge with this token hash (not expired), or None: a login challenge,
    or with `subscriber_id` one that proves a destination for that subscriber."""
    now = now or utcnow()
    c = portal_pin_challenges.c
    whose = c.subscriber_id.is_(None) if subscriber_id is None else c.subscriber_id == subscriber_id
    with read_connection(bind) as conn:
        row = (
            conn.execute(
                sa.select(portal_pin_challenges).where(
                    c.token_hash == token_hash, c.expires_at > now, whose
                )
            )
            .mappings()
            .first()
        )
    return _challenge(row)


def latest_proof(
    bind: Bind, subscriber_id: int, destination: str, *, now: datetime | None = None
) -> ProofSent | None:
    """The newest live challenge that proves `destination` for this subscriber (only
    this subscriber's own: whatever others asked for the destination is not told)."""
    now = now or utcnow()
    c = portal_pin_challenges.c
    query = (
        sa.select(c.id, c.created_at, c.expires_at)
        .where(c.subscriber_id == subscriber_id, c.destination == destination, c.expires_at > now)
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(1)
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    return ProofSent(**row) if row else None


def take_attempt(
    bind: Bind, token_hash: str, max_attempts: int, *, now: datetime | None = None
) -> Challenge | None:
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
    return _challenge(row)


def delete_challenge(bind: Bind, token_hash: str) -> None:
    with write_transaction(bind) as conn:
        conn.execute(
            portal_pin_challenges.delete().where(portal_pin_challenges.c.token_hash == token_hash)
        )


def consume_proof(bind: Bind, challenge_id: int, subscriber_id: int) -> str | None:
    """The PIN of a proof was right: delete the challenge and return its destination;
    None when it is not this subscriber's or was used meanwhile."""
    c = portal_pin_challenges.c
    with write_transaction(bind) as conn:
        return conn.execute(
            portal_pin_challenges.delete()
            .where(c.id == challenge_id, c.subscriber_id == subscriber_id)
            .returning(c.destination)
        ).scalar()


# -- logins and sessions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginRecord:
    """A destination the subscriber logs in with; `verified_at` None: a claim (an
    e-mail given beside the phone whose code was not typed yet)."""

    id: int
    subscriber_id: int
    destination: str = field(repr=False)
    channel: str
    verified_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A live portal session and the login that opened it."""

    id: int
    subscriber_id: int
    login_id: int
    last_seen_at: datetime
    destination: str = field(repr=False)
    channel: str


@dataclass(frozen=True, slots=True)
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
                .where(c.id == challenge_id, c.subscriber_id.is_(None))
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
            resident_actor(login.subscriber_id),
            "portal.register" if login.created else "portal.login",
            subscriber_target(login.subscriber_id),
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
    # An e-mail given beside the phone: kept as a claim until its code is typed.
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
) -> SessionRecord | None:
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
    return SessionRecord(**row)


def delete_session(bind: Bind, token_hash: str) -> None:
    with write_transaction(bind) as conn:
        conn.execute(portal_sessions.delete().where(portal_sessions.c.token_hash == token_hash))


def list_logins(bind: Bind, subscriber_id: int) -> list[LoginRecord]:
    lc = portal_logins.c
    query = sa.select(portal_logins).where(lc.subscriber_id == subscriber_id).order_by(lc.id)
    with read_connection(bind) as conn:
        return [LoginRecord(**row) for row in conn.execute(query).mappings()]
