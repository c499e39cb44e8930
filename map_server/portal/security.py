"""Secrets of the portal: the key, keyed hashes, PINs, tokens, CSRF and signed links.

- Session ids and PIN-challenge tokens are random (256 bits); only their SHA-256 is
  stored, so a copy of the database opens no session.
- PINs, rate-limit buckets and the hashes in links are HMACs under the portal key: a
  4-digit PIN hashed without a key would fall to 10,000 guesses.
- CSRF: a random cookie, and in each form an HMAC of it and the session token (if
  any), so a token is worthless to another browser or another session.
- E-mail links are signed and timed (itsdangerous, `gis_outage.links`) and carry ids
  and keyed hashes, never the address itself, so no personal data sits in a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from gis_outage.links import keyed


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def cookies_secure(configured: bool | None, public_url: str) -> bool:
    """Secure unless told otherwise, or the site is plain http on a LAN/demo host (a
    browser would drop a Secure cookie there; on loopback browsers keep them)."""
    if configured is not None:
        return configured
    parts = urlsplit(public_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK
