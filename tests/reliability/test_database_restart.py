"""Scenario 3: the PostgreSQL server (a private cluster) is restarted while the web app
(uvicorn) and a notifier worker process run on it and a send is in progress. While the
database is away the API answers a clean 503; afterwards everything works again with
neither process restarted, and the send completes with nothing lost and nothing sent
twice: the worker keeps what the SMSC accepted, submits nothing more while it cannot
record, and records it once the database is back."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.schema import utcnow
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from map_server.unavailable import DETAIL
from tests.notifier.conftest import free_port
from tests.notifier.outage_data import last_event, mobile, numbers_at, publish_outage
from tests.notifier.smpp_server import join_parts, message_starts, read_log
from tests.processes import Process, WebApp, tail, wait_for

from .conftest import Record
from .processes import (
    WORKER_COMMAND,
    PrivatePostgres,
    PrivateRedis,
    celery_command,
    numbers_in_logs,
    private_postgres,
    settled,
    worker_env,
)

TOTAL = 3000
DATABASE_DOWN_SECONDS = 3.0
# What a client asks for while the database is away: the engineer API, the public map
# and its data, the look-up and the feeds.
PROBES = [
    "/api/v1/outages",
    "/",
    "/oapi/collections/outages/items",
    "/lookup/status?address_id=A0",
    "/feeds/outages.atom",
]


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def db(postgres: PrivatePostgres) -> Iterator[Engine]:
    engine = make_engine(postgres.url)
    migrate(engine)
    yield engine
    engine.dispose()


def _sent(db: Engine, event_id: int) -> int:
    return Counter(d.status for d in deliveries_for_event(db, event_id))["sent"]


def _get_all(client: httpx.Client) -> dict[str, httpx.Response]:
    return {path: client.get(path) for path in PROBES}


@dataclass(frozen=True)
class Restart:
    stopped_at: datetime  # once the server was down
    down_at: float  # time.monotonic()
    back: float
    at_smsc_while_down: int  # messages at the SMSC once the senders stopped submitting


def _restart_mid_send(
    postgres: PrivatePostgres, server: Any, while_away: Callable[[], None] = lambda: None
) -> Restart:
    """Stop the database, do `while_away`, wait until the senders stop submitting (they
    cannot record), and start it again after DATABASE_DOWN_SECONDS."""
    postgres.stop()
    stopped_at, down_at = utcnow(), time.monotonic()
    while_away()
    wait_for(settled(server), 30, "the senders to stop submitting")
    at_smsc = len(message_starts(list(server.received)))
    time.sleep(max(0.0, down_at + DATABASE_DOWN_SECONDS - time.monotonic()))
    postgres.start()
    return Restart(stopped_at, down_at, time.monotonic(), at_smsc)


def _held(db: Engine, event_id: int, restart: Restart) -> int:
    """Messages the SMSC had while the database was away whose send was not recorded
    before it went: what the senders held in memory."""
    recorded = sum(1 for d in deliveries_for_event(db, event_id)
                   if d.sent_at < restart.stopped_at)
    return restart.at_smsc_while_down - recorded


def test_the_app_and_worker_ride_through_a_database_restart(
    postgres: PrivatePostgres, db: Engine, tmp_path: Path, smpp_server_factory: Any,
    figures: Record,
) -> None:
    event_addresses = numbers_at(db, TOTAL)
    create_user(db, "Reliability Engineer", "engineer")
    token = create_token(db, "Reliability Engineer")
    log_path = tmp_path / "smsc.jsonl"
    server = smpp_server_factory(log_path=log_path, receipts=False)
    # Batches of 1,000 at 300 a second: the database goes away in the middle of one.
    env = worker_env(postgres.url, tmp_path, server.port, notify_smpp_max_per_second="300",
                     notify_batch_size="1000", notify_delivery_lease_seconds="10")
    window = int(env["GIS_OUTAGE_NOTIFY_SMPP_WINDOW"])
    app = WebApp(env, tmp_path).start()
    worker_log = tmp_path / "worker.log"
    worker = Process(WORKER_COMMAND, env, tmp_path, worker_log)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=app.url, headers=headers, timeout=30) as client:
            before = _get_all(client)
            assert {p: r.status_code for p, r in before.items()} == dict.fromkeys(PROBES, 200)

            outage_id = publish_outage(db, event_addresses)
            event_id = last_event(db, outage_id)
            assert server.wait_for(lambda s: len(s.received) >= 1250, 90), tail(worker_log)
            answers: dict[str, httpx.Response] = {}

            def probe() -> None:
                answers.update(_get_all(client))
                answers.update(ready=client.get("/ready"), health=client.get("/health"))

            restart = _restart_mid_send(postgres, server, probe)
            ready_during, health_during = answers.pop("ready"), answers.pop("health")
            during = answers
            recovery_s = wait_for(
                lambda: client.get("/api/v1/outages").status_code == 200, 60,
                "the API to answer again", 0.1)
            after = _get_all(client)
            wait_for(lambda: _sent(db, event_id) == TOTAL, 120, "every message sent", 0.2)
            completed_s = time.monotonic() - restart.back
            held = _held(db, event_id, restart)
            # A write through the API works again too: the all-clear goes out.
            resolved = client.post(f"/api/v1/outages/{outage_id}/resolve")
            wait_for(lambda: _sent(db, last_event(db, outage_id)) == TOTAL, 120,
                     "the all-clear sent", 0.2)
            wait_for(lambda: not pending_outbox(db), 60, "the outbox to empty", 0.2)
        processes_alive = app.alive() and worker.alive()
    finally:
        worker.stop()
        app.stop()

    # Each number gets two messages: the outage notice and the all-clear.
    received = Counter((m["destination"], m["text"]) for m in join_parts(read_log(log_path)))
    numbers = [mobile(i).lstrip("+") for i in range(TOTAL)]
    per_number = Counter(destination for destination, _ in received)
    lost = sum(max(0, 2 - per_number[n]) for n in numbers)
    duplicates = sum(received.values()) - len(received)
    statuses_during = {p: r.status_code for p, r in during.items()}
    figures(
        messages=2 * TOTAL, lost=lost, duplicates=duplicates, window=window,
        held_while_down=held, database_down_s=restart.back - restart.down_at,
        api_recovery_s=recovery_s, send_completed_after_restart_s=completed_s,
        statuses_during=" ".join(f"{p}:{s}" for p, s in statuses_during.items()),
    )
    assert processes_alive, tail(app.log) + tail(worker_log)
    assert lost == 0
    # What the SMSC accepted while the database was away was held, not sent again, and
    # nothing more was submitted than one window.
    assert "send outcomes held" in worker_log.read_text()
    assert 0 < held <= window
    assert duplicates == 0
    # The engineer API reads the database: a clean 503. Public pages may still be
    # served from the in-memory copy; nothing answers a 500 or a traceback.
    assert statuses_during["/api/v1/outages"] == 503, during["/api/v1/outages"].text
    assert during["/api/v1/outages"].json() == {"detail": DETAIL}
    assert during["/api/v1/outages"].headers["Retry-After"]
    for path, response in during.items():
        assert response.status_code in (200, 503), (path, response.status_code, response.text)
        assert "Traceback" not in response.text and "psycopg" not in response.text
    assert ready_during.status_code == 503 and health_during.status_code == 200
    assert {p: r.status_code for p, r in after.items()} == dict.fromkeys(PROBES, 200)
    assert resolved.status_code == 200, resolved.text
    # Database errors quote their parameters: none of that reaches a log.
    assert not numbers_in_logs(app.log, worker_log)



def test_celery_workers_ride_through_a_database_restart_without_sending_twice(
    postgres: PrivatePostgres, db: Engine, tmp_path: Path, smpp_server_factory: Any,
    figures: Record,
) -> None:
    """The same restart under Celery (two worker processes, each with its own bind)."""
    event_addresses = numbers_at(db, TOTAL)
    log_path = tmp_path / "smsc.jsonl"
    server = smpp_server_factory(log_path=log_path, receipts=False)
    broker = PrivateRedis(tmp_path).start()
    prefix, processes = "db-restart-", 2
    env = worker_env(
        postgres.url, tmp_path, server.port, broker_url=broker.url,
        notify_queue_prefix=prefix, notify_drain_seconds="0.5",
        notify_smpp_max_per_second="300", notify_batch_size="1000",
        notify_email_providers="demo", notify_voice_providers="demo",
        # Under Celery the promise holds for an outage shorter than the lease.
        notify_delivery_lease_seconds="30",
    )
    window = int(env["GIS_OUTAGE_NOTIFY_SMPP_WINDOW"])
    worker_log = tmp_path / "celery.log"
    worker = Process(celery_command(prefix, tmp_path, processes), env, tmp_path, worker_log)
    try:
        event_id = last_event(db, publish_outage(db, event_addresses))
        assert server.wait_for(lambda s: len(s.received) >= 1250, 120), tail(worker_log)
        restart = _restart_mid_send(postgres, server)
        wait_for(lambda: _sent(db, event_id) == TOTAL, 120, "every message sent", 0.2)
        completed_s = time.monotonic() - restart.back
        held = _held(db, event_id, restart)
        wait_for(lambda: not pending_outbox(db), 60, "the outbox to empty", 0.2)
        alive = worker.alive()
    finally:
        worker.stop()
        broker.stop()

    received = Counter(m["destination"] for m in message_starts(read_log(log_path)))
    lost = TOTAL - len(received)
    duplicates = sum(received.values()) - len(received)
    figures(
        messages=TOTAL, lost=lost, duplicates=duplicates, window=window, processes=processes,
        held_while_down=held, database_down_s=restart.back - restart.down_at,
        send_completed_after_restart_s=completed_s,
    )
    assert alive, tail(worker_log)
    assert lost == 0
    assert "send outcomes held" in worker_log.read_text()
    assert 0 < held <= processes * window
    assert duplicates == 0
    assert not numbers_in_logs(worker_log)


def test_an_app_whose_database_is_unreachable_answers_503_not_500(tmp_path: Path) -> None:
    """The same rule without a restart: nothing listens at the database's address."""
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gis",
                         connect_args={"connect_timeout": 2})
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = {path: client.get(path, headers={"Authorization": "Bearer x"})
                   for path in PROBES}
        health = client.get("/health")
    assert {p: r.status_code for p, r in answers.items()} == dict.fromkeys(PROBES, 503)
    assert all(r.json() == {"detail": DETAIL} for r in answers.values())
    assert health.status_code == 200
