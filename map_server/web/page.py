"""`/`: the public outage map, rendered with the current outages already in its list."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gis_outage.config import Settings
from gis_outage.public import iso
from map_server.i18n import LANGUAGE_NAMES, STRINGS, local_time, pick_language

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

router = APIRouter(tags=["public"])


def page_config(settings: Settings, language: str) -> dict[str, Any]:
    """What the page's script needs, embedded as JSON (no inline script code)."""
    return {
        "language": language,
        "timezone": settings.timezone,
        "strings": STRINGS[language],
        "itemsUrl": "oapi/collections/outages/items?f=json&limit=1000",
        "lookupUrl": "lookup/",
        "tileUrl": settings.map.tile_url,
        "tileAttribution": settings.map.tile_attribution,
        "center": list(settings.map.center),
        "zoom": settings.map.zoom,
        "weeks": settings.map.lookup_weeks,
        "refreshSeconds": 60,
    }


@router.get("/", response_class=HTMLResponse)
def map_page(request: Request) -> HTMLResponse:
    """The public outage map (HTML)."""
    settings: Settings = request.app.state.settings
    language = pick_language(request, settings.languages, settings.default_language)
    snapshot = request.app.state.snapshots.current()
    languages = [lang for lang in settings.languages if lang in STRINGS]
    return TEMPLATES.TemplateResponse(
        request,
        "map.html",
        {
            "lang": language,
            "t": STRINGS[language],
            "languages": [(lang, LANGUAGE_NAMES[lang]) for lang in languages],
            "outages": snapshot.outages,
            "updated": snapshot.last_modified,
            "updated_iso": iso(snapshot.last_modified),
            "when": lambda value: local_time(_moment(value), language, settings.timezone),
            "config": page_config(settings, language),
            "utility": settings.utility_name,
            "weeks": settings.map.lookup_weeks,
            "max_weeks": settings.map.lookup_max_weeks,
        },
    )


def _moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
