"""A water-quality notice by voice: a landline at a boil-water address is called through a
real SIP peer (baresip) with the notice's own words, and called again when the notice is
lifted; the spoken texts never speak of a supply cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.model import Channel, MessageKind
from gis_outage.services.policy import Decision
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.delivery_records import Delivery
from gis_outage.storage.outages import get_event
from map_server.app import create_app
from notifier.pipeline import message_context, process_event
from notifier.providers import build_providers
from notifier.receipts import ReceiptSink
from notifier.render import RenderConfig, render

from .outage_data import add_directory, landline, last_event, wait_until
from .sip_peer import speech_span
from .test_sip import peers, pytestmark, rtp_base  # noqa: F401  (fixture, skip)
from .test_water_notices import SUPPLY_CUT_WORDS, _site


def _spoken(db: Engine, settings: Any, event_id: int, kind: MessageKind) -> str:
    """The text the call reads out, rendered as the pipeline renders it."""
    context = message_context(get_event(db, event_id), "fi", Decision("send", "", kind),
                              settings, datetime.now(UTC))
    return render(kind, "water", "fi", Channel.VOICE, context,
                  config=RenderConfig.from_settings(settings)).text


def _voice(db: Engine, event_id: int) -> list[Delivery]:
    return [d for d in deliveries_for_event(db, event_id) if d.channel == "voice"]


def _delivered(db: Engine, sink: ReceiptSink, event_id: int) -> None:
    """Until the call's receipt (sent when the call ends: both playings) is recorded."""
    wait_until(lambda: sink.retry() == 0
               and [d.status for d in _voice(db, event_id)] == ["delivered"], timeout=180)


def test_a_boil_water_notice_and_its_lifting_call_the_landline(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any, smtp_server: Any,
    peers: Any,  # noqa: F811
) -> None:
    db = postgis_db
    number = landline(31)
    peer = peers([number])
    settings, headers = _site(db, tmp_path, smpp_server.port, smtp_server[0].port)
    settings = settings.model_copy(update={"notify": settings.notify.model_copy(update={
        "voice_providers": "sip", "sip_port": peer.port, "sip_rtp_port": rtp_base(),
        "sip_rtp_port_range": 200, "sip_ring_timeout_seconds": 20})})
    add_directory(db, [{"phone": number, "address_id": "A2", "number_type": "fixed_line",
                        "language": "fi"}])
    sink = ReceiptSink(db)
    providers = build_providers(settings, on_receipt=sink)
    try:
        with TestClient(create_app(settings, db)) as client:
            notice = client.post("/api/v1/outages", headers=headers, json={
                "service": "water", "kind": "boil_water", "cause": "bacteria",
                "starts_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
                "texts": {"fi": "Bakteereja vesinäytteessä"},
                "selection": {"break_links": ["L2"]},
            })
            assert notice.status_code == 201, notice.text
            oid = notice.json()["id"]
            assert client.post(f"/api/v1/outages/{oid}/publish", headers=headers).is_success
            told = last_event(db, oid)
            assert process_event(db, settings, told, providers).sent == 1
            _delivered(db, sink, told)
            assert client.post(f"/api/v1/outages/{oid}/resolve", headers=headers).is_success
            lifted = last_event(db, oid)
            assert process_event(db, settings, lifted, providers).sent == 1
            _delivered(db, sink, lifted)
    finally:
        providers.close()
    calls = peer.wait_event("CALL_ESTABLISHED", count=2)
    assert [c["id"] for c in calls] == [
        _voice(db, told)[0].provider_message_id, _voice(db, lifted)[0].provider_message_id
    ]
    heard = peer.received()
    assert heard and all(speech_span(path) > 2.0 for path in heard)

    notice_words = _spoken(db, settings, told, MessageKind.BOIL_WATER)
    lifted_words = _spoken(db, settings, lifted, MessageKind.NOTICE_LIFTED)
    assert "keit" in notice_words.lower() and "Aleksanterinkatu" in notice_words
    assert "päättynyt" in lifted_words
    for words in (notice_words, lifted_words):
        assert not any(w in words.lower() for w in SUPPLY_CUT_WORDS), words
