"""The crew sheet's data for engineers (/api/v1): devices to operate in walking order,
work and affected areas, critical customers and the message residents get. The console
draws and prints it at /console/outages/{id}/crew-sheet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gis_outage.services.crew_sheet import crew_sheet
from gis_outage.storage.users import User
from notifier.preview import preview as preview_outage

from .router import ERRORS, NOT_FOUND, _ctx, _guard, engineer
from .schemas import OutageId

router = APIRouter(tags=["engineer"], responses=ERRORS)


@router.get(
    "/outages/{outage_id}/crew-sheet",
    summary="The crew sheet: devices in walking order, areas, critical customers, message",
    responses=NOT_FOUND,
)
def sheet(outage_id: OutageId, request: Request, user: User = engineer) -> dict[str, Any]:
    """Engineers only (it names critical customers). `devices` are numbered in the order
    to walk them, a nearest-neighbour tour from the break, each with `from_previous_m`;
    `work_area` (the isolated links) and `affected_area` are GeoJSON in WGS84; `message`
    is the SMS per language; `url` is the printable page."""
    found = _guard(crew_sheet, _ctx(request), outage_id)
    sms = _guard(preview_outage, request.app.state.db, request.app.state.settings, outage_id)
    return {
        **found,
        "message": {lang: m["text"] for lang, m in sms["sms"].items()},
        "url": sheet_url(request, outage_id),
    }


def sheet_url(request: Request, outage_id: int) -> str:
    """The printable page of the outage's crew sheet in the console."""
    return str(request.url_for("crew_sheet_page", outage_id=outage_id))
