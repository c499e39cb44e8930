"""An Atom (RFC 4287) index of the outages' CAP messages, newest change first."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from gis_outage.config import Settings
from gis_outage.inputs import xml_text
from gis_outage.public import PublicOutage, iso
from map_server.feeds.cap import describe
from map_server.i18n import STRINGS
from map_server.snapshot import STARTED_AT

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    # Stored text may predate the input rules: what XML cannot carry is dropped.
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(outages: list[PublicOutage], settings: Settings, language: str) -> bytes:
    text = STRINGS[language]
    base = settings.public_url
    # Plain tags and an explicit xmlns keep ElementTree from inventing prefixes.
    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: language})
    _sub(feed, "id", f"{base}/feeds/outages.atom")
    _sub(feed, "title", f"{settings.utility_name}: {text['title']}")
    newest: datetime = max((o.updated_at for o in outages), default=STARTED_AT)
    _sub(feed, "updated", iso(newest))
    _sub(_sub(feed, "author"), "name", settings.utility_name)
    _sub(
        feed,
        "link",
        rel="self",
        type="application/atom+xml",
        href=f"{base}/feeds/outages.atom?lang={language}",
    )
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/?lang={language}")
    # Each entry links its outage on the map too (the deep link of the messages).
    for outage in outages:
        props = outage.properties
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{base}/oapi/collections/outages/items/{outage.id}")
        headline = f"{text[props['service']]}: {text[props['kind']].lower()}"
        if props.get("area_description"):
            headline += f" – {props['area_description']}"
        _sub(entry, "title", headline)
        _sub(entry, "updated", iso(outage.updated_at))
        _sub(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=f"{base}/feeds/cap/{outage.id}.xml",
        )
        _sub(
            entry,
            "link",
            rel="related",
            type="application/geo+json",
            href=f"{base}/oapi/collections/outages/items/{outage.id}?f=json",
        )
        _sub(
            entry, "link", rel="related", type="text/html",
            href=f"{settings.outage_url(outage.id)}&lang={language}",
        )  # fmt: skip
        _sub(entry, "category", term=props["service"], label=text[props["service"]])
        _sub(entry, "category", term=props["kind"], label=text[props["kind"]])
        _sub(entry, "category", term=props["status"])
        _sub(entry, "summary", describe(outage, language, settings))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
