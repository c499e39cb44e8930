"""Settings: environment (prefix GIS_OUTAGE_), a .env file, then a TOML file.

`GIS_OUTAGE_CONFIG=/etc/gis-outage.toml` names the TOML file; its keys are the
field names below (`database_url = "postgresql://…"`). The environment wins over
the file, so one file can serve several processes with small differences.
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIS_OUTAGE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the embedded database lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means a SQLite file in data_dir"
    )
    broker_url: str | None = Field(
        default=None, description="Celery broker; empty means the in-process worker"
    )
    read_database_url: str | None = Field(
        default=None,
        description="A read replica for the public map, look-up and feeds; empty: the main one",
    )
    log_format: Literal["json", "text"] = Field(
        default="text", description="json: one JSON object per line (for log collectors)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    timezone: str = "Europe/Helsinki"
    default_language: str = "fi"
    languages: list[str] = ["fi", "sv", "en"]
    default_region: str = Field(default="FI", description="Region for phone numbers without +")
    snap_tolerance: float = Field(
        default=0.01, description="Link endpoints closer than this (CRS units) share a node"
    )
    area_buffer_m: float = Field(
        default=75.0, description="Buffer around affected service points in the public area"
    )

    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the public reaches the map server"
    )
    utility_name: str = "gis-outage"
    map_tile_url: str | None = Field(
        default=None, description="Base-map tile URL template; none draws a plain background"
    )
    map_tile_attribution: str = ""
    lookup_weeks: int = Field(default=4, description="Address search looks this far ahead")
    template_dir: Path | None = Field(
        default=None, description="Message templates that override the built-in ones"
    )

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
        config_file = os.environ.get("GIS_OUTAGE_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return (*sources, file_secret_settings)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gis-outage.sqlite').resolve()}"

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
