"""A real Celery worker process (with its beat) on a real broker sends a published
outage end to end to the SMPP server; the same pipeline functions as the embedded
worker, split over queues named by purpose."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outbox import pending_outbox
from notifier.celery_app import PURPOSES, make_app

from .outage_data import (
    add_addresses,
    add_directory,
    add_subscription,
    last_event,
    mobile,
    numbers_at,
    publish_outage,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379),
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672//", 5672),
}


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_queues_are_named_by_purpose() -> None:
    app = make_app("redis://127.0.0.1:6379/0", Settings(notify={"queue_prefix": "x-"}))
    assert [q.name for q in app.conf.task_queues] == [f"x-{p}" for p in PURPOSES]
    assert PURPOSES == ("resolve", "send-sms", "send-email", "send-voice", "receipts")
    assert app.conf.task_routes["notifier.tasks.record_receipt"] == {"queue": "x-receipts"}
    assert app.conf.beat_schedule["drain-outbox"]["task"] == "notifier.tasks.drain_outbox"
    assert app.conf.task_acks_late and app.conf.task_serializer == "json"


PUBLIC_URL = "https://outages.example.org"
UTILITY = "Example Water"


@pytest.fixture
def celery_worker(tmp_path: Path, smpp_server: Any, request: pytest.FixtureRequest):
    """Start `celery -A notifier.celery_app worker -B` for a database URL and broker."""
    processes: list[subprocess.Popen] = []

    def start(db: Engine, broker: str) -> subprocess.Popen:
        prefix = f"test-{secrets.token_hex(4)}-"  # our own queues on a shared broker
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
        env.update({
            "GIS_OUTAGE_DATABASE_URL": db.url.render_as_string(hide_password=False),
            "GIS_OUTAGE_DATA_DIR": str(tmp_path),
            "GIS_OUTAGE_BROKER_URL": broker,
            "GIS_OUTAGE_NOTIFY_QUEUE_PREFIX": prefix,
            "GIS_OUTAGE_NOTIFY_DRAIN_SECONDS": "0.5",
            "GIS_OUTAGE_NOTIFY_SMS_PROVIDERS": "smpp",
            "GIS_OUTAGE_NOTIFY_EMAIL_PROVIDERS": "demo",
            "GIS_OUTAGE_NOTIFY_VOICE_PROVIDERS": "demo",
            "GIS_OUTAGE_NOTIFY_SMPP_PORT": str(smpp_server.port),
            "GIS_OUTAGE_NOTIFY_BATCH_SIZE": "50",
            # The map server's address and name only: messages link the map under it
            # and are signed with the name.
            "GIS_OUTAGE_PUBLIC_URL": PUBLIC_URL,
            "GIS_OUTAGE_UTILITY_NAME": UTILITY,
            "PYTHONPATH": str(ROOT),
        })
        queues = ",".join(prefix + p for p in PURPOSES)
        command = [
            sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker", "-B",
            "-Q", queues, "-c", "2", "--loglevel", "WARNING",
            "-s", str(tmp_path / "beat-schedule"), "-n", f"{prefix}@%h",
            "--without-gossip", "--without-mingle",
        ]
        # A file, not a pipe: an unread pipe fills at 64 KiB and then blocks the worker.
        with (tmp_path / "celery.log").open("ab") as log:
            process = subprocess.Popen(
                command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_celery_worker_sends_a_published_outage_end_to_end(
    broker: str, db_engine: Engine, tmp_path: Path, smpp_server: Any, celery_worker: Any
) -> None:
    url, port = BROKERS[broker]
    if not _reachable(port):
        pytest.skip(f"{broker} is not running on 127.0.0.1:{port}")
    db = db_engine
    addresses = numbers_at(db, 120)
    add_addresses(db, ["M1"])
    add_directory(db, [{"phone": mobile(900), "address_id": "M1"}], source="m")
    add_subscription(db, "M1", email="asukas@example.fi", language="sv")
    process = celery_worker(db, url)

    started = time.monotonic()
    outage_id = publish_outage(db, [*addresses, "M1"])
    event_id = last_event(db, outage_id)
    try:
        assert smpp_server.wait_for(lambda s: len(s.received) >= 121, timeout=60)
        elapsed = time.monotonic() - started
        wait_until(lambda: not pending_outbox(db), timeout=30)
        # Receipts come back through the receipts queue.
        wait_until(
            lambda: Counter(d.status for d in deliveries_for_event(db, event_id))
            == {"delivered": 121, "sent": 1},
            timeout=30,
        )
    except AssertionError:
        if process.poll() is not None:
            output = (tmp_path / "celery.log").read_text(errors="replace")
            pytest.fail("celery worker died:\n" + output[-3000:])
        raise
    counts = Counter(m["destination"] for m in smpp_server.messages())
    assert len(counts) == 121 and set(counts.values()) == {1}
    assert {m["text"].rsplit(" ", 1)[-1] for m in smpp_server.messages()} == {
        f"{PUBLIC_URL}/?outage={outage_id}"
    }
    assert all(m["text"].startswith(f"{UTILITY}: ") for m in smpp_server.messages())
    email = [d for d in deliveries_for_event(db, event_id) if d.channel == "email"]
    assert [d.provider for d in email] == ["demo"]
    print(f"\ncelery on {broker}: 121 SMS delivered {elapsed:.1f} s after publish")

