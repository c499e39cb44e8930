"""Channels never wait on each other: a sudden fault with 400 landlines, called through a
real SIP peer (baresip) four at a time, while its SMS go to a real SMSC. The SMSC has
every SMS before the voice calls are done; the first SMS's time after publish is
printed and written to `channels-apart.json` (a figure, not an assertion)."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from notifier.channels.voice import espeak_binary
from notifier.worker import start_embedded_worker

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
from .test_sip import pipeline_settings

pytestmark = pytest.mark.skipif(
    baresip_binary() is None or espeak_binary() is None
    or importlib.util.find_spec("pjsua2") is None,
    reason="needs baresip and espeak-ng (apt) and pjsua2-python (pip)",
)

LANDLINES, MOBILES = 400, 20


def test_sms_reach_the_smsc_while_400_landlines_are_still_being_called(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = postgis_db
    addresses = [f"K{i}" for i in range(LANDLINES // 10)]
    add_addresses(db, addresses)
    rows = [{"phone": landline(n), "address_id": addresses[n // 10], "number_type": "fixed_line"}
            for n in range(LANDLINES)]
    rows += [{"phone": mobile(n), "address_id": addresses[n], "number_type": "mobile"}
             for n in range(MOBILES)]
    add_directory(db, rows)
    peer = SipPeer(tmp_path / "peer", [landline(n) for n in range(LANDLINES)]).start()
    settings = pipeline_settings(
        tmp_path, sms_providers="smpp", smpp_port=smpp_server.port, voice_providers="sip",
        sip_port=peer.port, poll_seconds=0.05,
    )
    worker = start_embedded_worker(settings, db)
    assert worker is not None
    try:
        published = time.monotonic()
        event_id = last_event(db, publish_outage(db, addresses))
        worker.wake()
        assert smpp_server.wait_for(lambda s: len(s.received) >= 1, timeout=60)
        first_sms = time.monotonic() - published
        assert smpp_server.wait_for(lambda s: len(s.received) >= MOBILES, timeout=60)
        all_sms = time.monotonic() - published
        voice = [d for d in deliveries_for_event(db, event_id) if d["channel"] == "voice"]
        calls_made = sum(1 for d in voice if d["sent_at"] is not None)
        # The ordering the promise is about: every SMS at the SMSC, the calls not done.
        assert len(voice) == LANDLINES
        assert calls_made < LANDLINES
        wait_until(lambda: len(peer.calls("CALL_ESTABLISHED")) >= 1, timeout=60)
    finally:
        worker.stop(timeout=60)
        peer.stop()
    assert {m["destination"] for m in smpp_server.messages()} == {
        mobile(n).lstrip("+") for n in range(MOBILES)
    }
    figures = {"landlines": LANDLINES, "mobiles": MOBILES, "first_sms_seconds": first_sms,
               "all_sms_seconds": all_sms, "calls_made_by_then": calls_made}
    (tmp_path / "channels-apart.json").write_text(json.dumps(figures))
    print(f"\n{LANDLINES} landlines: first SMS at the SMSC {first_sms:.2f} s after publish, "
          f"all {MOBILES} at {all_sms:.2f} s, {calls_made} calls made by then")
