"""What publishing an outage would send: recipients by channel and the SMS per language.

No personal data: counts, and texts rendered from the same snapshot a published event
would carry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.critical import withheld
from gis_outage.model import Channel, EventKind, Role, message_kind
from gis_outage.services.policy import Decision
from gis_outage.services.recipients import preview_counts
from gis_outage.storage import outages as store
from gis_outage.storage.outage_records import OutageEvent

from .pipeline import message_context
from .render import RenderConfig, render


def preview(
    db: Engine, settings: Settings, outage_id: int, role: Role = Role.ENGINEER
) -> dict[str, Any]:
    """{message_kind, recipients: {channel: n}, sms: {language: text and parts}}. For a
    role that may not see critical customers the counts leave out their extra calls,
    which would tell that some are affected."""
    outage = store.get_outage(db, outage_id)
    kind = message_kind(EventKind.PUBLISHED, outage.kind)
    decision = Decision("send", "preview", kind)
    config = RenderConfig.from_settings(settings)
    now = datetime.now(UTC)
    event = OutageEvent.unsaved(outage, EventKind.PUBLISHED, now)
    sms = {}
    for language in settings.languages:
        context = message_context(event, language, decision, settings, now)
        rendered = render(kind, outage.service, language, Channel.SMS, context, config=config)
        info = rendered.sms
        sms[language] = {
            "text": rendered.text,
            "encoding": info.encoding.value if info else None,
            "characters": info.characters if info else len(rendered.text),
            "fragments": info.fragments if info else None,
        }
    return {
        "message_kind": kind.value,
        "recipients": preview_counts(db, settings, withheld(outage, role).as_dict()),
        "sms": sms,
    }
