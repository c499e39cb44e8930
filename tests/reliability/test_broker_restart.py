"""Scenario 2: the Celery broker is stopped in the middle of a send and started again,
on each broker production supports: a private redis-server (append-only, as deployed)
and a private RabbitMQ node (its durable queues and persistent messages kept on disk).
The worker reconnects by itself, the send completes, nothing is lost.

A Redis that keeps nothing loses the queued send tasks with the restart: the event is
looked at again and its never-tried deliveries older than `send_task_grace_seconds`
are queued anew, so nothing is lost there either, only later."""

from __future__ import annotations

import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import kombu
import pytest
from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outbox import pending_outbox
from tests.notifier.outage_data import last_event, mobile, numbers_at, publish_outage
from tests.processes import Process, tail, wait_for

from .conftest import Record
from .processes import PrivateRabbitMQ, PrivateRedis, celery_command, numbers_in_logs, worker_env

TOTAL = 1500
BROKER_DOWN_SECONDS = 3.0
BROKERS = {
    "redis": PrivateRedis,
    "rabbitmq": PrivateRabbitMQ,
    "redis-volatile": partial(PrivateRedis, persistent=False),
}
# Lost send tasks are queued again once their rows are this old (a short wait for the
# test; the default is ten minutes).
VOLATILE_GRACE = "3"


def _sent(db: Engine, event_id: int) -> int:
    return Counter(d.status for d in deliveries_for_event(db, event_id))["sent"]


def _waiting(broker_url: str, queue: str) -> int:
    """Tasks in the broker's queue that no worker holds yet."""
    with kombu.Connection(broker_url) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


@pytest.mark.parametrize("broker_kind", BROKERS)
def test_a_broker_restart_mid_send_loses_nothing(
    broker_kind: str, postgis_db: Engine, tmp_path: Path, smpp_server_factory: Any,
    figures: Record,
) -> None:
    db = postgis_db
    server = smpp_server_factory(receipts=False)
    broker = BROKERS[broker_kind](tmp_path).start()
    prefix = "reliability-"
    env = worker_env(
        db.url.render_as_string(hide_password=False), tmp_path, server.port,
        broker_url=broker.url, notify_queue_prefix=prefix, notify_drain_seconds="0.5",
        notify_batch_size="50", notify_smpp_max_per_second="300",
        notify_email_providers="demo", notify_voice_providers="demo",
        # No worker dies here: a long lease rules out two runs of one batch overlapping.
        notify_delivery_lease_seconds="30",
        **({"notify_send_task_grace_seconds": VOLATILE_GRACE}
           if broker_kind == "redis-volatile" else {}),
    )
    worker_log = tmp_path / "celery.log"
    worker = Process(celery_command(prefix, tmp_path), env, tmp_path, worker_log)
    try:
        event_id = last_event(db, publish_outage(db, numbers_at(db, TOTAL)))
        assert server.wait_for(lambda s: len(s.received) >= TOTAL // 3, 90), tail(worker_log)
        queued = _waiting(broker.url, prefix + "send-sms")
        stopping = time.monotonic()
        broker.stop()
        down_at_count = len(server.received)
        time.sleep(BROKER_DOWN_SECONDS)  # the outage itself: how long the broker is away
        during = len(server.received) - down_at_count
        # The worker holds at most two batches and their prefetched successors: the rest
        # waits in the broker's queues.
        before_start = len(server.received)
        assert before_start < TOTAL, "the send ended while the broker was down"
        broker.start()
        back = time.monotonic()
        # From the stop to the node taking logins again: a RabbitMQ node takes seconds
        # to boot, on top of the pause.
        down_s = back - stopping
        # Counted from before the start: the worker may reconnect before start() returns.
        assert server.wait_for(lambda s: len(s.received) > before_start, 120), tail(worker_log)
        resumed_s = time.monotonic() - back
        # A lost send task is queued again only after send_task_grace_seconds (10 min
        # unless set): on a persistent broker, the send completing within this wait
        # means the queued tasks outlived the restart.
        wait_for(lambda: _sent(db, event_id) == TOTAL, 180, "every message sent", 0.2)
        completed_s = time.monotonic() - back
        wait_for(lambda: not pending_outbox(db), 60, "the outbox to empty", 0.2)
        worker_alive = worker.alive()
    finally:
        worker.stop(timeout=30)
        broker.stop()
    received = Counter(m["destination"] for m in server.messages())
    numbers = [mobile(i).lstrip("+") for i in range(TOTAL)]
    lost = sum(1 for n in numbers if received[n] == 0)
    duplicates = sum(received.values()) - len(received)
    figures(
        messages=TOTAL, send_tasks_queued_at_stop=queued, lost=lost, duplicates=duplicates,
        sent_while_broker_down=during, broker_down_s=down_s, first_send_after_restart_s=resumed_s,
        completed_after_restart_s=completed_s,
    )
    assert worker_alive, tail(worker_log)
    assert lost == 0
    # The delivery claims keep a task the broker hands out again from sending twice.
    assert duplicates == 0
    assert not numbers_in_logs(worker_log)
