"""Map server settings: `gis_outage.config.Settings` fields with module-level defaults.

The fields below are read from Settings when it has them (they are to be added there:
`public_url`, `map_tile_url`, ...); until then, or when unset, the defaults here apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gis_outage.config import Settings

# The address the public reaches this server at; pygeoapi writes it into every link.
PUBLIC_URL = "http://127.0.0.1:8000"
# A tile URL template such as "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; None
# draws the outages on a plain background (the embedded default has no internet).
MAP_TILE_URL: str | None = None
MAP_TILE_ATTRIBUTION = ""
MAP_CENTER = (60.1699, 24.9384)  # Helsinki, used while there are no outages to fit
MAP_ZOOM = 11
UTILITY_NAME = "gis-outage"
# Public responses may be reused this long, then served stale while revalidating.
PUBLIC_MAX_AGE = 15
PUBLIC_STALE_WHILE_REVALIDATE = 60
STATIC_MAX_AGE = 300
# How often the outage state is re-read for ETags; the map shows a publish within it.
STATE_TTL_SECONDS = 1.0
LOOKUP_WEEKS = 4
LOOKUP_MAX_WEEKS = 26


@dataclass(frozen=True)
class MapSettings:
    public_url: str
    map_tile_url: str | None
    map_tile_attribution: str
    map_center: tuple[float, float]
    map_zoom: int
    utility_name: str
    cap_sender: str
    public_max_age: int
    public_stale_while_revalidate: int
    static_max_age: int
    state_ttl_seconds: float
    lookup_weeks: int
    lookup_max_weeks: int
    timezone: str
    default_language: str
    languages: tuple[str, ...]

    @property
    def oapi_url(self) -> str:
        return f"{self.public_url}/oapi"


def map_settings(settings: Settings, **overrides: Any) -> MapSettings:
    """The map server's settings from `settings`, its defaults and `overrides`."""

    def pick(name: str, default: Any) -> Any:
        if name in overrides:
            return overrides[name]
        value = getattr(settings, name, None)
        return default if value is None else value

    public_url = str(pick("public_url", PUBLIC_URL)).rstrip("/")
    host = urlsplit(public_url).hostname or "localhost"
    return MapSettings(
        public_url=public_url,
        map_tile_url=pick("map_tile_url", MAP_TILE_URL) or None,
        map_tile_attribution=pick("map_tile_attribution", MAP_TILE_ATTRIBUTION),
        map_center=tuple(pick("map_center", MAP_CENTER)),  # type: ignore[arg-type]
        map_zoom=int(pick("map_zoom", MAP_ZOOM)),
        utility_name=pick("utility_name", UTILITY_NAME),
        # CAP wants a sender unique to the originator; the host name is that here.
        cap_sender=pick("cap_sender", f"gis-outage@{host}"),
        public_max_age=int(pick("public_max_age", PUBLIC_MAX_AGE)),
        public_stale_while_revalidate=int(
            pick("public_stale_while_revalidate", PUBLIC_STALE_WHILE_REVALIDATE)
        ),
        static_max_age=int(pick("static_max_age", STATIC_MAX_AGE)),
        state_ttl_seconds=float(pick("state_ttl_seconds", STATE_TTL_SECONDS)),
        lookup_weeks=int(pick("lookup_weeks", LOOKUP_WEEKS)),
        lookup_max_weeks=int(pick("lookup_max_weeks", LOOKUP_MAX_WEEKS)),
        timezone=settings.timezone,
        default_language=settings.default_language,
        languages=tuple(settings.languages),
    )
