"""An SMPP account's binds sending in parallel under the rates an operator sells: the real
SMPP test server refuses (ESME_RTHROTTLED) whatever a bind sends above its rate, the
embedded worker and real Celery worker processes send over several binds, and one
account's rate holds across processes (a token bucket in Redis)."""

from __future__ import annotations

import bisect
import secrets
import socket
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import tests.settings
from gis_outage.config import Settings
from gis_outage.storage.deliveries import deliveries_for_event
from notifier.celery_app import PURPOSES
from notifier.channels.base import Outcome, SmsMessage
from notifier.channels.ratelimit import shared_limiter
from notifier.channels.smpp import SmppClient, SmppConfig
from notifier.providers import build_providers
from notifier.worker import start_embedded_worker
from tests.processes import Process, child_env, wait_for

from .outage_data import last_event, mobile, numbers_at, publish_outage, wait_until
from .smpp_server import SmppServer

REDIS = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def most_in_one_second(times: list[float]) -> int:
    """The most submits the server took in any one-second interval."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def test_a_part_the_smsc_throttles_is_sent_again_and_taken_once(
    smpp_server_factory: Any,
) -> None:
    # The bind may send 400/s but the SMSC takes 50/s from it: it refuses the rest.
    server = smpp_server_factory(throttle_per_second=50, throttle_burst=5, receipts=False)
    client = SmppClient(SmppConfig("127.0.0.1", server.port, "t", window=20, max_per_second=400))
    with client:
        results = client.send_many(
            [SmsMessage(mobile(i), f"Katkos {i}") for i in range(120)], timeout=60
        )
    assert {r.outcome for r in results} == {Outcome.ACCEPTED}
    assert server.throttled > 0 and client.throttled == server.throttled
    taken = Counter(p["destination"] for p in server.received)
    assert len(taken) == 120 and set(taken.values()) == {1}
    # Each result carries the id the SMSC gave when it finally took the part.
    assert sorted(r.provider_message_id for r in results) == sorted(
        p["message_id"] for p in server.received
    )


def test_throttled_parts_still_waiting_fail_when_the_connection_goes(
    smpp_server_factory: Any,
) -> None:
    server = smpp_server_factory(throttle_per_second=1, throttle_burst=1, receipts=False)
    config = SmppConfig("127.0.0.1", server.port, "t", window=5, throttle_backoff=1.0)
    client = SmppClient(config)
    outcomes: list[Outcome] = []
    with client:
        for i in range(3):
            client.submit(SmsMessage(mobile(i), "x"), lambda _m, r: outcomes.append(r.outcome))
        wait_until(lambda: client.throttled >= 2)
        server.close_sessions()
        wait_until(lambda: len(outcomes) == 3)
    assert Counter(outcomes) == {Outcome.ACCEPTED: 1, Outcome.TEMPORARY_FAILURE: 2}
    assert len(server.received) == 1


def test_the_embedded_worker_sends_over_several_binds_within_each_binds_rate(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    server = smpp_server_factory(throttle_per_second=60)
    settings = tests.settings.notifier_settings(
        tmp_path, sms_providers="smpp", smpp_port=server.port, smpp_binds=3,
        smpp_max_per_second=60, smpp_window=5, batch_size=100, delivery_lease_seconds=120,
    )  # fmt: skip
    worker = start_embedded_worker(settings, db)
    assert worker is not None
    try:
        event_id = last_event(db, publish_outage(db, numbers_at(db, 300)))
        worker.wake()
        assert worker.wait_done(event_id, timeout=120)
        wait_until(
            lambda: {d.status for d in deliveries_for_event(db, event_id)} == {"delivered"},
            timeout=30,
        )
    finally:
        worker.stop()
    assert server.throttled == 0
    taken = Counter(m["destination"] for m in server.messages())
    assert len(taken) == 300 and set(taken.values()) == {1}
    per_bind = Counter(p["bind"] for p in server.received)
    assert len(per_bind) == 3 and min(per_bind.values()) > 0


def test_binds_of_one_process_share_the_accounts_rate(smpp_server_factory: Any) -> None:
    # Three binds of 200/s each, but the account is sold at 60/s in all.
    server = smpp_server_factory(receipts=False)
    settings = Settings(notify={
        "sms_providers": "smpp", "smpp_port": server.port, "smpp_binds": 3,
        "smpp_max_per_second": 200, "smpp_account_max_per_second": 60,
        "smpp_account_burst_seconds": 0.25,
    })  # fmt: skip
    provider = build_providers(settings).get("sms").providers[0]
    try:
        done: list[int] = []
        provider._submit(
            iter([(SmsMessage(mobile(i), "x"), lambda _m, _r, i=i: done.append(i))
                  for i in range(150)])
        )  # fmt: skip
        wait_until(lambda: len(done) == 150, timeout=30)
    finally:
        provider.close()
    assert len({p["bind"] for p in server.received}) == 3
    assert most_in_one_second([p["received_at"] for p in server.received]) <= 60 + 15


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_shared_bucket_in_redis_holds_its_rate_for_every_holder() -> None:
    key = f"gis-outage:test-rate:{secrets.token_hex(4)}"
    slept: list[float] = []
    first = shared_limiter(REDIS, key, rate=10, burst=2)
    second = shared_limiter(REDIS, key, rate=10, burst=2)
    first._sleep = second._sleep = slept.append  # type: ignore[attr-defined]
    waits = [first.acquire(), second.acquire(), first.acquire(), second.acquire()]
    # Two permits at once, then one every tenth of a second, whoever takes it.
    assert waits[:2] == [0, 0]
    assert 0.05 < waits[2] <= 0.1 and 0.15 < waits[3] <= 0.2
    first.hold(1.0)  # the SMSC said slow down: the next permit is a second away
    assert second.acquire() > 1.0


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_permits_taken_from_redis_in_groups_keep_the_shared_rate() -> None:
    key = f"gis-outage:test-rate:{secrets.token_hex(4)}"
    slept: list[float] = []
    grouped = shared_limiter(REDIS, key, rate=10, burst=2, batch=2)
    single = shared_limiter(REDIS, key, rate=10, burst=2)
    grouped._sleep = single._sleep = slept.append  # type: ignore[attr-defined]
    waits = [grouped.acquire() for _ in range(4)]
    # The burst's two permits in one round trip, then two more due a fifth of a second on
    # (both taken at once, the bucket two below empty) …
    assert waits[:2] == [0, 0]
    assert 0.1 < waits[2] <= 0.2 and 0.1 < waits[3] <= 0.2
    # … so another holder of the bucket waits behind both.
    assert single.acquire() > 0.25


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_two_celery_worker_processes_keep_one_accounts_rate_over_their_binds(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    rate, burst_seconds, count = 80, 0.25, 240
    server: SmppServer = smpp_server_factory(throttle_per_second=rate)
    prefix = f"test-{secrets.token_hex(4)}-"
    env = child_env(
        database_url=db.url.render_as_string(hide_password=False),
        data_dir=str(tmp_path),
        broker_url=REDIS,  # also where the account's rate is kept
        public_url="https://outages.example.org",
        utility_name="Example Water",
        notify_queue_prefix=prefix,
        notify_drain_seconds="0.5",
        notify_sms_providers="smpp",
        notify_email_providers="demo",
        notify_voice_providers="demo",
        notify_quiet_hours_start="",
        notify_quiet_hours_end="",
        notify_smpp_port=str(server.port),
        notify_smpp_system_id=prefix + "account",  # its own bucket in Redis
        notify_smpp_binds="2",
        notify_smpp_max_per_second=str(rate),  # one process alone could send 2 × 80/s
        notify_smpp_account_max_per_second=str(rate),
        notify_smpp_account_burst_seconds=str(burst_seconds),
        notify_batch_size="40",
    )
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker", "-B",
         "-Q", ",".join(prefix + p for p in PURPOSES), "-c", "2", "--loglevel", "WARNING",
         "-s", str(tmp_path / "beat-schedule"), "-n", f"{prefix}@%h",
         "--without-gossip", "--without-mingle"],
        env, tmp_path, tmp_path / "celery.log",
    )  # fmt: skip
    try:
        event_id = last_event(db, publish_outage(db, numbers_at(db, count)))
        wait_for(lambda: len(server.messages()) >= count, 180, "every message at the SMSC")
        wait_for(
            lambda: {d.status for d in deliveries_for_event(db, event_id)} == {"delivered"},
            60, "every receipt recorded",
        )  # fmt: skip
    finally:
        worker.stop()
    assert server.throttled == 0
    taken = Counter(m["destination"] for m in server.messages())  # a message: 1–2 parts
    assert len(taken) == count and set(taken.values()) == {1}
    # Both worker processes sent (each opens 2 binds) …
    assert len({p["bind"] for p in server.received}) > 2, worker.output()[-2000:]
    # … and together never above the account's rate (submit_sm PDUs, the unit an
    # operator counts) by more than its bucket's burst.
    busiest = most_in_one_second([p["received_at"] for p in server.received])
    assert busiest <= rate + rate * burst_seconds
