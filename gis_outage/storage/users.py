"""Engineers' accounts and API tokens. Tokens are stored only as SHA-256 hashes.

Tokens are 32 random bytes, so a plain hash is enough: there is nothing to
guess that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from gis_outage.model import Role
from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, write_transaction
from gis_outage.storage.errors import ConflictError, NotFound
from gis_outage.storage.schema import api_tokens, users, utcnow


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role


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


def create_token(bind: Bind, user_name: str, actor: str = "cli") -> str:
    """A new token for the user; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with write_transaction(bind) as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.name == user_name)).first()
        if row is None:
            raise NotFound(f"no user {user_name!r}")
        token_id = conn.execute(
            api_tokens.insert().values(
                user_id=row.id, token_hash=hash_token(token), created_at=utcnow(), revoked=False
            )
        ).inserted_primary_key[0]
        write_audit(conn, actor, "token.create", f"user:{row.id}", {"token_id": token_id})
    return token


def user_for_token(bind: Bind, token: str) -> User | None:
    """The token's user when the token is valid and not revoked; notes its last use."""
    query = (
        sa.select(users.c.id, users.c.name, users.c.role, api_tokens.c.id.label("token_id"))
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == hash_token(token), sa.not_(api_tokens.c.revoked))
    )
    with write_transaction(bind) as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        conn.execute(
            api_tokens.update().where(api_tokens.c.id == row.token_id).values(last_used_at=utcnow())
        )
    return User(row.id, row.name, Role(row.role))


def revoke_tokens(bind: Bind, user_name: str, actor: str = "cli") -> int:
    with write_transaction(bind) as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.name == user_name)).first()
        if row is None:
            raise NotFound(f"no user {user_name!r}")
        count = conn.execute(
            api_tokens.update().where(api_tokens.c.user_id == row.id).values(revoked=True)
        ).rowcount
        write_audit(conn, actor, "token.revoke", f"user:{row.id}", {"count": count})
    return count
