"""CAP 1.2 messages for outages (OASIS Common Alerting Protocol).

Each published/updated/resolved/cancelled event of an outage is one CAP message; the
feed serves the latest, which `references` all earlier ones. Publication is an Alert,
an edit an Update, resolution an Update with responseType AllClear, cancellation a
Cancel. Reminders repeat the current message and are not new messages. A supply cut is
category Infra; a water-quality notice (boil water, do not drink) is category Health,
responseType Avoid, and its <instruction> is the messages' advice for the notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gis_outage.config import Settings
from gis_outage.inputs import xml_text
from gis_outage.model import is_water_notice
from gis_outage.public import PublicOutage
from gis_outage.storage.outage_records import OutageEvent
from map_server.i18n import STRINGS, advice, cause_text, local_time, notice_advice

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
MESSAGE_EVENTS = {
    "published": "Alert",
    "updated": "Update",
    "resolved": "Update",
    "cancelled": "Cancel",
}
CAP_LANGUAGE = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-US", "lt": "lt-LT"}
# A do-not-drink notice means harm from drinking the water even boiled; a boil-water
# notice, harm only if it is drunk unboiled.
NOTICE_SEVERITY = {"boil_water": "Moderate", "do_not_drink": "Severe"}


@dataclass(frozen=True)
class Message:
    event_id: int
    kind: str  # the outage event kind
    sent: datetime


def cap_time(value: datetime, timezone: str) -> str:
    """CAP dateTime: local time with offset, no fraction, UTC written -00:00 (not Z)."""
    text = value.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def messages_for(events: list[OutageEvent], outage: PublicOutage) -> list[Message]:
    """The CAP messages of an outage from its events (a synthetic one if it has none)."""
    found = [Message(e.id, e.kind.value, e.created_at) for e in events if e.kind in MESSAGE_EVENTS]
    if not found:  # published outside the life cycle (e.g. imported): one Alert
        found = [Message(0, "published", outage.updated_at)]
    return found


def identifier(settings: Settings, outage_id: int, message: Message) -> str:
    host = settings.cap_sender.rpartition("@")[2]
    return f"{host}:outage:{outage_id}:event:{message.event_id}"


def cap_alert(outage: PublicOutage, messages: list[Message], settings: Settings) -> bytes:
    """The latest message of `outage` as a CAP 1.2 XML document."""
    *earlier, latest = messages
    tz = settings.timezone
    # Plain tags and an explicit xmlns keep ElementTree from inventing prefixes.
    alert = ET.Element("alert", {"xmlns": CAP_NS})
    sub(alert, "identifier", identifier(settings, outage.id, latest))
    sub(alert, "sender", settings.cap_sender)
    sub(alert, "sent", cap_time(latest.sent, tz))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", MESSAGE_EVENTS[latest.kind])
    sub(alert, "scope", "Public")
    if earlier:
        sub(
            alert,
            "references",
            " ".join(
                f"{settings.cap_sender},{identifier(settings, outage.id, m)},{cap_time(m.sent, tz)}"
                for m in earlier
            ),
        )
    for language in settings.languages:
        if language in STRINGS:
            _info(sub(alert, "info"), outage, latest, settings, language)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        # Stored text may predate the input rules: what XML cannot carry is dropped.
        element.text = xml_text(text)
    return element


def _info(
    info: ET.Element, outage: PublicOutage, latest: Message, settings: Settings, language: str
) -> None:
    text = STRINGS[language]
    props = outage.properties
    tz = settings.timezone
    resolved = latest.kind == "resolved"
    planned = props["kind"] == "planned"
    notice = is_water_notice(props["kind"])
    sub(info, "language", CAP_LANGUAGE.get(language, language))
    # A supply cut is infrastructure; a water-quality notice is public health.
    sub(info, "category", "Health" if notice else "Infra")
    event = f"{text[props['service']]}: {text[props['kind']].lower()}"
    sub(info, "event", event)
    # A notice: avoid the water as <instruction> says.
    response = "AllClear" if resolved else "Avoid" if notice else "None"
    sub(info, "responseType", response)
    if resolved:
        urgency = "Past"
    else:
        urgency = "Future" if planned and outage.starts_at > datetime.now(UTC) else "Immediate"
    sub(info, "urgency", urgency)
    severity = NOTICE_SEVERITY.get(props["kind"]) or ("Minor" if planned else "Moderate")
    sub(info, "severity", severity)
    sub(info, "certainty", "Likely" if planned else "Observed")
    sub(info, "effective", cap_time(latest.sent, tz))
    sub(info, "onset", cap_time(outage.starts_at, tz))
    if outage.ends_at is not None and outage.ends_at > outage.starts_at:
        sub(info, "expires", cap_time(outage.ends_at, tz))
    sub(info, "senderName", settings.utility_name)
    area = props.get("area_description") or ""
    sub(info, "headline", f"{event} {area}".strip()[:160])
    sub(info, "description", describe(outage, language, settings))
    instruction = _instruction(outage, latest, language, settings)
    if instruction:
        sub(info, "instruction", instruction)
    sub(info, "web", f"{settings.outage_url(outage.id)}&lang={language}")
    area_element = sub(info, "area")
    sub(area_element, "areaDesc", area or event)
    for ring in _rings(outage.shape):
        sub(area_element, "polygon", ring)


def describe(outage: PublicOutage, language: str, settings: Settings) -> str:
    """Plain-text facts of an outage in `language` (also used by the Atom feed)."""
    text = STRINGS[language]
    props = outage.properties
    timezone = settings.timezone
    lines = [text[props["status"]]] if props["status"] in ("resolved", "cancelled") else []
    lines.append(f"{text['starts_at']}: {local_time(outage.starts_at, language, timezone)}")
    for name in ("estimated_end_at", "ended_at"):
        if props.get(name):
            moment = datetime.fromisoformat(props[name])
            lines.append(f"{text[name]}: {local_time(moment, language, timezone)}")
    cause = cause_text(outage, language, settings.template_dir)
    if cause:
        lines.append(f"{text['cause']}: {cause}")
    lines.append(f"{text['customers']}: {props['customers']}")
    return "\n".join(lines)


def _instruction(
    outage: PublicOutage, latest: Message, language: str, settings: Settings
) -> str | None:
    """What to do, in the words the messages use: before planned works, during an
    outage, after it is over; nothing for a cancellation."""
    if latest.kind == "cancelled":
        return None
    if is_water_notice(outage.properties["kind"]):  # boil the water, or do not drink it
        phase = "after" if latest.kind == "resolved" else "during"
        kind = outage.properties["kind"]
        return notice_advice(kind, phase, language, settings.template_dir) or None
    if latest.kind == "resolved":
        phase = "after"
    elif outage.properties["kind"] == "planned" and outage.starts_at > datetime.now(UTC):
        phase = "advance"
    else:
        phase = "during"
    return advice(outage.properties["service"], phase, language, settings.template_dir) or None


def _rings(shape: BaseGeometry | None) -> list[str]:
    """CAP polygons: exterior rings as "lat,lon" pairs, closed, WGS84."""
    if isinstance(shape, Polygon):
        polygons = [shape]
    elif isinstance(shape, MultiPolygon):
        polygons = list(shape.geoms)
    else:
        return []
    return [
        " ".join(f"{y:.6f},{x:.6f}" for x, y, *_ in p.exterior.coords)
        for p in polygons
        if not p.is_empty
    ]
