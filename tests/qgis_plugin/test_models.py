"""Requests the plugin builds and answers it reads, in the API's shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qgis_plugin.core.models import (
    AREA,
    BREAK,
    MAX_CAUSE,
    OPERATE,
    Outage,
    OutageDraft,
    Selection,
    TraceResult,
    delivery_summary,
    parse_time,
)

START = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
SQUARE = {"type": "Polygon", "coordinates": [[[24.9, 60.1], [25.0, 60.1], [25.0, 60.2],
                                              [24.9, 60.1]]]}

OUTAGE_JSON = {
    "id": 7, "service": "water", "kind": "unplanned", "status": "published",
    "starts_at": "2030-05-01T08:00:00+00:00", "estimated_end_at": "2030-05-01T12:00:00Z",
    "ended_at": None, "cause": "Water main leak",
    "texts": {"fi": "Vesijohtovuoto", "sv": "Vattenläcka"},
    "affected": {"customers": 43, "isolated_links": ["WP1"], "streets": ["Hakaniemenranta"]},
    "area_description": "Hakaniemenranta", "created_by": "demo-engineer",
    "created_at": "2030-05-01T08:01:00+00:00", "updated_at": "2030-05-01T08:02:00+00:00",
    "version": 2, "public_area": SQUARE,
    "deliveries": {"sms": {"sent": 4, "delivered": 9}, "voice": {"sent": 1}},
}


def _draft(**changes) -> OutageDraft:
    values = dict(service="water", kind="planned", starts_at=START,
                  estimated_end_at=START + timedelta(hours=4), cause=" Pipe renewal ",
                  texts={"fi": "Vesikatko", "sv": "", "en": "  "},
                  selection=Selection(BREAK, ("WP1", "WP2")))
    values.update(changes)
    return OutageDraft(**values)


def test_selection_bodies():
    assert Selection(BREAK, ("a",)).to_json() == {"break_links": ["a"]}
    assert Selection(OPERATE, ("v",)).to_json() == {"operate_devices": ["v"]}
    assert Selection(AREA, polygon=SQUARE).to_json() == {"polygon": SQUARE}
    assert Selection(BREAK).is_empty and Selection(AREA).is_empty
    with pytest.raises(ValueError):
        Selection("melt")


def test_draft_body_leaves_out_empty_texts_and_trims_the_cause():
    body = _draft().to_json()
    assert body == {
        "service": "water", "kind": "planned",
        "starts_at": "2030-05-01T08:00:00+00:00",
        "estimated_end_at": "2030-05-01T12:00:00+00:00",
        "cause": "Pipe renewal", "texts": {"fi": "Vesikatko"},
        "selection": {"break_links": ["WP1", "WP2"]},
    }
    assert "estimated_end_at" not in _draft(estimated_end_at=None).to_json()
    assert "cause" not in _draft(cause=" ").to_json()


def test_draft_problems():
    assert _draft().problems() == []
    assert _draft(estimated_end_at=START - timedelta(minutes=1)).problems() == [
        "end_before_start"]
    assert _draft(selection=Selection(AREA)).problems() == ["empty_selection"]
    assert _draft(cause="x" * 501).problems() == ["cause_too_long"]
    # Each language's text has the cause's limit, counted as sent (empty ones are not).
    long = "ä" * (MAX_CAUSE + 1)
    assert _draft(texts={"fi": "Vesikatko", "sv": long}).problems() == ["text_too_long"]
    assert _draft(texts={"fi": "x" * MAX_CAUSE, "en": " " * 600}).problems() == []
    assert _draft(cause="x" * 501, texts={"fi": long}).problems() == [
        "cause_too_long", "text_too_long"]
    assert _draft(starts_at=datetime(2030, 1, 1)).problems() == ["naive_time"]
    assert _draft(kind="boil_water").problems() == []  # water: a water-quality notice
    assert _draft(service="electricity", kind="do_not_drink").problems() == [
        "notice_not_water"]
    with pytest.raises(ValueError):
        _draft(starts_at=datetime(2030, 1, 1)).to_json()


def test_outage_from_the_api():
    outage = Outage.from_json(OUTAGE_JSON)
    assert outage.id == 7 and outage.customers == 43 and outage.version == 2
    assert outage.estimated_end_at == START + timedelta(hours=4)
    assert outage.ended_at is None
    assert outage.can("resolved") and outage.can("cancelled") and not outage.can("published")
    assert outage.editable
    closed = Outage.from_json({**OUTAGE_JSON, "status": "resolved", "deliveries": None})
    assert not closed.editable and not closed.can("cancelled")
    draft = Outage.from_json({**OUTAGE_JSON, "status": "draft"})
    assert draft.can("published") and not draft.can("resolved")


def test_delivery_summary():
    summary = delivery_summary(OUTAGE_JSON["deliveries"])
    assert summary == "sms 9 delivered, 4 sent · voice 1 sent"
    assert delivery_summary({}) == "" and delivery_summary(None) == ""
    assert delivery_summary({"sms": {"sent": 1}}, str.upper) == "SMS 1 SENT"


def test_trace_result_from_the_api():
    result = TraceResult.from_json({
        "service": "electricity", "network_version": 3, "devices_to_operate": ["S1"],
        "isolated_links": [], "affected_links": ["C1", "C2"],
        "affected_service_points": ["SP1"], "affected_addresses": ["A1"],
        "customers": 5, "streets": ["Main"], "public_area": None,
    })
    assert result.affected_links == ("C1", "C2") and result.customers == 5
    assert result.public_area is None and result.warnings == ()
    assert result.critical_customers == ()
    flagged = TraceResult.from_json({
        "service": "water", "network_version": 1, "customers": 3, "public_area": None,
        "critical_customers": [
            {"service_point": "SP3", "category": "home_dialysis", "address_id": "A3",
             "customers": 1},
            {"service_point": "SP1", "category": "school", "address_id": None, "customers": 2}],
    })
    assert flagged.critical_customers == (("SP3", "home_dialysis", "A3"), ("SP1", "school", None))
    warned = TraceResult.from_json({
        "service": "water", "network_version": 1, "customers": 0, "public_area": None,
        "warnings": ["links 'P1': line has zero length; kept, joined by from_node/to_node"],
    })
    assert warned.warnings == ("links 'P1': line has zero length; kept, joined by "
                               "from_node/to_node",)


def test_parse_time():
    assert parse_time("2030-05-01T08:00:00Z") == START
    assert parse_time(None) is None and parse_time("") is None
