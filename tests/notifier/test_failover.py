"""Failover when the primary SMS provider is slow, not down: the real SMPP test server
answers late, and the next batches go to the secondary without any message twice."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

import tests.settings
from gis_outage.config import Settings
from gis_outage.storage.deliveries import deliveries_for_event
from notifier.pipeline import process_event
from notifier.providers import build_providers

from .outage_data import last_event, numbers_at, publish_outage

# Far apart, so that a loaded machine's own delays cannot blur slow and quick.
SLOW_ANSWER, THRESHOLD = 2.0, 1.0


def settings_for(tmp_path: Path, primary: Any, secondary: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "sms_providers": "smpp,smpp2",
        "smpp_port": primary.port,
        "smpp2_host": "127.0.0.1",
        "smpp2_port": secondary.port,
        "smpp_window": 10,
        "batch_size": 10,
        "provider_slow_seconds": THRESHOLD,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
    }
    return tests.settings.settings_for(tmp_path, **(values | overrides))


def test_a_slow_primary_sends_the_next_batches_to_the_secondary(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    addresses = numbers_at(db, 40)
    primary = smpp_server_factory(response_delay=SLOW_ANSWER, receipts=False)
    secondary = smpp_server_factory(receipts=False)
    notifier = settings_for(tmp_path, primary, secondary)
    providers = build_providers(notifier)
    try:
        event_id = last_event(db, publish_outage(db, addresses))
        report = process_event(db, notifier, event_id, providers)
        assert (report.sent, report.failed, report.pending) == (40, 0, 0)
        # While the primary cools down, a second event goes to the secondary only.
        second = last_event(db, publish_outage(db, addresses))
        process_event(db, notifier, second, providers)
    finally:
        providers.close()

    # The first batch waited for the slow answers; every later batch went elsewhere.
    rows = deliveries_for_event(db, event_id)
    assert Counter(r.provider for r in rows) == {"smpp": 10, "smpp2": 30}
    assert {r.status for r in rows} == {"sent"}
    assert {r.provider for r in deliveries_for_event(db, second)} == {"smpp2"}
    # Nothing lost, nothing twice: 40 numbers, each once per event, across both SMSCs.
    sent = Counter(m["destination"] for m in primary.messages() + secondary.messages())
    assert len(sent) == 40 and set(sent.values()) == {2}
    assert len(primary.messages()) == 10


def test_a_primary_that_turns_slow_and_recovers_gets_traffic_back_after_its_cooldown(
    sqlite_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 20)
    primary = smpp_server_factory(receipts=False)
    secondary = smpp_server_factory(receipts=False)
    cooldown = 0.5
    notifier = settings_for(tmp_path, primary, secondary, provider_cooldown_seconds=cooldown)
    providers = build_providers(notifier)
    events = []
    try:
        for delay in (0.0, SLOW_ANSWER, 0.0):
            primary.config.response_delay = delay  # the SMSC turns slow, then quick again
            if delay == 0.0 and events:
                time.sleep(cooldown + 0.1)  # the cool-down is a span of time, not an event
            events.append(last_event(db, publish_outage(db, addresses)))
            process_event(db, notifier, events[-1], providers)
    finally:
        providers.close()

    def split(event_id: int) -> Counter[str]:
        return Counter(r.provider for r in deliveries_for_event(db, event_id))

    assert split(events[0]) == {"smpp": 20}  # quick: all through the primary
    assert split(events[1]) == {"smpp": 10, "smpp2": 10}  # a slow batch, then failover
    assert split(events[2]) == {"smpp": 20}  # back to the primary after the cool-down
    sent = Counter(m["destination"] for m in primary.messages() + secondary.messages())
    assert len(sent) == 20 and set(sent.values()) == {3}
