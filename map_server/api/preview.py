"""What publishing an outage would send: counts by channel and the SMS per language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from gis_outage.model import Channel, EventKind
from gis_outage.storage import outages as store
from gis_outage.storage.users import User
from notifier.pipeline import message_context
from notifier.policy import Decision
from notifier.recipients import preview_counts
from notifier.render import RenderConfig, message_kind, render
from notifier.settings import get_notifier_settings

from .router import ERRORS, NOT_FOUND, _guard, viewer
from .schemas import OutageId

router = APIRouter(tags=["engineer"], responses=ERRORS)


@router.post(
    "/outages/{outage_id}/recipients/preview",
    summary="Recipients by channel and the SMS residents would get; no personal data",
    responses=NOT_FOUND,
)
def preview(outage_id: OutageId, request: Request, user: User = viewer) -> dict[str, Any]:
    db = request.app.state.db
    settings = request.app.state.settings
    outage = _guard(store.get_outage, db, outage_id)
    notifier = get_notifier_settings().under(settings.public_url)
    kind = message_kind(EventKind.PUBLISHED, outage["kind"])
    decision = Decision("send", "preview", kind)
    config = RenderConfig.from_settings(settings)
    now = datetime.now(UTC)
    # Rendered from the same snapshot a published event would carry.
    event = {"payload": {"outage": store.event_snapshot(outage)}}
    sms = {}
    for language in settings.languages:
        context = message_context(event, language, decision, notifier, now)
        rendered = render(kind, outage["service"], language, Channel.SMS, context, config=config)
        info = rendered.sms
        sms[language] = {
            "text": rendered.text,
            "encoding": info.encoding.value if info else None,
            "characters": info.characters if info else len(rendered.text),
            "fragments": info.fragments if info else None,
        }
    return {
        "message_kind": kind.value,
        "recipients": preview_counts(db, outage, settings=settings, notifier=notifier),
        "sms": sms,
    }
