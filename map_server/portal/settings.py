"""Portal settings, from GIS_OUTAGE_PORTAL_* variables (or a .env file)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GIS_OUTAGE_PORTAL_", env_file=".env", extra="ignore"
    )

    secret_key: str | None = Field(
        default=None,
        repr=False,
        description="Signs links and CSRF tokens, keys hashes; empty: a key file in data_dir",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Secure cookies; empty: yes unless public_url is plain http on a LAN host",
    )

    pin_minutes: float = Field(default=10.0, description="A PIN is valid this long")
    pin_max_attempts: int = Field(default=5, description="Wrong tries before a PIN is dead")
    pins_per_destination_15min: int = 3
    pins_per_destination_day: int = 8
    pins_per_client_hour: int = 20
    failed_pins_per_destination_day: int = Field(
        default=10, description="After this many wrong PINs a destination is locked for a day"
    )
    links_per_destination_day: int = Field(
        default=5, description="Verification and opt-out e-mails per address per day"
    )

    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    link_days: float = Field(default=7.0, description="Verification links are valid this long")
    unsubscribe_link_days: float = Field(
        default=400.0, description="Opt-out links (also in outage e-mails) are valid this long"
    )

    @property
    def pin_ttl(self) -> timedelta:
        return timedelta(minutes=self.pin_minutes)

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    def link_max_age(self, purpose: str) -> int:
        days = self.unsubscribe_link_days if purpose == "unsubscribe" else self.link_days
        return int(days * 86400)


@lru_cache
def get_portal_settings() -> PortalSettings:
    return PortalSettings()
