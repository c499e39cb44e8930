"""Feeds: CAP 1.2 per outage (valid against the OASIS schema), Atom index, GeoJSON."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from gis_outage.storage.outages import change_status, update_outage
from tests.map_server.data import ENGINEER, new_outage

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "CAP-v1.2.xsd")))


def cap(client: TestClient, outage_id: int) -> etree._Element:
    response = client.get(f"/feeds/cap/{outage_id}.xml")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/cap+xml")
    document = etree.fromstring(response.content)
    SCHEMA.assertValid(document)
    return document


def text(element: etree._Element, path: str) -> str:
    return element.findtext(path.replace("cap:", CAP))


def test_alert_update_cancel_chain_with_references(client: TestClient, engine) -> None:
    outage_id = new_outage(engine)
    alert = cap(client, outage_id)
    assert text(alert, "cap:msgType") == "Alert"
    assert alert.find(f"{CAP}references") is None
    first = (text(alert, "cap:sender"), text(alert, "cap:identifier"), text(alert, "cap:sent"))

    update_outage(engine, outage_id, ENGINEER, cause="Valve failure")
    update = cap(client, outage_id)
    assert text(update, "cap:msgType") == "Update"
    assert text(update, "cap:references") == ",".join(first)
    assert text(update, "cap:identifier") != first[1]
    second = (text(update, "cap:sender"), text(update, "cap:identifier"), text(update, "cap:sent"))

    change_status(engine, outage_id, "cancelled", ENGINEER)
    cancel = cap(client, outage_id)
    assert text(cancel, "cap:msgType") == "Cancel"
    assert text(cancel, "cap:references").split(" ") == [",".join(first), ",".join(second)]
    english = cancel.findall(f"{CAP}info")[2]
    assert text(english, "cap:description").startswith("Cancelled")


def test_resolution_is_an_all_clear_update(client: TestClient, engine) -> None:
    outage_id = new_outage(engine)
    change_status(engine, outage_id, "resolved", ENGINEER)
    message = cap(client, outage_id)
    assert text(message, "cap:msgType") == "Update"
    infos = message.findall(f"{CAP}info")
    assert [text(i, "cap:language") for i in infos] == ["fi-FI", "sv-FI", "en-US"]
    assert {text(i, "cap:responseType") for i in infos} == {"AllClear"}
    assert {text(i, "cap:urgency") for i in infos} == {"Past"}


def test_cap_content(client: TestClient, engine) -> None:
    outage_id = new_outage(engine, cause="Pipe burst", description="Kluuvi")
    english = cap(client, outage_id).findall(f"{CAP}info")[2]
    assert text(english, "cap:category") == "Infra"
    assert text(english, "cap:event") == "Water: unplanned"
    assert "Pipe burst" in text(english, "cap:description")
    assert "Customers: 20" in text(english, "cap:description")
    assert text(english, "cap:onset").endswith(("+02:00", "+03:00"))  # Europe/Helsinki
    area = english.find(f"{CAP}area")
    assert text(area, "cap:areaDesc") == "Kluuvi"
    pairs = text(area, "cap:polygon").split(" ")
    assert pairs[0] == pairs[-1] and len(pairs) >= 4
    lat, lon = map(float, pairs[0].split(","))
    assert 59 < lat < 61 and 24 < lon < 26  # latitude first


@pytest.mark.parametrize("missing", ["draft", "unknown"])
def test_no_cap_for_drafts(client: TestClient, engine, missing: str) -> None:
    outage_id = new_outage(engine, publish=False) if missing == "draft" else 4040
    assert client.get(f"/feeds/cap/{outage_id}.xml").status_code == 404


def test_atom_index(client: TestClient, engine) -> None:
    ongoing = new_outage(engine)
    closed = new_outage(engine, service="electricity")
    change_status(engine, closed, "resolved", ENGINEER)
    new_outage(engine, publish=False)
    response = client.get("/feeds/outages.atom", params={"lang": "en"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2  # the draft is not announced
    assert entries[0].findtext(f"{ATOM}title").startswith("Electricity")  # newest change first
    caps = [e.find(f"{ATOM}link[@type='application/cap+xml']").get("href") for e in entries]
    assert caps == [
        f"http://testserver/feeds/cap/{closed}.xml",
        f"http://testserver/feeds/cap/{ongoing}.xml",
    ]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")


def test_geojson_feed(client: TestClient, engine) -> None:
    outage_id = new_outage(engine)
    response = client.get("/feeds/outages.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [outage_id]


CAUSES = {"fi": "Vesijohtovuoto", "sv": "Vattenläcka"}


def test_cap_info_blocks_say_the_cause_and_what_to_do_in_their_language(
    client: TestClient, engine
) -> None:
    """Each language's info block carries that language's cause (the engineer's text for
    it, else the one cause written) and the messages' advice as <instruction>."""
    outage_id = new_outage(engine, cause="Pipe burst", texts=CAUSES)
    fi, sv, en = cap(client, outage_id).findall(f"{CAP}info")
    assert "Syy: Vesijohtovuoto" in text(fi, "cap:description")
    assert "Orsak: Vattenläcka" in text(sv, "cap:description")
    assert "Cause: Pipe burst" in text(en, "cap:description")
    assert text(fi, "cap:instruction") == "Pidä hanat suljettuina."  # during an outage
    assert text(sv, "cap:instruction") == "Håll kranarna stängda."
    assert text(en, "cap:instruction") == "Please keep your taps closed."
    assert text(sv, "cap:web").endswith(f"/?outage={outage_id}&lang=sv")

    planned = new_outage(engine, kind="planned", starts_in=timedelta(days=2), cause="leak")
    fi, sv, en = cap(client, planned).findall(f"{CAP}info")
    assert "Syy: vuoto" in text(fi, "cap:description")  # a cause code in words
    assert "Orsak: läcka" in text(sv, "cap:description")
    assert text(en, "cap:instruction") == "Store drinking water in advance."

    change_status(engine, outage_id, "resolved", ENGINEER)
    fi = cap(client, outage_id).findall(f"{CAP}info")[0]
    assert text(fi, "cap:instruction").startswith("Jos vesi on sameaa")
    change_status(engine, planned, "cancelled", ENGINEER)
    assert cap(client, planned).find(f"{CAP}info/{CAP}instruction") is None


def test_atom_and_geojson_speak_the_asked_language(client: TestClient, engine) -> None:
    outage_id = new_outage(engine, cause="Pipe burst", texts=CAUSES)
    summaries = {}
    for lang in ("fi", "sv", "en", "lt"):
        feed = etree.fromstring(client.get("/feeds/outages.atom", params={"lang": lang}).content)
        entry = feed.find(f"{ATOM}entry")
        summaries[lang] = entry.findtext(f"{ATOM}summary")
        link = entry.find(f"{ATOM}link[@type='text/html']").get("href")
        assert link.endswith(f"/?outage={outage_id}&lang={lang}")
    assert "Syy: Vesijohtovuoto" in summaries["fi"]
    assert "Orsak: Vattenläcka" in summaries["sv"]
    assert "Cause: Pipe burst" in summaries["en"]
    assert "Priežastis: Pipe burst" in summaries["lt"]
    for lang, cause in [("fi", "Vesijohtovuoto"), ("sv", "Vattenläcka"), ("en", "Pipe burst")]:
        feature = client.get("/feeds/outages.geojson", params={"lang": lang}).json()["features"][0]
        assert feature["properties"]["cause"] == cause
    # Without a language the cause is as the engineer wrote it.
    plain = client.get("/feeds/outages.geojson").json()["features"][0]
    assert plain["properties"]["cause"] == "Pipe burst"


def test_a_boil_water_notice_is_a_health_alert_saying_to_boil_the_water(
    client: TestClient, engine
) -> None:
    """CAP 1.2: a water-quality notice is category Health (a supply cut is Infra), an
    Immediate, Observed alert whose <instruction> tells to boil the water, in the words of
    the messages; lifted, an AllClear saying the water may be drunk again."""
    notice = new_outage(engine, kind="boil_water", cause="Bacteria in a water sample", lasts=None)
    fi, sv, en = cap(client, notice).findall(f"{CAP}info")
    for info in (fi, sv, en):
        assert text(info, "cap:category") == "Health"
        assert text(info, "cap:responseType") == "Avoid"
        assert text(info, "cap:urgency") == "Immediate"
        assert text(info, "cap:severity") == "Moderate"
        assert text(info, "cap:certainty") == "Observed"
    assert text(en, "cap:event") == "Water: boil water notice"
    assert text(fi, "cap:event") == "Vesi: keittokehotus"
    assert text(en, "cap:instruction").startswith("Boil water for drinking and cooking")
    assert text(fi, "cap:instruction").startswith("Keitä juoma- ja ruokavesi")
    assert text(sv, "cap:instruction").startswith("Koka vatten för dryck och matlagning")

    worse = new_outage(engine, kind="do_not_drink")
    en = cap(client, worse).findall(f"{CAP}info")[2]
    assert (text(en, "cap:category"), text(en, "cap:severity")) == ("Health", "Severe")
    assert text(en, "cap:instruction").startswith("Do not drink the tap water")

    change_status(engine, notice, "resolved", ENGINEER)
    lifted = cap(client, notice)
    assert text(lifted, "cap:msgType") == "Update"
    fi, sv, en = lifted.findall(f"{CAP}info")
    assert {text(i, "cap:responseType") for i in (fi, sv, en)} == {"AllClear"}
    assert {text(i, "cap:category") for i in (fi, sv, en)} == {"Health"}
    assert text(en, "cap:instruction").startswith("You may drink the water without boiling")

    feed = etree.fromstring(client.get("/feeds/outages.atom", params={"lang": "en"}).content)
    terms = {c.get("term"): c.get("label") for c in feed.iter(f"{ATOM}category")}
    assert terms["boil_water"] == "Boil water notice"
    assert terms["do_not_drink"] == "Do not drink notice"
