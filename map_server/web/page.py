"""`/`: the public outage map, rendered with the current outages already in its list.

`/?outage=N` (the link in every message) opens the map at that outage; one that has
ended and left the map is named as over instead of the page silently showing another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gis_outage.config import Settings
from gis_outage.model import WATER_NOTICES, OutageKind, Service
from gis_outage.public import PublicOutage, iso
from gis_outage.storage.addresses import example_address, street_in
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outages import announced_outage
from map_server.i18n import LANGUAGE_NAMES, STRINGS, cause_text, local_time, pick_language
from map_server.snapshot import Snapshot

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)

router = APIRouter(tags=["public"])


def page_config(
    settings: Settings, language: str, focus: int | None = None
) -> dict[str, Any]:
    """What the page's script needs, embedded as JSON (no inline script code)."""
    basemap = not settings.map.tile_url and settings.basemap_file.is_file()
    return {
        "language": language,
        "timezone": settings.timezone,
        "strings": STRINGS[language],
        "dataUrl": f"feeds/outages.geojson?lang={language}",
        "lookupUrl": "lookup/",
        "tileUrl": settings.map.tile_url,
        "tileAttribution": settings.map.tile_attribution,
        "basemapUrl": "basemap.pmtiles" if basemap else None,
        "basemapAttribution": OSM_ATTRIBUTION,
        "center": list(settings.map.center),
        "zoom": settings.map.zoom,
        "weeks": settings.map.lookup_weeks,
        "refreshSeconds": 60,
        "focus": focus,
        "notices": sorted(k.value for k in WATER_NOTICES),  # drawn in their own style
    }


def _focus(request: Request) -> int | None:
    raw = request.query_params.get("outage", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


def _link_notice(
    request: Request, snapshot: Snapshot, focus: int | None, language: str
) -> str | None:
    """What the page says about a linked outage that is no longer on the map."""
    if focus is None or snapshot.get(focus) is not None:
        return None
    settings: Settings = request.app.state.settings
    t = STRINGS[language]
    try:
        outage = announced_outage(request.app.state.read_db, focus)
    except NotFound:
        return t["link_gone"]
    props = outage.properties
    if props["status"] == "cancelled":
        return t["link_cancelled"]
    if props["status"] == "resolved" and props.get("ended_at"):
        moment = datetime.fromisoformat(props["ended_at"])
        return t["link_ended"].format(when=local_time(moment, language, settings.timezone))
    return t["link_gone"]


def summary(outages: tuple[PublicOutage, ...], now: datetime) -> dict[str, Any]:
    """Outages now, customers without supply (in all and per service), works to come.
    A water-quality notice is no supply cut: it is listed and drawn, not counted here."""
    ongoing = [o for o in outages if o.ongoing_or_planned and o.starts_at <= now
               and o.properties["kind"] not in WATER_NOTICES]
    per_service = {
        s.value: sum(o.properties["customers"] for o in ongoing
                     if o.properties["service"] == s.value)
        for s in Service
    }  # fmt: skip
    return {
        "now": len(ongoing),
        "customers": sum(per_service.values()),
        "per_service": per_service,
        "planned": sum(1 for o in outages if o.ongoing_or_planned and o.starts_at > now),
        "ended": sum(1 for o in outages if not o.ongoing_or_planned),
    }


@router.get("/", response_class=HTMLResponse)
def map_page(request: Request) -> HTMLResponse:
    """The public outage map (HTML)."""
    settings: Settings = request.app.state.settings
    language = pick_language(request, settings.languages, settings.default_language)
    snapshot = request.app.state.snapshots.get()
    shown = [lang for lang in settings.languages if lang in STRINGS]
    if language not in shown:
        shown.append(language)
    focus = _focus(request)
    example = example_address(request.app.state.read_db)
    t = STRINGS[language]
    hint_example = (
        f"{street_in(example, language)} {example.house_number}" if example else "…"
    )
    return TEMPLATES.TemplateResponse(
        request,
        "map.html",
        {
            "lang": language,
            "t": t,
            "search_hint": t["search_hint"].format(example=hint_example),
            "languages": [(lang, LANGUAGE_NAMES[lang]) for lang in shown],
            "outages": snapshot.outages,
            "services": [s.value for s in Service],
            # The filter's kinds: faults, planned works, then the water-quality notices.
            "kinds": [k.value for k in sorted(
                OutageKind, key=lambda k: (k in WATER_NOTICES, k is not OutageKind.UNPLANNED))],
            "summary": summary(snapshot.outages, datetime.now(UTC)),
            "updated": snapshot.last_modified,
            "updated_iso": iso(snapshot.last_modified),
            "when": lambda value: local_time(_moment(value), language, settings.timezone),
            "cause": lambda outage: cause_text(outage, language, settings.template_dir),
            "config": page_config(settings, language, focus),
            "link_notice": _link_notice(request, snapshot, focus, language),
            "utility": settings.utility_name,
            "weeks": settings.map.lookup_weeks,
            "max_weeks": settings.map.lookup_max_weeks,
        },
    )


def _moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
