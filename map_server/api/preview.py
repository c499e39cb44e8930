"""What publishing an outage would send: counts by channel and the SMS per language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gis_outage.services.outages import message_timing
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
    """What publishing would send: recipients per channel (counts only), the SMS per
    language with its characters and parts, and `messages`: when they would go if
    published now. Example: `curl -X POST -H "Authorization: Bearer $TOKEN"
    http://127.0.0.1:8000/api/v1/outages/1/recipients/preview`."""
    found = _guard(preview_outage, request.app.state.db, request.app.state.settings, outage_id,
                   user.role)
    return {**found, "messages": message_timing(request.app.state.ctx, outage_id)}
