"""Secrets of the portal: the key, keyed hashes, PINs, tokens, CSRF and signed links.

- Session ids and PIN-challenge tokens are random (256 bits); only their SHA-256 is
  stored, so a copy of the database opens no session.
- PINs, rate-limit buckets and the hashes in links are HMACs under the portal key: a
  4-digit PIN hashed without a key would fall to 10,000 guesses.
- CSRF: a random cookie, and in each form an HMAC of it and the session token (if
  any), so a token is worthless to another browser or another session.
- E-mail links are signed and timed (itsdangerous) and carry ids and keyed hashes,
  never the address itself, so no personal data sits in a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

KEY_FILE = "portal-secret.key"


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or one kept in the data dir (made once, readable by us only)
    so every worker process on the box signs alike."""
    if configured:
        return configured.encode()
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 hex of `value` for one purpose (buckets, PINs, link hashes)."""
    return hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def new_pin() -> str:
    return f"{secrets.randbelow(10_000):04d}"


def pin_hash(secret: bytes, challenge_token: str, pin: str) -> str:
    return keyed(secret, "pin", f"{token_hash(challenge_token)}:{pin}")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def csrf_token(secret: bytes, csrf_cookie: str, session_token: str | None) -> str:
    return keyed(secret, "csrf", f"{csrf_cookie}:{session_token or ''}")


def csrf_ok(secret: bytes, sent: str | None, csrf_cookie: str | None, session: str | None) -> bool:
    if not sent or not csrf_cookie:
        return False
    return same(sent, csrf_token(secret, csrf_cookie, session))


class Links:
    """Signed, expiring tokens for e-mail links (verification, opt-out)."""

    def __init__(self, secret: bytes, max_age: Callable[[str], int]) -> None:
        self.secret = secret
        self.max_age = max_age  # seconds a link of a purpose stays valid
        self._serializer = URLSafeTimedSerializer(secret, salt="gis-outage-portal-link")

    def email_digest(self, email: str) -> str:
        return keyed(self.secret, "email", email)[:32]

    def make(self, purpose: str, email: str, subscriber_id: int | None = None) -> str:
        payload: dict[str, Any] = {"p": purpose, "h": self.email_digest(email)}
        if subscriber_id is not None:
            payload["s"] = subscriber_id
        return self._serializer.dumps(payload)

    def read(self, purpose: str, token: str) -> dict[str, Any] | None:
        """The payload of a valid, unexpired token for `purpose`, else None."""
        try:
            payload = self._serializer.loads(token, max_age=self.max_age(purpose))
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        if not isinstance(payload, dict) or payload.get("p") != purpose:
            return None
        return payload


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def cookies_secure(configured: bool | None, public_url: str) -> bool:
    """Secure unless told otherwise, or the site is plain http on a LAN/demo host (a
    browser would drop a Secure cookie there; on loopback browsers keep them)."""
    if configured is not None:
        return configured
    parts = urlsplit(public_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK
