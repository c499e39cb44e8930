"""What publishing an outage would send: counts by channel and the SMS per language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gis_outage.storage.users import User
from notifier.preview import preview as preview_outage

from .router import ERRORS, NOT_FOUND, _guard, viewer
from .schemas import OutageId

router = APIRouter(tags=["engineer"], responses=ERRORS)


@router.post(
    "/outages/{outage_id}/recipients/preview",
    summary="Recipients by channel and the SMS residents would get; no personal data",
    responses=NOT_FOUND,
)
def preview(outage_id: OutageId, request: Request, user: User = viewer) -> dict[str, Any]:
    return _guard(preview_outage, request.app.state.db, request.app.state.settings, outage_id)
