"""Outage events as storage reads them: typed frozen records, whole or as headers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from gis_outage.model import EventKind, OutageKind, Service
from gis_outage.storage.errors import NotFound
from gis_outage.storage.events import event_header, event_headers_for
from gis_outage.storage.outage_records import UNSAVED_EVENT_ID, OutageEvent
from gis_outage.storage.outages import (
    add_reminder,
    change_status,
    get_event,
    get_outage,
    get_outage_header,
    outage_events_for,
    update_outage,
)
from gis_outage.storage.schema import outage_events
from gis_outage.storage.trace_lists import ListsLeftOut

from .conftest import T0
from .test_contract_outages import new_outage


def test_an_event_is_a_typed_frozen_record(db_engine: Engine) -> None:
    outage_id = new_outage(
        db_engine, affected={"addresses": ["A1", "A2"], "streets": ["Mannerheimintie"],
                             "customers": 12}
    )  # fmt: skip
    change_status(db_engine, outage_id, "published", "eng")
    later = T0 + timedelta(hours=6)
    update_outage(db_engine, outage_id, "eng", estimated_end_at=later)
    published, updated = outage_events_for(db_engine, outage_id)

    assert isinstance(published, OutageEvent) and published.kind is EventKind.PUBLISHED
    assert published.created_at.tzinfo is not None
    assert (published.service, published.outage_kind) == (Service.WATER, OutageKind.PLANNED)
    assert published.starts_at == T0 and published.ended_at is None
    assert published.estimated_end_at == T0 + timedelta(hours=4)
    assert published.streets == ["Mannerheimintie"] and published.changed == ["status"]
    assert published.affected["addresses"] == ["A1", "A2"]
    assert (updated.kind, updated.changed, updated.estimated_end_at) == (
        EventKind.UPDATED, ["estimated_end_at"], later)  # fmt: skip
    assert get_event(db_engine, updated.id) == updated
    with pytest.raises(dataclasses.FrozenInstanceError):
        updated.kind = EventKind.RESOLVED  # type: ignore[misc]
    # The columns at the JSON edge, in the table's order.
    assert list(updated.as_dict()) == [c.name for c in outage_events.columns]

    # A header is the same record without the trace's lists of ids; asking it for one
    # is refused rather than answered as if the event reached nobody.
    header = event_header(db_engine, published.id)
    assert header.streets == ["Mannerheimintie"] and header.affected["customers"] == 12
    for ask in (lambda a: a.get("addresses"), lambda a: a["addresses"],
                lambda a: "addresses" in a, lambda a: a.get("still_cut_off", [])):
        with pytest.raises(ListsLeftOut, match="read the whole record"):
            ask(header.affected)
    assert "addresses" not in dict(header.affected)
    assert [(h.id, h.kind) for h in event_headers_for(db_engine, outage_id)] == [
        (published.id, EventKind.PUBLISHED), (updated.id, EventKind.UPDATED)]
    for read in (get_event, event_header):
        with pytest.raises(NotFound, match="no outage event"):
            read(db_engine, updated.id + 1000)


def test_an_unsaved_event_is_what_the_outage_would_write(db_engine: Engine) -> None:
    outage = get_outage(db_engine, new_outage(db_engine))
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    event = OutageEvent.unsaved(outage, EventKind.PUBLISHED, at)
    assert (event.id, event.outage_id, event.created_at) == (UNSAVED_EVENT_ID, outage.id, at)
    assert event.snapshot["id"] == outage.id and event.starts_at == outage.starts_at
    assert event.changed == [] and "public_area" not in event.snapshot


def test_a_published_event_carries_exactly_the_outages_id_lists(db_engine: Engine) -> None:
    # A trace as services keep it: lists of ids beside counts, nulls and nested values.
    affected = {
        "snap_tolerance_m": None, "network_version": 3,
        "selection": {"break_links": ["L1"]}, "devices_to_operate": ["V1", "V2"],
        "isolated_links": ["L1"], "links": ["L1", "L2", "L3"],
        "service_points": [f"SP{i}" for i in range(500)],
        "addresses": [f"A{i}" for i in range(500)], "customers": 640,
        "critical_customers": [{"id": "SP7", "class": "hospital"}],
        "streets": ["Mannerheimintie"],
    }  # fmt: skip
    outage_id = new_outage(db_engine, affected=affected)

    # The change reads and returns the header: everything but the lists of ids.
    published = change_status(db_engine, outage_id, "published", "eng")
    header = {k: v for k, v in affected.items()
              if k not in ("isolated_links", "links", "service_points", "addresses")}
    assert published.affected == header
    whole = get_outage(db_engine, outage_id)
    assert whole.affected == affected
    assert get_outage_header(db_engine, outage_id) == dataclasses.replace(whole, affected=header)
    with pytest.raises(ListsLeftOut):
        published.affected.get("service_points")
    assert published.affected.get("nothing such", 0) == 0  # other members read as usual
    with pytest.raises(KeyError):
        published.affected["nothing such"]
    # Its events have them all, copied from the outage by the database.
    reminder_id = add_reminder(db_engine, outage_id, "eng")
    cancelled = change_status(db_engine, outage_id, "cancelled", "eng")
    assert cancelled.affected == header
    events = outage_events_for(db_engine, outage_id)
    assert [e.kind for e in events] == [EventKind.PUBLISHED, EventKind.REMINDER,
                                        EventKind.CANCELLED]
    assert events[1].id == reminder_id
    for event in events:
        assert dict(event.affected) == affected, event.kind
    assert events[0].snapshot["status"] == "published"
    assert events[2].snapshot["status"] == "cancelled"


def test_a_resolve_tells_the_given_addresses_and_keeps_the_other_lists(
    db_engine: Engine,
) -> None:
    affected = {"addresses": ["A1", "A2", "A3"], "service_points": ["SP1", "SP2"],
                "links": ["L1"], "customers": 3}
    outage_id = new_outage(db_engine, affected=affected)
    change_status(db_engine, outage_id, "published", "eng")
    change_status(db_engine, outage_id, "resolved", "eng", notify_addresses=["A3", "A1"])
    resolved = outage_events_for(db_engine, outage_id)[-1]
    assert dict(resolved.affected) == {**affected, "addresses": ["A1", "A3"],
                                       "still_cut_off": ["A2"]}


def test_an_outage_without_lists_writes_an_event_without_them(db_engine: Engine) -> None:
    outage_id = new_outage(db_engine, affected={})
    change_status(db_engine, outage_id, "published", "eng")
    assert dict(outage_events_for(db_engine, outage_id)[0].affected) == {}
