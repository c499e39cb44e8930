"""Overlapping SMS batches (notifier/sendline.py): a sending process claims and renders its
next batch while the one before is still going out over the binds. Against the real SMPP
test server, which drops one of the account's binds in the middle of a batch, every
number gets its message exactly once, under the embedded worker (SQLite and PostgreSQL)
and under real Celery worker processes (PostgreSQL)."""

from __future__ import annotations

import secrets
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import tests.settings
from gis_outage.storage.deliveries import deliveries_for_event
from notifier.celery_app import PURPOSES
from notifier.worker import start_embedded_worker
from tests.processes import Process, child_env, wait_for

from .outage_data import last_event, mobile, numbers_at, publish_outage
from .smpp_server import SmppServer
from .test_smpp_binds import REDIS, _redis_up

COUNT = 400
BINDS = 4
WINDOW = 5
BATCH = 50
# The SMSC answers each submit this late: a batch's last answers keep it open while the
# next batch is claimed, so the two overlap however slow the machine is.
ANSWER_DELAY = 0.2


def _exactly_once(server: SmppServer) -> None:
    taken = Counter(m["destination"] for m in server.messages())
    numbers = {mobile(i).lstrip("+") for i in range(COUNT)}
    assert set(taken) == numbers, f"lost: {len(numbers - set(taken))}"
    assert [d for d, n in taken.items() if n > 1] == []


def test_overlapping_batches_send_each_number_once_when_a_bind_drops_mid_batch(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    server: SmppServer = smpp_server_factory(response_delay=ANSWER_DELAY, receipts=False)
    settings = tests.settings.notifier_settings(
        tmp_path, sms_providers="smpp", smpp_port=server.port, smpp_binds=BINDS,
        smpp_window=WINDOW, batch_size=BATCH, delivery_lease_seconds=120,
    )  # fmt: skip
    worker = start_embedded_worker(settings, db)
    assert worker is not None
    try:
        event_id = last_event(db, publish_outage(db, numbers_at(db, COUNT)))
        worker.wake()
        assert server.wait_for(lambda s: len(s.received) >= COUNT // 3, 60)
        server.drop_bind()
        assert worker.wait_done(event_id, timeout=120)
        line = worker.senders.lines["sms"]
        open_batches, most_open, in_doubt = line.open, line.peak, line.doubt.out
    finally:
        worker.stop()
    _exactly_once(server)
    statuses = Counter(d.status for d in deliveries_for_event(db, event_id))
    assert statuses == {"sent": COUNT}
    assert server.binds > BINDS  # the dropped bind was bound again
    # Two batches were open at once, never more, and nothing is left in doubt.
    assert (most_open, open_batches, in_doubt) == (2, 0, 0)
    # Each bind's window held across both batches.
    assert server.max_in_flight <= WINDOW


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_celery_send_processes_overlap_batches_and_send_each_number_once_when_a_bind_drops(
    postgis_db: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = postgis_db
    server: SmppServer = smpp_server_factory(response_delay=ANSWER_DELAY, receipts=False)
    prefix = f"test-{secrets.token_hex(4)}-"
    env = child_env(
        database_url=db.url.render_as_string(hide_password=False),
        data_dir=str(tmp_path),
        broker_url=REDIS,
        public_url="https://outages.example.org",
        utility_name="Example Water",
        notify_queue_prefix=prefix,
        notify_drain_seconds="0.5",
        notify_recheck_seconds="0.5",
        notify_retry_backoff_seconds="0.2",
        notify_send_task_grace_seconds="30",
        notify_sms_providers="smpp",
        notify_email_providers="demo",
        notify_voice_providers="demo",
        notify_quiet_hours_start="",
        notify_quiet_hours_end="",
        notify_smpp_port=str(server.port),
        notify_smpp_system_id=prefix + "account",
        notify_smpp_binds=str(BINDS // 2),
        notify_smpp_window=str(WINDOW),
        notify_batch_size=str(BATCH),
    )
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker", "-B",
         "-Q", ",".join(prefix + p for p in PURPOSES), "-c", "2", "--loglevel", "INFO",
         "-s", str(tmp_path / "beat-schedule"), "-n", f"{prefix}@%h",
         "--without-gossip", "--without-mingle"],
        env, tmp_path, tmp_path / "celery.log",
    )  # fmt: skip
    try:
        event_id = last_event(db, publish_outage(db, numbers_at(db, COUNT)))
        assert server.wait_for(lambda s: len(s.received) >= COUNT // 3, 120), worker.output()[
            -3000:
        ]
        server.drop_bind()
        wait_for(
            lambda: Counter(d.status for d in deliveries_for_event(db, event_id))
            == {"sent": COUNT},
            180, "every delivery sent",
        )  # fmt: skip
    finally:
        worker.stop()
    _exactly_once(server)
    assert server.binds > BINDS
    # The send tasks returned while their batches were still going out (the line's
    # threads sent and recorded them).
    assert "'handed': " in worker.output(), worker.output()[-3000:]
