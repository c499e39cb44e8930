"""Scenario 4: the primary SMSC goes down in the middle of a send. The worker process
fails over to the secondary (`smpp,smpp2`) and nothing is lost; when the primary is
back and its cool-down is over, new messages go to the primary again."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outbox import pending_outbox
from tests.notifier.outage_data import last_event, mobile, numbers_at, publish_outage
from tests.notifier.smpp_server import ServerConfig, SmppServer, message_starts, read_log
from tests.processes import Process, tail, wait_for

from .conftest import Record
from .processes import WORKER_COMMAND, numbers_in_logs, worker_env

TOTAL = 1500
COOLDOWN = 2.0  # seconds a failed provider is tried last


def _providers(db: Engine, event_id: int) -> Counter[str]:
    return Counter(d.provider for d in deliveries_for_event(db, event_id)
                   if d.status == "sent")


def test_the_primary_smsc_down_mid_send_fails_over_and_comes_back_after_the_cooldown(
    sqlite_engine: Engine, tmp_path: Path, smpp_server_factory: Any, figures: Record
) -> None:
    db = sqlite_engine
    primary_log, secondary_log = tmp_path / "primary.jsonl", tmp_path / "secondary.jsonl"
    primary = smpp_server_factory(log_path=primary_log, receipts=False)
    secondary = smpp_server_factory(log_path=secondary_log, receipts=False)
    env = worker_env(
        db.url.render_as_string(hide_password=False), tmp_path, primary.port,
        notify_sms_providers="smpp,smpp2", notify_smpp2_host="127.0.0.1",
        notify_smpp2_port=str(secondary.port), notify_provider_cooldown_seconds=str(COOLDOWN),
        notify_smpp_max_per_second="500",
    )
    addresses = numbers_at(db, TOTAL)
    event_id = last_event(db, publish_outage(db, addresses))
    worker_log = tmp_path / "worker.log"
    worker = Process(WORKER_COMMAND, env, tmp_path, worker_log)
    restarted: SmppServer | None = None
    try:
        assert primary.wait_for(lambda s: len(s.received) >= TOTAL // 3, 90), tail(worker_log)
        primary.stop()
        down_at = time.monotonic()
        assert secondary.wait_for(lambda s: len(s.received) > 0, 60), tail(worker_log)
        failover_s = time.monotonic() - down_at
        wait_for(lambda: sum(_providers(db, event_id).values()) == TOTAL, 120,
                 "the rest sent through the secondary", 0.2)
        first_done = time.monotonic()
        first_split = _providers(db, event_id)

        restarted = SmppServer(ServerConfig(port=primary.port, log_path=primary_log,
                                            receipts=False)).start()
        # The primary failed at the latest when the first event was done: after the
        # cool-down from then it is first in line again.
        time.sleep(max(0.0, first_done + COOLDOWN + 0.5 - time.monotonic()))
        second = last_event(db, publish_outage(db, addresses))
        wait_for(lambda: sum(_providers(db, second).values()) == TOTAL, 120,
                 "the second event sent", 0.2)
        wait_for(lambda: not pending_outbox(db), 30, "the outbox to empty", 0.2)
    finally:
        worker.stop()
        if restarted is not None:
            restarted.stop()

    # The messages each SMSC accepted (its log is written before it answers), both events;
    # a text may take two parts, counted once.
    by_server = {
        name: Counter(r["destination"] for r in message_starts(read_log(log)))
        for name, log in (("primary", primary_log), ("secondary", secondary_log))
    }
    everywhere = by_server["primary"] + by_server["secondary"]
    numbers = [mobile(i).lstrip("+") for i in range(TOTAL)]
    lost = sum(max(0, 2 - everywhere[n]) for n in numbers)
    duplicates = sum(max(0, everywhere[n] - 2) for n in numbers)
    recorded_primary = first_split["smpp"] + _providers(db, second)["smpp"]
    # Accepted by the primary as it went down, but its answer never reached the worker.
    accepted_unrecorded = sum(by_server["primary"].values()) - recorded_primary
    second_split = _providers(db, second)
    figures(
        messages=2 * TOTAL, lost=lost, duplicates=duplicates,
        accepted_unrecorded=accepted_unrecorded, failover_s=failover_s,
        primary_accepted=sum(by_server["primary"].values()),
        secondary_accepted=sum(by_server["secondary"].values()),
        first_event=f"smpp {first_split['smpp']} / smpp2 {first_split['smpp2']}",
        second_event=f"smpp {second_split['smpp']} / smpp2 {second_split['smpp2']}",
    )
    assert lost == 0 and set(everywhere) == set(numbers)
    assert first_split["smpp"] + first_split["smpp2"] == TOTAL and first_split["smpp2"] > 0
    assert 0 <= duplicates <= accepted_unrecorded
    assert second_split == {"smpp": TOTAL}  # the primary is back in first place
    assert not numbers_in_logs(worker_log)
