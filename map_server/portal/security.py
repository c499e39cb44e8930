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

import secrets
from urllib.parse import urlsplit

from gis_outage.links import keyed

# The hashes of PINs and tokens are the PIN rules' (gis_outage/services/pins.py).
from gis_outage.services.pins import pin_hash as pin_hash
from gis_outage.services.pins import same
from gis_outage.services.pins import token_hash as token_hash


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_pin() -> str:
    return f"{secrets.randbelow(10_000):04d}"


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
