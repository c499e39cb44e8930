"""Everything the portal's routes need, made once per app from its state.

Tests and deployments may put `portal_settings` (PortalSettings) and
`notifier_settings` (NotifierSettings: which providers send the PINs) on `app.state`
before the first request; otherwise both come from the environment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import FastAPI, Request
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from map_server.config import MapSettings
from notifier.settings import NotifierSettings, get_notifier_settings

from .security import Links, cookies_secure, load_secret
from .sender import Sender
from .settings import PortalSettings, get_portal_settings

_lock = threading.Lock()


@dataclass(frozen=True)
class Portal:
    db: Engine
    settings: Settings
    map: MapSettings
    config: PortalSettings
    secret: bytes
    links: Links
    secure_cookies: bool
    sender: Sender

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in self.map.languages if lang in ("fi", "sv", "en")) or ("fi",)


def build_portal(app: FastAPI) -> Portal:
    state = app.state
    settings: Settings = state.settings
    config: PortalSettings = getattr(state, "portal_settings", None) or get_portal_settings()
    notifier: NotifierSettings = (
        getattr(state, "notifier_settings", None) or get_notifier_settings()
    )
    secret = load_secret(config.secret_key, settings.data_dir)
    return Portal(
        db=state.db,
        settings=settings,
        map=state.map_settings,
        config=config,
        secret=secret,
        links=Links(secret, config.link_max_age),
        secure_cookies=cookies_secure(config.cookie_secure, state.map_settings.public_url),
        sender=Sender(state.db, notifier, settings.data_dir, settings.default_region),
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
