"""Routes for /feeds: outages.atom, outages.geojson and cap/{outage_id}.xml."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from gis_outage.storage.errors import NotFound
from gis_outage.storage.events import event_headers_for
from gis_outage.storage.outages import announced_outage, announced_outages
from map_server.api.schemas import OutageId
from map_server.feeds.atom import atom_feed
from map_server.feeds.cap import cap_alert, messages_for
from map_server.i18n import STRINGS, cause_text, pick_language

router = APIRouter(prefix="/feeds", tags=["public"])

ATOM_ENTRIES = 200


def _body(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a 200 in `media_type` (not FastAPI's default JSON)."""
    return {200: {"content": {media_type: {}}, "description": description}}


@router.get(
    "/outages.geojson",
    response_class=Response,
    responses=_body("application/geo+json", "The public outages as a FeatureCollection"),
)
def geojson(request: Request, lang: Annotated[str | None, Query(max_length=5)] = None) -> Response:
    """The public outages, the recently ended ones with their status; with `lang` the
    cause is in that language (the page's script reads this)."""
    snapshot = request.app.state.snapshots.get()
    collection = snapshot.feature_collection()
    if lang in STRINGS:
        template_dir = request.app.state.settings.template_dir
        outages = snapshot.by_id
        for feature in collection["features"]:
            feature["properties"]["cause"] = cause_text(
                outages[feature["id"]], lang, template_dir
            )
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/geo+json")


@router.get(
    "/outages.atom",
    response_class=Response,
    responses=_body("application/atom+xml", "Announced outages, newest change first"),
)
def atom(request: Request) -> Response:
    settings = request.app.state.settings
    language = pick_language(request, settings.languages, settings.default_language)
    body = atom_feed(announced_outages(request.app.state.read_db, ATOM_ENTRIES), settings,
                     language)
    return Response(body, media_type="application/atom+xml")


@router.get(
    "/cap/{outage_id}.xml",
    response_class=Response,
    responses=_body("application/cap+xml", "A CAP 1.2 alert")
    | {404: {"description": "No such announced outage"}},
)
def cap(request: Request, outage_id: OutageId) -> Response:
    db = request.app.state.read_db
    try:
        outage = announced_outage(db, outage_id)  # drafts are not public
    except NotFound:
        raise HTTPException(404, "no such outage") from None
    # Headers: a message takes an event's id, kind and time, never its trace's lists.
    messages = messages_for(event_headers_for(db, outage_id), outage)
    body = cap_alert(outage, messages, request.app.state.settings)
    return Response(body, media_type="application/cap+xml")
