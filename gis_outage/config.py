"""Settings from the environment (prefix GIS_OUTAGE_) or a .env file."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIS_OUTAGE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the embedded database lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; empty means a SQLite file in data_dir"
    )
    broker_url: str | None = Field(
        default=None, description="Celery broker; empty means the in-process worker"
    )
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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gis-outage.sqlite').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
