"""Engineers' accounts and API tokens. Tokens are stored only as SHA-256 hashes.

Tokens are 32 random bytes, so a plain hash is enough: there is nothing to
guess that a slow password hash would protect. A token is accepted until it expires
(`security.token_days` after it was made, unless given other days) or is revoked, and
while its user is not disabled; each of these changes writes an audit row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.config import SecuritySettings
from gis_outage.model import Role
from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.errors import ConflictError, NotFound
from gis_outage.storage.schema import api_tokens, users, utcnow

TOKEN_DAYS = SecuritySettings().token_days


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the token or its hash."""

    id: int
    user: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool
    disabled_at: datetime | None  # its user's

    def state(self, now: datetime) -> str:
        """The state: "revoked" (or its user disabled), "expired" or "valid"."""
        if self.revoked or self.disabled_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "valid"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(bind: Bind, name: str, role: str, actor: str = "cli") -> int:
    with write_transaction(bind) as conn:
        exists = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
        if exists:
            raise ConflictError(f"user {name!r} exists already")
        user_id = conn.execute(
            users.insert().values(name=name, role=Role(role).value, created_at=utcnow())
        ).inserted_primary_key[0]
        write_audit(conn, actor, "user.create", f"user:{user_id}", {"role": Role(role).value})
    return int(user_id)


def _user_id(conn: Connection, user_name: str) -> Any:
    row = conn.execute(
        sa.select(users.c.id, users.c.disabled_at).where(users.c.name == user_name)
    ).first()
    if row is None:
        raise NotFound(f"no user {user_name!r}")
    return row


def create_token(
    bind: Bind, user_name: str, actor: str = "cli", *, days: float = TOKEN_DAYS
) -> str:
    """A new token for the user, valid `days`; the plain token is returned once and
    never stored."""
    if not days > 0:
        raise ValueError("a token must be valid for more than 0 days")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(days=days)
    with write_transaction(bind) as conn:
        row = _user_id(conn, user_name)
        if row.disabled_at is not None:
            raise ConflictError(f"user {user_name!r} is disabled")
        token_id = conn.execute(
            api_tokens.insert().values(user_id=row.id, token_hash=hash_token(token),
                                       created_at=now, expires_at=expires, revoked=False)
        ).inserted_primary_key[0]
        write_audit(conn, actor, "token.create", f"user:{row.id}",
                    {"token_id": token_id, "expires_at": expires.isoformat()})
    return token


LAST_USE_STEP = timedelta(minutes=1)  # last_used_at is noted to the minute


def user_for_token(bind: Bind, token: str) -> User | None:
    """The token's user when the token is unexpired, not revoked and its user not
    disabled; notes its last use. A wrong token only reads: guesses take no write lock,
    and a busy client writes at most once a minute."""
    now = utcnow()
    query = (
        sa.select(users.c.id, users.c.name, users.c.role, api_tokens.c.id.label("token_id"),
                  api_tokens.c.last_used_at)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == hash_token(token), sa.not_(api_tokens.c.revoked),
               api_tokens.c.expires_at > now, users.c.disabled_at.is_(None))
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_STEP:
        with write_transaction(bind) as conn:
            conn.execute(
                api_tokens.update().where(api_tokens.c.id == row.token_id)
                .values(last_used_at=now)
            )
    return User(row.id, row.name, Role(row.role))


def revoke_tokens(
    bind: Bind, user_name: str, actor: str = "cli", token_id: int | None = None
) -> int:
    """Revoke the user's tokens (or the one `token_id` of theirs); how many were not
    revoked yet."""
    with write_transaction(bind) as conn:
        row = _user_id(conn, user_name)
        return _revoke(conn, row.id, actor, token_id)


def _revoke(conn: Connection, user_id: int, actor: str, token_id: int | None = None) -> int:
    query = api_tokens.update().where(api_tokens.c.user_id == user_id,
                                      sa.not_(api_tokens.c.revoked))
    if token_id is not None:
        query = query.where(api_tokens.c.id == token_id)
    # RETURNING works on PostgreSQL and SQLite ≥ 3.35: the audit row names each token.
    revoked = sorted(conn.execute(query.values(revoked=True).returning(api_tokens.c.id))
                     .scalars())
    write_audit(conn, actor, "token.revoke", f"user:{user_id}",
                {"count": len(revoked), "token_ids": revoked})
    return len(revoked)


def disable_user(bind: Bind, user_name: str, actor: str = "cli") -> int:
    """Disable the user: every token of theirs is revoked and no new one can be made.
    How many of its tokens (expired ones too) were not revoked yet."""
    with write_transaction(bind) as conn:
        row = _user_id(conn, user_name)
        if row.disabled_at is None:
            conn.execute(users.update().where(users.c.id == row.id).values(disabled_at=utcnow()))
        count = _revoke(conn, row.id, actor)
        write_audit(conn, actor, "user.disable", f"user:{row.id}", {"tokens_revoked": count})
    return count


def list_tokens(bind: Bind, user_name: str | None = None) -> list[TokenInfo]:
    """Every token's id, user, dates and state (never the token or its hash)."""
    query = (
        sa.select(api_tokens.c.id, users.c.name.label("user"), api_tokens.c.created_at,
                  api_tokens.c.expires_at, api_tokens.c.last_used_at, api_tokens.c.revoked,
                  users.c.disabled_at)
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.id)
    )
    if user_name is not None:
        query = query.where(users.c.name == user_name)
    with read_connection(bind) as conn:
        return [TokenInfo(**row) for row in conn.execute(query).mappings()]

