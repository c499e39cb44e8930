"""The one settings tree, read once per process and passed down.

Sources, the first that sets a value wins: arguments, the environment (prefix
GIS_OUTAGE_), a `.env` file, then the TOML file named by GIS_OUTAGE_CONFIG. A section's
setting is named by its section and field: `GIS_OUTAGE_NOTIFY_SMPP_HOST` in the
environment, `smpp_host` under `[notify]` in the TOML file. An unknown name in any source
is an error that names it, so a typo never silently falls back to a default.

    utility_name = "Example Water"          # GIS_OUTAGE_UTILITY_NAME
    [notify]
    smpp_host = "smpp.operator.example"     # GIS_OUTAGE_NOTIFY_SMPP_HOST

Entry points (the CLI, the web app's factory, the Celery app, the worker) call
`get_settings()`; everything below them takes a `Settings` argument. `gis-outage config`
prints the effective tree with secrets masked.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from .notify_settings import NotifySettings as NotifySettings
from .notify_settings import Section
from .notify_settings import UnknownNumberPolicy as UnknownNumberPolicy
from .settings_text import SettingsError as SettingsError
from .settings_text import TomlFile, mask_url, proxy_list

CONFIG_FILE_VARIABLE = "GIS_OUTAGE_CONFIG"


class NetworkSettings(Section):
    snap_tolerance_m: float = Field(
        default=0.01, gt=0,
        description="Link ends closer than this many metres share a node (any CRS)",
    )
    trace_cache_dir: Path | None = Field(None, description="Trace engine files each process "
                                         "of a host maps; empty: trace-cache in data_dir")


class MapSettings(Section):
    tile_url: str | None = Field(
        default=None,
        description="A utility's own WMTS/XYZ tile URL template; it replaces the base map",
    )
    tile_attribution: str = ""
    basemap: Path | None = Field(
        default=None,
        description="PMTiles base map (`gis-outage build-basemap`); empty: basemap.pmtiles "
        "in data_dir when it is there",
    )
    ended_visible_hours: float = Field(
        default=12.0, ge=0,
        description="Resolved and cancelled outages stay on the map and in the OGC API "
        "this long, marked restored or cancelled",
    )
    center: tuple[float, float] = Field(
        default=(60.1699, 24.9384), description="Latitude, longitude shown while no outages"
    )
    zoom: int = 11
    area_cell_m: float = Field(
        default=150.0, gt=0,
        description="Grid cell of the generalised public area: it never outlines one house",
    )
    cap_sender: str | None = Field(
        default=None, description="CAP <sender>; empty: gis-outage@ the public URL's host"
    )
    public_max_age: int = Field(default=15, description="Public responses may be reused this long")
    public_stale_while_revalidate: int = 60
    static_max_age: int = 300
    state_ttl_seconds: float = Field(
        default=1.0, ge=0, description="How often the outage state is re-read for ETags"
    )
    lookup_weeks: int = Field(default=4, description="Address search looks this far ahead")
    lookup_max_weeks: int = 26
    lookup_min_customers: int = Field(
        default=10, ge=1,
        description="Below this many customers the look-up says only that an address lies "
        "in the outage's public area, never that it is affected (docs/security.md)",
    )
    lookups_per_client_hour: int = Field(default=120, ge=1, description="Address answers")


class PortalSettings(Section):
    controller: str | None = Field(
        default=None,
        description="The privacy page's controller (name and address); empty: utility_name",
    )
    privacy_contact: str | None = Field(
        default=None,
        description="Where residents ask about their data (e-mail, phone or address); "
        "empty: notify.contact_phone",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs links and CSRF tokens, keys hashes; empty: a key file in data_dir",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Secure cookies; empty: yes unless public_url is plain http on a LAN host",
    )
    pin_minutes: float = Field(default=10.0, description="A PIN is valid this long")
    pin_max_attempts: int = Field(default=5, description="Wrong tries before a PIN is dead")
    pins_per_destination_15min: int = 3
    pins_per_destination_day: int = Field(
        default=8, description="PIN messages a day to one number or e-mail from one client")
    pins_per_destination_day_all: int = Field(
        default=24, description="PIN messages a day to one number or e-mail from all clients")
    pins_per_client_hour: int = 20
    failed_pins_per_client_day: int = Field(
        default=10, description="Wrong PINs a day for one destination from one client"
    )
    failed_pins_per_destination_day: int = Field(
        default=30, description="Wrong PINs a day for one destination from all clients"
    )
    proof_resend_minutes: float = Field(
        default=2.0, description="A new code to a number or e-mail added in the portal after"
    )
    links_per_destination_day: int = Field(default=5, description="Opt-out mails per address a day")
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
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

    def link_max_age(self, purpose: str) -> int:  # opt-out is the only purpose left
        return int(self.unsubscribe_link_days * 86400)


class RetentionSettings(Section):
    delivery_log_days: int = Field(default=365, ge=1, description="Keep delivery logs this long")


class SecuritySettings(Section):
    """What the web server believes of a request and how much of it it reads, API token
    life, who reads /metrics, where vulnerabilities are reported (docs/security.md)."""

    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[], description="Reverse proxies (addresses or networks, comma-separated) "
        "whose X-Forwarded-For and -Proto are believed; empty: none",
    )
    api_body_kib: int = Field(default=2048, ge=1, description="Largest request body on /api")
    portal_body_kib: int = Field(default=64, ge=1, description="Largest body on /portal")
    body_kib: int = Field(default=16, ge=1, description="Largest request body elsewhere")
    token_days: float = Field(default=90.0, gt=0, description="New API tokens expire after")
    metrics_public: bool = Field(
        default=False, description="No: /metrics answers this host or metrics_token only"
    )
    metrics_token: SecretStr | None = Field(default=None, description="Bearer token for /metrics")
    contact: str | None = Field(
        default=None, description="Where vulnerabilities are reported (/.well-known/security.txt)"
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        return proxy_list(value)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GIS_OUTAGE_",
        env_file=".env",
        env_nested_delimiter="_",
        env_nested_max_split=1,  # GIS_OUTAGE_NOTIFY_SMPP_HOST: section notify, smpp_host
        # The environment holds other GIS_OUTAGE_* names (docker-compose's own, tests'):
        # top-level names not known here are left alone. Sections and the TOML file
        # reject unknown names.
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(default=Path("data"), description="Where the embedded database lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means a SQLite file in data_dir"
    )
    read_database_url: str | None = Field(
        default=None,
        description="A read replica for the public map, look-up and feeds; empty: the main one",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker; empty: `gis-outage serve` runs the in-process worker",
    )
    log_format: Literal["json", "text"] = Field(
        default="text", description="json: one JSON object per line (for log collectors)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    timezone: str = "Europe/Helsinki"
    default_language: str = "fi"
    languages: list[str] = ["fi", "sv", "en"]
    default_region: str = Field(default="FI", description="Region for phone numbers without +")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where the public reaches the map server; the base of links in messages",
    )
    utility_name: str = Field(default="gis-outage", description="Signs messages and pages")
    template_dir: Path | None = Field(
        default=None, description="Message templates that override the built-in ones"
    )

    network: NetworkSettings = NetworkSettings()
    map: MapSettings = MapSettings()
    notify: NotifySettings = NotifySettings()
    portal: PortalSettings = PortalSettings()
    retention: RetentionSettings = RetentionSettings()
    security: SecuritySettings = SecuritySettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        config_file = os.environ.get(CONFIG_FILE_VARIABLE)
        if config_file:
            sources.append(TomlFile(settings_cls, toml_file=Path(config_file)))
        return (*sources, file_secret_settings)

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    # -- what several parts derive from the settings: one rule each ------------------------

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gis-outage.sqlite').resolve()}"

    @property
    def embedded_worker(self) -> bool:
        """No broker: the web process's own worker drains the outbox."""
        return not self.broker_url

    @property
    def basemap_file(self) -> Path:
        """The PMTiles base map the map server serves (it may not exist yet)."""
        return self.map.basemap or self.data_dir / "basemap.pmtiles"

    @property
    def oapi_url(self) -> str:
        return f"{self.public_url}/oapi"

    @property
    def website(self) -> str:
        """The public site as a person would say or type it: host and path, no scheme."""
        parts = urlsplit(self.public_url)
        return f"{parts.netloc}{parts.path}".rstrip("/")

    @property
    def cap_sender(self) -> str:
        # CAP wants a sender unique to the originator; the host name is that here.
        host = urlsplit(self.public_url).hostname or "localhost"
        return self.map.cap_sender or f"gis-outage@{host}"

    @property
    def opt_out_url(self) -> str:
        """The opt-out page that e-mails link to."""
        return self.notify.unsubscribe_url or f"{self.public_url}/portal/unsubscribe"

    def outage_url(self, outage_id: int | str) -> str:
        """The public map opened at one outage: the link in every message."""
        return f"{self.public_url}/?outage={outage_id}"

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with top-level fields or whole sections replaced (`notify={...}` merges
        into the section), validated like any other settings."""
        data = self.model_dump()
        for name, value in changes.items():
            if isinstance(value, dict) and isinstance(data.get(name), dict):
                data[name] = {**data[name], **value}
            else:
                data[name] = value
        return type(self).model_validate(data)

    def masked(self) -> dict[str, Any]:
        """The effective settings for printing: secrets masked, passwords out of URLs."""
        data = self.model_dump(mode="json")
        for key in ("database_url", "read_database_url", "broker_url"):
            data[key] = mask_url(data[key])
        data["notify"]["rate_limit_url"] = mask_url(data["notify"]["rate_limit_url"])
        return data


def load_settings(**values: Any) -> Settings:
    """Settings from every source, or a SettingsError naming each bad one (no values:
    a rejected value may be a password)."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            variable = "GIS_OUTAGE_" + "_".join(str(p) for p in error["loc"]).upper()
            reason = "not a setting" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{name} ({variable}): {reason}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


def secret(value: SecretStr | None) -> str | None:
    """The plain text of a secret setting, where a client needs it."""
    return value.get_secret_value() if value is not None else None


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()
