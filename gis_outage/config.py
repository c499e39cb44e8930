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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gis-outage.sqlite').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
