"""Everything the portal's routes need, made once per app from its state."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from sqlalchemy.engine import Engine

from gis_outage.config import PortalSettings, Settings, secret
from gis_outage.links import Links, load_secret
from gis_outage.services.pins import PinRules

from .i18n import PORTAL
from .security import cookies_secure
from .sender import Sender

_lock = threading.Lock()


@dataclass(frozen=True)
class Portal:
    db: Engine
    settings: Settings
    secret: bytes
    links: Links
    secure_cookies: bool
    sender: Sender
    cookie_path: str = "/portal"  # under the public URL's path

    @property
    def config(self) -> PortalSettings:
        return self.settings.portal

    @property
    def pins(self) -> PinRules:
        """What the PIN rules (`gis_outage/services/pins.py`) need."""
        return PinRules(self.db, self.secret, self.config)

    @property
    def languages(self) -> tuple[str, ...]:
        """The utility's languages that the portal speaks."""
        return tuple(lang for lang in self.settings.languages if lang in PORTAL) or ("fi",)


def build_portal(app: FastAPI) -> Portal:
    settings: Settings = app.state.settings
    config = settings.portal
    key = load_secret(secret(config.secret_key), settings.data_dir)
    return Portal(
        db=app.state.db,
        settings=settings,
        secret=key,
        links=Links(key, config.link_max_age),
        secure_cookies=cookies_secure(config.cookie_secure, settings.public_url),
        sender=Sender(app.state.db, settings),
        cookie_path=urlsplit(settings.public_url).path.rstrip("/") + "/portal",
    )


def portal(request: Request) -> Portal:
    """The app's Portal, built on first use."""
    found = getattr(request.app.state, "portal", None)
    if found is None:
        with _lock:
            found = getattr(request.app.state, "portal", None)
            if found is None:
                found = request.app.state.portal = build_portal(request.app)
    return found
