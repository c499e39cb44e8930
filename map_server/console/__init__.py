"""The engineer console at /console/: list, draft, preview, publish, update, resolve and
cancel outages from a browser, over the engineer API with the same tokens; per outage its
field actions (/console/outages/{id}) and its crew sheet. The pages hold no data: their
scripts ask the engineer API, whose routes call the service layer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from gis_outage.config import Settings
from map_server.i18n import LANGUAGE_NAMES, pick_language
from map_server.web.page import OSM_ATTRIBUTION, TEMPLATES

from .crew_texts import crew_strings
from .field_texts import field_strings
from .texts import LANGUAGES, console_strings

router = APIRouter(include_in_schema=False)


def _language(request: Request, settings: Settings) -> tuple[str, list[str]]:
    offered = [lang for lang in settings.languages if lang in LANGUAGES] or list(LANGUAGES)
    language = pick_language(request, offered, settings.default_language)
    return (language if language in LANGUAGES else offered[0]), offered


def _map_config(settings: Settings, language: str, t: dict[str, str], root: str
                ) -> dict[str, Any]:
    """What a console page's script needs for its words, times and base map; `root` is
    the way up from the page to the site's root."""
    basemap = not settings.map.tile_url and settings.basemap_file.is_file()
    return {
        "language": language,
        "timezone": settings.timezone,
        "strings": t,
        "tileUrl": settings.map.tile_url,
        "tileAttribution": settings.map.tile_attribution,
        "basemapUrl": f"{root}basemap.pmtiles" if basemap else None,
        "basemapAttribution": OSM_ATTRIBUTION,
        "center": list(settings.map.center),
        "zoom": settings.map.zoom,
    }


@router.get("/console/", response_class=HTMLResponse)
def console(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    language, offered = _language(request, settings)
    t = console_strings(language)
    config = {
        **_map_config(settings, language, t, "../"),
        "languages": [lang for lang in settings.languages if lang in LANGUAGES],
        "api": "../api/v1",
        "lookupUrl": "../lookup/",
    }
    return TEMPLATES.TemplateResponse(
        request,
        "console.html",
        {
            "lang": language,
            "t": t,
            "config": config,
            "utility": settings.utility_name,
            "languages": [(lang, LANGUAGE_NAMES[lang]) for lang in offered],
            "services": ["water", "district_heating", "electricity"],
        },
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/console/outages/{outage_id}/crew-sheet", response_class=HTMLResponse,
            name="crew_sheet_page")
def crew_sheet_page(request: Request, outage_id: int = Path(ge=1, le=2**31 - 1)) -> HTMLResponse:
    """The printable crew sheet: a page without data; its script asks the engineer API
    with the console's token (the same login) and draws what it answers."""
    settings: Settings = request.app.state.settings
    language, offered = _language(request, settings)
    t = crew_strings(language)
    config = {
        **_map_config(settings, language, t, "../../../"),
        "api": f"../../../api/v1/outages/{outage_id}/crew-sheet",
    }
    return TEMPLATES.TemplateResponse(
        request,
        "crew_sheet.html",
        {"lang": language, "t": t, "config": config, "utility": settings.utility_name,
         "outage_id": outage_id,
         "languages": [(lang, LANGUAGE_NAMES[lang]) for lang in offered]},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/console/outages/{outage_id}", response_class=HTMLResponse, name="field_page")
def field_page(request: Request, outage_id: int = Path(ge=1, le=2**31 - 1)) -> HTMLResponse:
    """The field actions of one outage: stuck device, staged restoration, back-feed; each
    previewed as the API's difference and stored only on Confirm (the same API call with
    `confirm` true)."""
    settings: Settings = request.app.state.settings
    language, offered = _language(request, settings)
    t = field_strings(language)
    config = {"language": language, "timezone": settings.timezone, "strings": t,
              "api": "../../api/v1", "outage": outage_id}
    return TEMPLATES.TemplateResponse(
        request,
        "console_field.html",
        {"lang": language, "t": t, "config": config, "utility": settings.utility_name,
         "outage_id": outage_id,
         "languages": [(lang, LANGUAGE_NAMES[lang]) for lang in offered]},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
