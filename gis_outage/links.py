"""Signed e-mail links (opt-out) and the key they are signed with.

The portal reads them and the notifier puts the opt-out one in every outage e-mail
(`List-Unsubscribe` and the footer), so both sign alike: the portal's configured key,
else a key file in the data dir. A link carries a keyed hash of the address, never the
address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .config import Settings, secret

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


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 hex of `value` for one purpose (buckets, PINs, link hashes)."""
    return hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


class Links:
    """Signed, expiring tokens for e-mail links (opt-out). A link proves nothing of an
    address to an account: whoever adds one types the code mailed to it."""

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


def unsubscribe_url(email: str, settings: Settings) -> str:
    """A signed one-click opt-out link for one e-mail address (the portal's
    `/portal/unsubscribe/{token}`), valid for `portal.unsubscribe_link_days`."""
    config = settings.portal
    links = Links(load_secret(secret(config.secret_key), settings.data_dir), config.link_max_age)
    token = links.make("unsubscribe", email.strip().lower())
    return f"{settings.public_url}/portal/unsubscribe/{token}"
