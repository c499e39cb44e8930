"""Channels never wait on each other: a sudden fault with 400 landlines, called through a
real SIP peer (baresip) four at a time, while its SMS go to a real SMSC, under the
embedded worker and under Celery workers. The SMSC has every SMS before the voice calls
are done; the first SMS's time after publish is printed and written to
`channels-apart-*.json` (a figure, not an assertion)."""

from __future__ import annotations

import importlib.util
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from notifier.channels.voice import espeak_binary
from notifier.worker import start_embedded_worker

from .celery_processes import CeleryWorkers
from .outage_data import (
    add_addresses,
    add_directory,
    landline,
    last_event,
    mobile,
    publish_outage,
    wait_until,
)
from .sip_peer import SipPeer, baresip_binary
from .test_sip import pipeline_settings, rtp_base

pytestmark = pytest.mark.skipif(
    baresip_binary() is None or espeak_binary() is None
    or importlib.util.find_spec("pjsua2") is None,
    reason="needs baresip and espeak-ng (apt) and pjsua2-python (pip)",
)

LANDLINES, MOBILES = 400, 20


def _sudden_fault(db: Engine) -> list[str]:
    """400 landlines and 20 mobiles at 40 addresses."""
    addresses = [f"K{i}" for i in range(LANDLINES // 10)]
    add_addresses(db, addresses)
    rows = [{"phone": landline(n), "address_id": addresses[n // 10], "number_type": "fixed_line"}
            for n in range(LANDLINES)]
    rows += [{"phone": mobile(n), "address_id": addresses[n], "number_type": "mobile"}
             for n in range(MOBILES)]
    add_directory(db, rows)
    return addresses


def _all_sms_before_the_calls_end(
    db: Engine, smpp_server: Any, publish: Callable[[], int], tmp_path: Path, name: str
) -> None:
    """The promise: every SMS at the SMSC while landlines are still being called."""
    published = time.monotonic()
    event_id = publish()
    assert smpp_server.wait_for(lambda s: len(s.received) >= 1, timeout=60)
    first_sms = time.monotonic() - published
    assert smpp_server.wait_for(lambda s: len(s.received) >= MOBILES, timeout=60)
    all_sms = time.monotonic() - published
    voice = [d for d in deliveries_for_event(db, event_id) if d.channel == "voice"]
    calls_made = sum(1 for d in voice if d.sent_at is not None)
    assert len(voice) == LANDLINES
    assert calls_made < LANDLINES
    assert sorted(m["destination"] for m in smpp_server.messages()) == sorted(
        mobile(n).lstrip("+") for n in range(MOBILES)
    )
    figures = {"landlines": LANDLINES, "mobiles": MOBILES, "first_sms_seconds": first_sms,
               "all_sms_seconds": all_sms, "calls_made_by_then": calls_made}
    (tmp_path / f"channels-apart-{name}.json").write_text(json.dumps(figures))
    print(f"\n{name}, {LANDLINES} landlines: first SMS at the SMSC {first_sms:.2f} s after "
          f"publish, all {MOBILES} at {all_sms:.2f} s, {calls_made} calls made by then")


def test_sms_reach_the_smsc_while_400_landlines_are_still_being_called(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = postgis_db
    addresses = _sudden_fault(db)
    peer = SipPeer(tmp_path / "peer", [landline(n) for n in range(LANDLINES)]).start()
    settings = pipeline_settings(
        tmp_path, sms_providers="smpp", smpp_port=smpp_server.port, voice_providers="sip",
        sip_port=peer.port, poll_seconds=0.05,
    )
    worker = start_embedded_worker(settings, db)
    assert worker is not None

    def publish() -> int:
        event_id = last_event(db, publish_outage(db, addresses))
        worker.wake()
        return event_id

    try:
        _all_sms_before_the_calls_end(db, smpp_server, publish, tmp_path, "embedded")
        wait_until(lambda: len(peer.calls("CALL_ESTABLISHED")) >= 1, timeout=60)
    finally:
        worker.stop(timeout=60)
        peer.stop()


def test_celery_workers_send_the_sms_while_400_landlines_are_still_being_called(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    """The production set-up: a worker per queue as docker-compose runs them, on Redis."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("redis is not running on 127.0.0.1:6379")
    db = postgis_db
    addresses = _sudden_fault(db)
    peer = SipPeer(tmp_path / "peer", [landline(n) for n in range(LANDLINES)]).start()
    pipeline_settings(tmp_path)  # writes the short voice template
    workers = CeleryWorkers(
        db, "redis://127.0.0.1:6379/0", tmp_path,
        template_dir=str(tmp_path / "templates"), utility_name="Testivesi",
        notify_sms_providers="smpp", notify_smpp_port=str(smpp_server.port),
        notify_email_providers="demo", notify_voice_providers="sip",
        notify_sip_port=str(peer.port), notify_sip_rtp_port=str(rtp_base()),
        notify_sip_rtp_port_range="200", notify_sip_ring_timeout_seconds="20",
    )
    workers.start(("resolve", "receipts", "send-email"))
    workers.start(("send-sms",), beat=False)
    workers.start(("send-voice",), beat=False)
    try:
        workers.wait_ready()
        _all_sms_before_the_calls_end(
            db, smpp_server, lambda: last_event(db, publish_outage(db, addresses)), tmp_path,
            "celery",
        )
        wait_until(lambda: len(peer.calls("CALL_ESTABLISHED")) >= 1, timeout=60)
    except AssertionError:
        if (output := workers.died()) is not None:
            pytest.fail("a celery worker died:\n" + output)
        raise
    finally:
        workers.stop()
        peer.stop()
