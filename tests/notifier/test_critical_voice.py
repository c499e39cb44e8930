"""A critical customer's mobile number gets an SMS at the real SMPP peer and a voice call
at the real SIP peer (baresip); everyone else gets the SMS only. Which categories get the
call is `notify.critical_voice` (home dialysis and care homes by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import NotifySettings, Settings
from gis_outage.phones import call_destination
from gis_outage.services import outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.services.recipients import resolve_for
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.networks import save_network
from gis_outage.storage.recipients import add_opt_out
from notifier.pipeline import process_event
from notifier.providers import build_providers
from notifier.receipts import ReceiptSink
from tests.gis_outage.networks import small_water

from .outage_data import ACTOR, add_addresses, add_directory, last_event, mobile, wait_until
from .test_sip import peers, pipeline_settings, pytestmark  # noqa: F401  (fixture, skip)

# Break L1 cuts off everything: A1 (SP1, a school), A2 (SP2, SP4) and A3 (SP3, a patient
# dialysing at home).
CATEGORIES = {"SP1": "school", "SP3": "home_dialysis"}


def flagged_network(db: Engine) -> None:
    layers = small_water()
    layers["service_points"]["critical"] = layers["service_points"]["id"].map(CATEGORIES)
    save_network(db, "water", layers, "flagged.gpkg")


def test_the_dialysis_patient_gets_an_sms_and_a_call_the_others_an_sms(
    db_engine: Engine,
    tmp_path: Path,
    smpp_server: Any,
    peers: Any,  # noqa: F811
) -> None:
    db = db_engine
    patient = mobile(3)
    peer = peers([patient])  # the trunk answers the patient's number only
    add_addresses(db, ["A1", "A2", "A3"])
    add_directory(
        db,
        [{"phone": mobile(i), "address_id": f"A{i}", "number_type": "mobile"} for i in (1, 2, 3)],
    )
    flagged_network(db)
    settings = pipeline_settings(
        tmp_path,
        sms_providers="smpp",
        smpp_port=smpp_server.port,
        voice_providers="sip",
        sip_port=peer.port,
    )
    ctx = build_context(settings, db=db)
    draft = outages.draft(
        ctx,
        service="water",
        kind="unplanned",
        starts_at=datetime.now(UTC),
        selection=Selection(break_links=("L1",)),
        actor=ACTOR,
    )
    assert [c["service_point"] for c in draft.affected["critical_customers"]] == ["SP3", "SP1"]
    outages.publish(ctx, draft.id, ACTOR)
    event_id = last_event(db, draft.id)

    sink = ReceiptSink(db)
    providers = build_providers(settings, on_receipt=sink)
    try:
        report = process_event(db, settings, event_id, providers)
    finally:
        providers.close()
    assert report.sent == 4
    assert smpp_server.wait_for(lambda s: len(s.received) >= 3, 15)
    assert sorted("+" + r["destination"].lstrip("+") for r in smpp_server.received) == [
        mobile(1),
        mobile(2),
        mobile(3),
    ]
    rows = deliveries_for_event(db, event_id)
    assert sorted((r.destination, r.channel) for r in rows) == [
        (mobile(1), "sms"),
        (mobile(2), "sms"),
        (mobile(3), "sms"),
        (call_destination(patient), "voice"),
    ]
    [answered] = peer.wait_event("CALL_ESTABLISHED")
    wait_until(
        lambda: (
            sink.retry() == 0
            and [r.status for r in deliveries_for_event(db, event_id) if r.channel == "voice"]
            == ["delivered"]
        ),
        timeout=30,
    )
    [call] = [r for r in deliveries_for_event(db, event_id) if r.channel == "voice"]
    assert call.provider == "sip" and answered["id"] == call.provider_message_id


def recipients(db: Engine, settings: Settings, critical: dict[str, str]) -> list[tuple[str, str]]:
    found = resolve_for(
        db,
        service="water",
        address_ids=["A1", "A2", "A3"],
        at=datetime.now(UTC).date(),
        settings=settings,
        critical=critical,
    )
    return sorted((r.destination, r.channel.value) for r in found)


@pytest.mark.parametrize(
    "setting, called",
    [
        ("home_dialysis,care_home", ["A3"]),
        ("home_dialysis, school", ["A1", "A3"]),
        ("none", []),
    ],
)
def test_the_setting_says_which_categories_are_called(
    db_engine: Engine, tmp_path: Path, setting: str, called: list[str], monkeypatch: Any
) -> None:
    db = db_engine
    add_addresses(db, ["A1", "A2", "A3"])
    add_directory(
        db,
        [{"phone": mobile(i), "address_id": f"A{i}", "number_type": "mobile"} for i in (1, 2, 3)],
    )
    monkeypatch.setenv("GIS_OUTAGE_NOTIFY_CRITICAL_VOICE", setting)
    settings = Settings(data_dir=tmp_path)
    critical = {"A1": "school", "A3": "home_dialysis"}
    sms = [(mobile(i), "sms") for i in (1, 2, 3)]
    calls = [(call_destination(mobile(int(a[1]))), "voice") for a in called]
    assert recipients(db, settings, critical) == sorted(sms + calls)

    # An opt-out of the number stops its call too.
    add_opt_out(db, mobile(3), "sms")
    assert (call_destination(mobile(3)), "voice") not in recipients(db, settings, critical)


def test_the_default_calls_home_dialysis_and_care_homes() -> None:
    assert [c.value for c in NotifySettings().critical_voice] == ["home_dialysis", "care_home"]
