"""Voice calls over SIP (pjsua2) against a real SIP peer, baresip (tests/notifier/sip_peer.py):
the message is heard twice and we hang up; busy, unanswered and unreachable trunks are
temporary failures, unknown numbers permanent; calls run side by side; the pipeline
delivers to a landline through `sip` and fails over to `demo` when the trunk is down;
a trunk that challenges (tests/notifier/sip_peer.py's DigestTrunk) gets our credentials."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.model import Channel
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.delivery_records import Delivery
from notifier.channels.base import DeliveryReceipt, Outcome, ReceiptStatus, SendResult
from notifier.channels.demo import recent_messages
from notifier.channels.sip import SipConfig, SipProvider
from notifier.channels.voice import espeak_binary
from notifier.pipeline import process_event
from notifier.providers import Outgoing, build_providers
from notifier.receipts import ReceiptSink
from notifier.render import Rendered
from tests.settings import settings_for

from .celery_processes import CeleryWorkers
from .outage_data import (
    add_addresses,
    add_directory,
    landline,
    last_event,
    publish_outage,
    wait_until,
)
from .sip_peer import (
    BYE_RECEIVED,
    DigestTrunk,
    SipPeer,
    baresip_binary,
    free_port,
    longest_quiet,
    speech_span,
)

pytestmark = pytest.mark.skipif(
    baresip_binary() is None or espeak_binary() is None
    or importlib.util.find_spec("pjsua2") is None,
    reason="needs baresip and espeak-ng (apt) and pjsua2-python (pip)",
)

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Water outage on Main Street."
PAUSE = 1.5  # SipConfig's default pause between the two playings


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[Any]:
    started: list[SipPeer] = []

    def start(numbers: list[str], mode: str = "answer") -> SipPeer:
        peer = SipPeer(tmp_path / f"peer{len(started)}", numbers, mode)  # type: ignore[arg-type]
        started.append(peer)
        return peer.start()

    yield start
    for peer in started:
        peer.stop()


def rtp_base() -> int:
    return free_port() & ~1  # RTP on an even port, RTCP on the next


def provider(
    port: int, receipts: list[DeliveryReceipt] | None = None, **options: Any
) -> SipProvider:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "ring_timeout": 20.0,
                              "rtp_port": rtp_base(), "rtp_port_range": 200}
    values.update(options)
    return SipProvider(SipConfig(**values),
                       on_receipt=receipts.append if receipts is not None else None)


def call(delivery_id: int, number: str, text: str = TEXT, language: str = "en") -> Outgoing:
    message = Rendered(kind="unplanned_start", service="water", language=language,  # type: ignore[arg-type]
                       channel=Channel.VOICE, text=text)
    return Outgoing(delivery_id=delivery_id, event_id=1, destination=number, message=message)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_a_call_plays_the_message_twice_then_we_hang_up(
    peers: Any, transport: str, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    number = landline(1)
    peer = peers([number])
    receipts: list[DeliveryReceipt] = []
    sip = provider(peer.port, receipts, transport=transport)
    reported: list[tuple[int, SendResult]] = []
    try:
        [result] = sip.send_batch([call(1, number)], lambda i, r: reported.append((i, r)))
        played = sip.audio.get(TEXT, "en")  # the cached file the call played
        expected, whole = speech_span(played.path), played.duration
    finally:
        sip.close()

    assert result.outcome is Outcome.ACCEPTED and result.provider == "sip"
    assert reported == [(0, result)]
    [answered] = peer.wait_event("CALL_ESTABLISHED")
    assert answered["id"] == result.provider_message_id  # the SIP Call-ID
    [closed] = peer.wait_event("CALL_CLOSED")
    assert closed["param"] == BYE_RECEIVED  # we hung up, with BYE
    assert receipts == [DeliveryReceipt("sip", result.provider_message_id,
                                        ReceiptStatus.DELIVERED, "played")]
    assert sip.audio.synthesised == 1

    [heard] = peer.received()
    span = speech_span(heard)
    single = (whole - PAUSE) / 2
    assert 0.85 * expected < span < 1.15 * expected + 0.3  # the whole audio arrived …
    assert span > single + PAUSE  # … which is the message twice, not once,
    assert longest_quiet(heard) > 0.7 * PAUSE  # with the pause between

    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (out, err, logged):
        assert number not in text and number[4:] not in text


def test_calls_run_side_by_side_and_share_one_synthesis(peers: Any) -> None:
    numbers = [landline(n) for n in (1, 2, 3)]
    peer = peers(numbers)
    sip = provider(peer.port, max_calls=3)
    try:
        results = sip.send_batch([call(i, n) for i, n in enumerate(numbers)])
    finally:
        sip.close()
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 3
    assert len({r.provider_message_id for r in results}) == 3
    assert sip.audio.synthesised == 1  # one text, one language: spoken once for all calls
    peer.wait_event("CALL_CLOSED", 3)
    kinds = [e["type"] for e in peer.events if e["type"] in ("CALL_ESTABLISHED", "CALL_CLOSED")]
    assert kinds[:3] == ["CALL_ESTABLISHED"] * 3  # all three were up at once
    assert {e["id"] for e in peer.calls("CALL_ESTABLISHED")} == {
        r.provider_message_id for r in results
    }
    assert [e["param"] for e in peer.calls("CALL_CLOSED")] == [BYE_RECEIVED] * 3


def test_max_calls_limits_the_calls_at_once(peers: Any) -> None:
    numbers = [landline(n) for n in (1, 2)]
    peer = peers(numbers)
    sip = provider(peer.port, max_calls=1)
    try:
        results = sip.send_batch([call(i, n) for i, n in enumerate(numbers)])
    finally:
        sip.close()
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 2
    peer.wait_event("CALL_CLOSED", 2)
    kinds = [e["type"] for e in peer.events if e["type"] in ("CALL_ESTABLISHED", "CALL_CLOSED")]
    assert kinds == ["CALL_ESTABLISHED", "CALL_CLOSED"] * 2  # one after the other


# One call from a process of its own, started when the file `go` exists: a Celery
# worker's processes each run their own SIP endpoint on the same SIP_RTP_PORT.
_CALLER = """
import json, sys, time
from pathlib import Path
from tests.notifier.test_sip import call, provider
port, rtp, number, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
receipts = []
sip = provider(port, receipts, rtp_port=rtp, rtp_port_range=20)
sip.audio.get("Water outage on Main Street.", "en")  # spoken before the start line
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
try:
    [result] = sip.send_batch([call(1, number)])
finally:
    sip.close()
print(json.dumps([result.outcome.value, result.provider_message_id,
                  [r.status.value for r in receipts]]), flush=True)
"""


def test_two_processes_call_at_once_from_the_same_rtp_port_setting(
    peers: Any, tmp_path: Path
) -> None:
    numbers = [landline(n) for n in (1, 2)]
    peer = peers(numbers)
    rtp, go = rtp_base(), tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    callers = [
        subprocess.Popen([sys.executable, "-c", _CALLER, str(peer.port), str(rtp), n, str(go)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for n in numbers
    ]
    try:
        for caller in callers:
            assert caller.stdout is not None and caller.stdout.readline().strip() == "ready"
        go.touch()
        outputs = [caller.communicate(timeout=90)[0] for caller in callers]
    finally:
        for caller in callers:
            if caller.poll() is None:
                caller.kill()
    results = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    assert [(outcome, receipts) for outcome, _id, receipts in results] == [
        ("accepted", ["delivered"])] * 2
    peer.wait_event("CALL_CLOSED", 2)
    kinds = [e["type"] for e in peer.events if e["type"] in ("CALL_ESTABLISHED", "CALL_CLOSED")]
    assert kinds[:2] == ["CALL_ESTABLISHED"] * 2  # both calls were up at once
    assert {e["id"] for e in peer.calls("CALL_ESTABLISHED")} == {r[1] for r in results}
    assert [e["param"] for e in peer.calls("CALL_CLOSED")] == [BYE_RECEIVED] * 2


def test_an_unknown_number_is_a_permanent_failure_without_the_number(peers: Any) -> None:
    peer = peers([landline(1)])
    sip = provider(peer.port)
    try:
        [result] = sip.send_batch([call(1, landline(2))])
    finally:
        sip.close()
    assert result.outcome is Outcome.PERMANENT_FAILURE
    assert result.error == "SIP 404 Not Found"


def test_a_busy_line_is_a_temporary_failure(peers: Any) -> None:
    peer = peers([landline(1)], mode="busy")
    sip = provider(peer.port)
    try:
        [result] = sip.send_batch([call(1, landline(1))])
    finally:
        sip.close()
    assert result.outcome is Outcome.TEMPORARY_FAILURE
    assert result.error is not None and result.error.startswith("SIP 486")
    assert peer.received() == [] or all(speech_span(f) == 0 for f in peer.received())


def test_no_answer_within_the_ring_timeout_is_a_temporary_failure(peers: Any) -> None:
    peer = peers([landline(1)], mode="ring")
    sip = provider(peer.port, ring_timeout=2.0)
    try:
        [result] = sip.send_batch([call(1, landline(1))])
        peer.wait_event("CALL_CLOSED")  # we cancelled the ringing call
    finally:
        sip.close()
    assert result.outcome is Outcome.TEMPORARY_FAILURE
    assert result.error == "no answer within 2 s"
    assert peer.calls("CALL_ESTABLISHED") == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_an_unreachable_trunk_is_a_temporary_failure(transport: str) -> None:
    sip = provider(free_port(), transport=transport, ring_timeout=2.0)  # nothing listens
    try:
        [result] = sip.send_batch([call(1, landline(1))])
    finally:
        sip.close()
    assert result.outcome is Outcome.TEMPORARY_FAILURE
    assert result.error and landline(1)[1:] not in result.error


def test_a_destination_that_is_no_number_is_refused_before_dialling() -> None:
    sip = provider(free_port())
    try:
        results = sip.send_batch([call(1, "sip:someone@example.org"), call(2, "")])
    finally:
        sip.close()
    assert [r.outcome for r in results] == [Outcome.PERMANENT_FAILURE] * 2
    assert results[0].error == "destination is not a phone number in E.164 form"


def test_two_providers_in_one_process_share_the_sip_endpoint(peers: Any) -> None:
    """The notifier's provider and the portal's (built per PIN, closed after) at once."""
    numbers = [landline(1), landline(2)]
    peer = peers(numbers)
    notifier_side = provider(peer.port)
    try:
        portal_side = provider(peer.port, rtp_port=rtp_base())
        try:
            [pin_call] = portal_side.send_batch([call(1, numbers[0], "Your code is 1 2 3 4.")])
        finally:
            portal_side.close()
        [outage_call] = notifier_side.send_batch([call(2, numbers[1])])
    finally:
        notifier_side.close()
    assert (pin_call.outcome, outage_call.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert [e["param"] for e in peer.wait_event("CALL_CLOSED", 2)] == [BYE_RECEIVED] * 2


# -- through the pipeline -----------------------------------------------------------------


SHORT_VOICE = """{% extends "builtin/fi/unplanned_start.j2" %}
{% block voice %}Vesikatko. {{ utility_name }}.{% endblock %}
"""


def pipeline_settings(tmp_path: Path, **overrides: Any) -> Settings:
    templates = tmp_path / "templates" / "fi"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "unplanned_start.j2").write_text(SHORT_VOICE)  # a call of a few seconds
    values: dict[str, Any] = {
        "quiet_hours_start": None, "quiet_hours_end": None, "utility_name": "Testivesi",
        "sms_providers": "demo", "email_providers": "demo", "template_dir": templates.parent,
        "sip_rtp_port": rtp_base(), "sip_rtp_port_range": 200, "sip_ring_timeout_seconds": 20,
    }
    values.update(overrides)
    return settings_for(tmp_path, **values)


def _voice_rows(db: Engine, event_id: int) -> list[Delivery]:
    return [d for d in deliveries_for_event(db, event_id) if d.channel == "voice"]


def test_an_outage_calls_the_landline_and_the_delivery_ends_delivered(
    db_engine: Engine, tmp_path: Path, peers: Any
) -> None:
    db = db_engine
    number = landline(7)
    peer = peers([number])
    add_addresses(db, ["A1"])
    add_directory(db, [{"phone": number, "address_id": "A1"}])
    notifier = pipeline_settings(
        tmp_path, voice_providers="sip", sip_port=peer.port
    )
    sink = ReceiptSink(db)
    providers = build_providers(notifier, on_receipt=sink)
    try:
        event_id = last_event(db, publish_outage(db, ["A1"]))
        report = process_event(db, notifier, event_id, providers)
    finally:
        providers.close()
    assert report.sent == 1
    wait_until(lambda: sink.retry() == 0 and _voice_rows(db, event_id)[0].status
                    == ReceiptStatus.DELIVERED.value, timeout=30)
    [row] = _voice_rows(db, event_id)
    assert row.provider == "sip"
    [answered] = peer.wait_event("CALL_ESTABLISHED")
    assert answered["id"] == row.provider_message_id
    assert peer.wait_event("CALL_CLOSED")[0]["param"] == BYE_RECEIVED
    [heard] = peer.received()
    assert speech_span(heard) > 1.0


def test_voice_fails_over_to_demo_when_the_trunk_is_down(db_engine: Engine, tmp_path: Path) -> None:
    db = db_engine
    add_addresses(db, ["A1"])
    add_directory(db, [{"phone": landline(8), "address_id": "A1"}])
    notifier = pipeline_settings(
        tmp_path, voice_providers="sip,demo", sip_port=free_port(),  # nothing listens there
        sip_ring_timeout_seconds=2,
    )
    providers = build_providers(notifier)
    try:
        event_id = last_event(db, publish_outage(db, ["A1"]))
        report = process_event(db, notifier, event_id, providers)
    finally:
        providers.close()
    assert report.sent == 1
    [row] = _voice_rows(db, event_id)
    assert (row.provider, row.status) == ("demo", "sent")
    voice = [m for m in recent_messages(5, tmp_path) if m["channel"] == "voice"]
    assert [m["text"] for m in voice] == ["Vesikatko. Testivesi."]
    assert Counter(r.channel for r in deliveries_for_event(db, event_id))["voice"] == 1


def test_a_celery_worker_calls_the_landline_through_sip(
    postgis_db: Engine, tmp_path: Path, peers: Any
) -> None:
    """The send-voice queue of a real worker process on Redis and PostgreSQL (the
    production set-up); the receipt comes back through the receipts queue."""
    broker = "redis://127.0.0.1:6379/0"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("redis is not running on 127.0.0.1:6379")
    db = postgis_db
    number = landline(9)
    peer = peers([number])
    add_addresses(db, ["A1"])
    add_directory(db, [{"phone": number, "address_id": "A1"}])
    pipeline_settings(tmp_path)  # writes the short voice template
    workers = CeleryWorkers(
        db, broker, tmp_path, template_dir=str(tmp_path / "templates"),
        notify_voice_providers="sip", notify_sip_port=str(peer.port),
        notify_sip_rtp_port=str(rtp_base()), notify_sip_rtp_port_range="200",
    )
    workers.start()
    try:
        event_id = last_event(db, publish_outage(db, ["A1"]))
        wait_until(lambda: [d.status for d in _voice_rows(db, event_id)]
                        == ["delivered"], timeout=90)
    except AssertionError:
        if (output := workers.died()) is not None:
            pytest.fail("celery worker died:\n" + output)
        raise
    finally:
        workers.stop()
    [row] = _voice_rows(db, event_id)
    [answered] = peer.wait_event("CALL_ESTABLISHED")
    assert (row.provider, row.provider_message_id) == ("sip", answered["id"])
    assert peer.wait_event("CALL_CLOSED")[0]["param"] == BYE_RECEIVED


def test_the_portal_reads_a_pin_to_a_landline_through_sip(
    sqlite_engine: Engine, tmp_path: Path, peers: Any
) -> None:
    from map_server.portal.outgoing import send_pin
    from map_server.portal.sender import Sender

    number = landline(5)
    peer = peers([number])
    notifier = pipeline_settings(tmp_path, voice_providers="sip", sip_port=peer.port)
    sender = Sender(sqlite_engine, notifier)
    portal = SimpleNamespace(sender=sender, settings=notifier,
                             config=SimpleNamespace(pin_minutes=15))
    assert send_pin(portal, Channel.VOICE, number, "4711", "en")  # type: ignore[arg-type]
    peer.wait_event("CALL_ESTABLISHED")
    assert peer.wait_event("CALL_CLOSED")[0]["param"] == BYE_RECEIVED
    [heard] = peer.received()
    assert speech_span(heard) > 5  # the PIN message, twice


# -- a trunk that wants digest authentication --------------------------------------------


@pytest.fixture
def digest_trunk() -> Iterator[DigestTrunk]:
    trunk = DigestTrunk("utility", "s3cret", invite_answer="404 Not Found").start()
    yield trunk
    trunk.stop()


def test_a_challenged_call_is_answered_with_the_credentials(digest_trunk: DigestTrunk) -> None:
    sip = provider(digest_trunk.port, username="utility", password="s3cret")
    try:
        [result] = sip.send_batch([call(1, landline(1))])
    finally:
        sip.close()
    assert digest_trunk.challenged == ["INVITE"] and digest_trunk.authorised == ["INVITE"]
    assert (result.outcome, result.error) == (Outcome.PERMANENT_FAILURE, "SIP 404 Not Found")


def test_wrong_credentials_are_a_temporary_failure(digest_trunk: DigestTrunk) -> None:
    sip = provider(digest_trunk.port, username="utility", password="wrong")
    try:
        [result] = sip.send_batch([call(1, landline(1))])
    finally:
        sip.close()
    assert digest_trunk.authorised == []
    assert result.outcome is Outcome.TEMPORARY_FAILURE  # another provider may take it
    assert result.error is not None and result.error.startswith("SIP 407")
    assert "wrong" not in repr(sip.config)


def test_the_account_registers_with_the_trunk_when_asked(digest_trunk: DigestTrunk) -> None:
    sip = provider(digest_trunk.port, username="utility", password="s3cret", register=True,
                   caller_id="utility")
    try:
        sip.send_batch([call(1, landline(1))])
        assert digest_trunk.wait_for("REGISTER")
    finally:
        sip.close()
    assert "REGISTER" in digest_trunk.challenged  # first without, then with the answer
