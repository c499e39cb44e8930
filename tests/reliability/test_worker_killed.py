"""Scenario 1: a notifier worker process is killed with SIGKILL in the middle of a
large send and started again. Nothing is lost, and the only messages that go twice
are those the SMSC accepted in the moment between its answer and our record of it: at
most one SMPP window, as the worker never has more out and unrecorded."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.schema import deliveries
from tests.notifier.outage_data import last_event, numbers_at, publish_outage
from tests.notifier.smpp_server import message_starts, read_log
from tests.processes import Process, tail, wait_for

from .conftest import Record
from .processes import WORKER_COMMAND, numbers_in_logs, settled, worker_env

TOTAL = 3000


def _sent(db: Engine, event_id: int) -> int:
    return Counter(d.status for d in deliveries_for_event(db, event_id))["sent"]


def _claimed_unrecorded(db: Engine, event_id: int) -> set[str]:
    """Deliveries a worker claimed (attempts > 0) whose send it had not recorded."""
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.destination).where(
                deliveries.c.event_id == event_id,
                deliveries.c.status == "queued",
                deliveries.c.attempts > 0,
                deliveries.c.sent_at.is_(None),
            )
        )
        return {r.destination.lstrip("+") for r in rows}


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_accepted_unrecorded(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any, figures: Record
) -> None:
    db = db_engine
    log_path = tmp_path / "smsc-received.jsonl"
    server = smpp_server_factory(log_path=log_path, receipts=False)
    event_id = last_event(db, publish_outage(db, numbers_at(db, TOTAL)))
    env = worker_env(db.url.render_as_string(hide_password=False), tmp_path, server.port)
    window = int(env["GIS_OUTAGE_NOTIFY_SMPP_WINDOW"])
    worker_log = tmp_path / "worker.log"

    first = Process(WORKER_COMMAND, env, tmp_path, worker_log)
    try:
        killed_at = TOTAL // 3 + 37  # mid-batch
        assert server.wait_for(lambda s: len(s.received) >= killed_at, timeout=90), tail(
            worker_log)
        os.killpg(first.pid, signal.SIGKILL)
        first.popen.wait(10)
    finally:
        first.stop()
    # The SMSC reads what was already on the wire: wait until its count stops moving.
    wait_for(settled(server), 10, "the SMSC to read the last submits")
    before = {r["destination"] for r in read_log(log_path)}
    unrecorded = _claimed_unrecorded(db, event_id)
    accepted_unrecorded = before & unrecorded
    assert 0 < len(before) < TOTAL  # killed midway

    restarted = time.monotonic()
    second = Process(WORKER_COMMAND, env, tmp_path, worker_log)
    try:
        wait_for(lambda: _sent(db, event_id) == TOTAL, 120, "every message sent", 0.2)
        finished = time.monotonic() - restarted
        wait_for(lambda: not pending_outbox(db), 30, "the outbox to empty", 0.2)
    finally:
        second.stop()
    # One count per message, not per part: the text may take two parts.
    received = Counter(r["destination"] for r in message_starts(read_log(log_path)))
    duplicates = sum(received.values()) - len(received)
    figures(
        backend=db.dialect.name, messages=TOTAL, lost=TOTAL - len(received),
        duplicates=duplicates, window=window, accepted_before_kill=len(before),
        claimed_unrecorded=len(unrecorded), accepted_unrecorded=len(accepted_unrecorded),
        rest_sent_after_restart_s=finished,
    )
    assert len(received) == TOTAL  # nothing lost
    # Exactly the accepted-but-unrecorded ones went twice, and never more than a window:
    # the rest of the claimed batch had not been submitted.
    assert duplicates == len(accepted_unrecorded) <= window
    assert {d for d, n in received.items() if n > 1} == accepted_unrecorded
    assert not numbers_in_logs(worker_log)
