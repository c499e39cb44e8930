"""The pipeline end to end against real servers: SMPP (tests/notifier/smpp_server.py),
SMTP (aiosmtpd), PostgreSQL+PostGIS and SQLite. Policies, retries, failover, receipts,
opt-outs, exactly-once under reruns and racing workers. The kill -9 crash test is in
tests/reliability/test_worker_killed.py."""

from __future__ import annotations

import email
import email.policy
import logging
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import NotifySettings, Settings
from gis_outage.model import DeliveryStatus
from gis_outage.services.notification import (
    close_if_done,
    plan_event,
    queue_work,
    retry_policy,
    schedule_reminders,
)
from gis_outage.storage.claims import (
    Finished,
    claim_deliveries,
    finish_deliveries,
    next_attempt_at,
)
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.outages import (
    change_status,
    get_event,
    update_outage,
)
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.schema import opt_outs
from notifier.channels.demo import DemoProvider, recent_messages
from notifier.channels.smpp import SmppClient, SmppConfig
from notifier.pipeline import process_event
from notifier.providers import ProviderChain, Providers, SmppProvider, build_providers
from notifier.receipts import ReceiptSink, opt_out_handler
from notifier.worker import EmbeddedWorker, start_embedded_worker
from tests.settings import notifier_settings

from .conftest import free_port
from .outage_data import (
    ACTOR,
    add_addresses,
    add_directory,
    add_subscription,
    landline,
    last_event,
    mobile,
    numbers_at,
    publish_outage,
    wait_until,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
ESME_RTHROTTLED, ESME_RINVDSTADR = 0x58, 0x0B


def demo_providers(tmp_path: Path) -> Providers:
    return Providers.single(DemoProvider(tmp_path))


def statuses(db: Engine, event_id: int) -> Counter[str]:
    return Counter(d.status for d in deliveries_for_event(db, event_id))



# -- end to end: embedded worker ------------------------------------------------------


def test_publishing_sends_sms_email_and_voice_once_through_the_embedded_worker(
    db_engine: Engine, tmp_path: Path, smpp_server: Any, smtp_server: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db = db_engine
    controller, recorder = smtp_server
    add_addresses(db, ["A1", "A2", "A3"])
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": mobile(2), "address_id": "A2", "number_type": "mobile"},
        {"phone": landline(3), "address_id": "A2"},
        {"phone": mobile(9), "address_id": "A3"},  # replaced: the house's contact registered
    ])
    add_subscription(db, "A3", phone=mobile(4), email="resident@example.fi", language="en")
    notifier = notifier_settings(
        tmp_path, sms_providers="smpp", email_providers="smtp", voice_providers="demo",
        smpp_port=smpp_server.port, smtp_port=controller.port,
        public_url="https://kartta.example.fi", unsubscribe_url="https://example.fi/pois",
        subscription_replaces_directory="facility",
    )
    worker = start_embedded_worker(notifier, db)
    try:
        outage_id = publish_outage(db, ["A1", "A2", "A3"])
        worker.wake()
        assert smpp_server.wait_for(lambda s: len(s.received) >= 3, 10)
        wait_until(lambda: recorder.messages and recent_messages(5, tmp_path))
        wait_until(lambda: not pending_outbox(db))
        event_id = last_event(db, outage_id)
        # Run again by hand: everything is recorded, nothing goes out twice.
        again = process_event(db, notifier, event_id, worker.providers)
        assert (again.inserted, again.sent, again.pending) == (0, 0, 0)
        # The SMSC's delivery receipts reach the deliveries.
        wait_until(lambda: statuses(db, event_id)["delivered"] == 3)

        # An opt-out by SMS keyword stops the next message to that number.
        smpp_server.send_mo(mobile(1), "Notice", "lopeta")
        wait_until(lambda: _opted_out(db) == {mobile(1)})
        change_status(db, outage_id, "resolved", ACTOR)
        worker.wake()
        resolved = last_event(db, outage_id)
        wait_until(lambda: sum(statuses(db, resolved).values()) == 4 and not pending_outbox(db))
    finally:
        worker.stop()

    messages = smpp_server.messages()
    by_destination = Counter(m["destination"] for m in messages)
    published_to = {mobile(1), mobile(2), mobile(4)}
    resolved_to = {mobile(2), mobile(4)}
    assert by_destination == Counter(
        [n.lstrip("+") for n in published_to] + [n.lstrip("+") for n in resolved_to]
    )
    english = [m["text"] for m in messages if m["destination"] == mobile(4).lstrip("+")]
    assert english[0].startswith("Testivesi: Water outage")
    assert "https://kartta.example.fi/?outage=" in english[0]
    finnish = [m["text"] for m in messages if m["destination"] == mobile(2).lstrip("+")]
    assert "Vesijohtovuoto" in finnish[0]  # the outage's own cause text, in Finnish

    assert len(recorder.messages) == 2  # published + resolved, to the verified e-mail
    envelope = recorder.messages[0]
    assert envelope.rcpt_tos == ["resident@example.fi"]
    mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert mail["List-Unsubscribe"] == "<https://example.fi/pois>"
    assert mail["Subject"].startswith("Water outage")

    voice = [m for m in recent_messages(10, tmp_path) if m["channel"] == "voice"]
    assert len(voice) == 2 and voice[-1]["language"] == "fi"
    assert "vesikatko" in voice[-1]["text"].lower()

    # Nothing personal in any log line of ours in the whole run.
    ours = [r for r in caplog.records if r.name != "mail.log"]  # not the test SMTP server
    logged = "\n".join(r.getMessage() for r in ours)
    assert "gis_outage.services.notification" in {r.name for r in caplog.records}
    for secret in (mobile(1), mobile(2), mobile(4), landline(3), "resident@example.fi"):
        assert secret not in logged and secret.lstrip("+")[3:] not in logged


def _opted_out(db: Engine) -> set[str]:
    with db.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(opt_outs.c.destination))}


def test_the_demo_provider_keeps_what_residents_would_receive(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    db = sqlite_engine
    add_addresses(db, ["A1", "A2"])
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": landline(2), "address_id": "A2"},
    ])
    add_subscription(db, "A2", email="asukas@example.fi", language="sv", phone=None)
    worker = start_embedded_worker(notifier_settings(tmp_path), db)
    try:
        publish_outage(db, ["A1", "A2"])
        worker.wake()
        wait_until(lambda: len(recent_messages(10, tmp_path)) == 3)
    finally:
        worker.stop()
    messages = recent_messages(10, tmp_path)
    assert {m["channel"] for m in messages} == {"sms", "email", "voice"}
    email = next(m for m in messages if m["channel"] == "email")
    assert email["language"] == "sv" and email["subject"] and email["to"] == "a•••@example.fi"
    sms = next(m for m in messages if m["channel"] == "sms")
    assert sms["to"] != mobile(1) and sms["to"].endswith(mobile(1)[-2:])
    assert sms["sms"]["fragments"] >= 1
    assert recent_messages(1, tmp_path) == messages[:1]  # newest first


# -- exactly once --------------------------------------------------------------------


def _smpp_providers(port: int, name: str) -> Providers:
    client = SmppClient(SmppConfig("127.0.0.1", port, "test", name=name, window=20))
    return Providers({"sms": ProviderChain("sms", [SmppProvider(client)])})


def test_racing_workers_and_reruns_send_each_message_once(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    addresses = numbers_at(db, 300)
    # A lease this short makes the second worker take the event over while the first
    # is still sending it: both work on the same event at once.
    notifier = notifier_settings(tmp_path, outbox_lease_seconds=0.01, batch_size=20)
    workers = [
        EmbeddedWorker(db, notifier, _smpp_providers(smpp_server.port, f"smpp-{n}"),
                       periodic=False, name=f"w{n}")
        for n in "ab"
    ]
    outage_id = publish_outage(db, addresses)
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: not pending_outbox(db), timeout=30)
    finally:
        for worker in workers:
            worker.stop()
    event_id = last_event(db, outage_id)
    # And twice more by hand, concurrently.
    runs = [_smpp_providers(smpp_server.port, name) for name in ("smpp-c", "smpp-d")]
    threads = [
        threading.Thread(target=process_event, args=(db, notifier, event_id, p))
        for p in runs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in runs:
        p.close()

    counts = Counter(m["destination"] for m in smpp_server.messages())
    assert len(counts) == 300
    assert set(counts.values()) == {1}
    rows = deliveries_for_event(db, event_id)
    assert len(rows) == 300 and {r.status for r in rows} <= {"sent", "delivered"}
    split = Counter(r.provider for r in rows)
    assert set(split) <= {"smpp-a", "smpp-b"}
    print(f"\nracing workers: {dict(split)}")


def test_a_large_event_is_queued_a_slice_of_addresses_at_a_time_and_each_number_once(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    addresses = numbers_at(db, 40, per_address=2)  # 20 addresses
    # One number listed at the first and the last address: two slices apart.
    add_directory(db, [{"phone": mobile(0), "address_id": addresses[-1],
                        "number_type": "mobile"}], source="operator-other")
    notifier = notifier_settings(tmp_path)
    event_id = last_event(db, publish_outage(db, addresses))
    plan = plan_event(db, notifier, event_id)
    assert plan.recipients == 0  # deciding resolves nobody yet
    work = queue_work(db, plan, address_slice=4, chunk=3)
    first = next(work)
    # The first delivery is queued (committed) and out before the other slices resolve.
    assert plan.recipients <= 8
    assert [r.id for r in deliveries_for_event(db, event_id)][0] == first.delivery_id
    items = [first, *work]
    assert len(items) == len({i.delivery_id for i in items}) == 40
    # The shared number is resolved in two slices and queued once.
    assert plan.recipients == 41
    assert plan.inserted == 40
    rows = deliveries_for_event(db, event_id)
    assert len(rows) == len({r.destination for r in rows}) == 40


def test_a_rerun_takes_up_tried_rows_and_leaves_rows_held_by_a_broker_to_their_tasks(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    addresses = numbers_at(db, 20)
    notifier = notifier_settings(tmp_path, delivery_lease_seconds=0.01)
    event_id = last_event(db, publish_outage(db, addresses))
    first = list(queue_work(db, plan_event(db, notifier, event_id)))
    assert len(first) == 20
    # Five were tried (claimed; the worker died), one number opted out since.
    tried = {r.id for r in claim_deliveries(db, event_id, retry_policy(notifier), limit=5)}
    assert len(tried) == 5
    untried = sorted({i.delivery_id for i in first} - tried)
    by_id = {r.id: r.destination for r in deliveries_for_event(db, event_id)}
    add_opt_out(db, by_id[untried[0]], "sms")

    # Under Celery (a grace): the never-tried rows are on their way through the broker
    # and left to their tasks; the tried ones are taken up again, none queued twice.
    plan = plan_event(db, notifier, event_id)
    again = list(queue_work(db, plan, fresh_grace=timedelta(minutes=10)))
    assert {i.delivery_id for i in again} == tried
    assert plan.inserted == 0 and plan.recipients == 19
    assert statuses(db, event_id)["permanent-failure"] == 0

    # Without a grace (the embedded worker's rerun): every open row is looked at, and
    # the never-tried row of the number that opted out is dropped, not sent.
    plan = plan_event(db, notifier, event_id)
    third = list(queue_work(db, plan))
    assert {i.delivery_id for i in third} == set(untried[1:]) | tried
    rows = {r.id: r for r in deliveries_for_event(db, event_id)}
    assert rows[untried[0]].status == "permanent-failure"
    assert len(rows) == 20


def test_a_batch_closes_its_event_only_once_no_delivery_is_left_open(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    notifier = notifier_settings(tmp_path)
    event_id = last_event(db, publish_outage(db, numbers_at(db, 20)))
    (row,) = [r for r in pending_outbox(db) if r.event_id == event_id]
    ids = sorted(i.delivery_id for i in queue_work(db, plan_event(db, notifier, event_id)))
    done = DeliveryStatus.PERMANENT_FAILURE.value

    def still_open() -> bool:
        return any(r.event_id == event_id for r in pending_outbox(db))

    # The first batch is done and later ones are still open: not closed.
    finish_deliveries(db, [Finished(i, done) for i in ids[:10]])
    assert not close_if_done(db, notifier, row.id, event_id, after=ids[9])
    assert not close_if_done(db, notifier, row.id, event_id)
    # The last batch is done first while an earlier row is still open: not closed.
    finish_deliveries(db, [Finished(i, done) for i in ids[11:]])
    assert not close_if_done(db, notifier, row.id, event_id, after=ids[-1])
    assert still_open()
    # The batch of that row finishes last and closes the event.
    finish_deliveries(db, [Finished(ids[10], done)])
    assert close_if_done(db, notifier, row.id, event_id, after=ids[10])
    assert not still_open()


def test_never_tried_rows_held_by_a_broker_bring_their_event_back_only_after_the_grace(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    notifier = notifier_settings(tmp_path)
    event_id = last_event(db, publish_outage(db, numbers_at(db, 5)))
    list(queue_work(db, plan_event(db, notifier, event_id)))
    policy = retry_policy(notifier)
    pending, at = next_attempt_at(db, event_id, policy)
    held_pending, held_at = next_attempt_at(db, event_id, policy, held_for=timedelta(minutes=10))
    assert pending == held_pending == 5
    assert at is not None and held_at is not None
    assert held_at - at == timedelta(minutes=10)


def test_a_claimed_but_unrecorded_send_is_retried_after_its_lease_and_sent_rows_never(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    addresses = numbers_at(db, 20)
    # The lease must outlast the first run even on a loaded machine.
    notifier = notifier_settings(tmp_path, delivery_lease_seconds=4.0)
    event_id = last_event(db, publish_outage(db, addresses))
    list(queue_work(db, plan_event(db, notifier, event_id)))
    # A worker claims five rows and dies before sending or recording them.
    dead = claim_deliveries(db, event_id, retry_policy(notifier), limit=5)
    assert len(dead) == 5

    first = process_event(db, notifier, event_id, demo_providers(tmp_path))
    assert (first.sent, first.pending) == (15, 5)
    assert first.next_attempt_at is not None and first.next_attempt_at > datetime.now(UTC)
    time.sleep(max(0.0, (first.next_attempt_at - datetime.now(UTC)).total_seconds()) + 0.1)
    second = process_event(db, notifier, event_id, demo_providers(tmp_path))
    assert (second.sent, second.pending, second.done) == (5, 0, True)
    kept = recent_messages(100, tmp_path)
    assert len(kept) == 20 and len({m["delivery_id"] for m in kept}) == 20
    rows = {r.id: r for r in deliveries_for_event(db, event_id)}
    assert all(rows[r.id].attempts == 2 for r in dead)


def test_calls_are_claimed_only_as_many_as_are_placed_at_once(
    db_engine: Engine, tmp_path: Path
) -> None:
    """A call lasts minutes: a claim of 500 would hold the last calls past their lease."""

    class CountingBatches(DemoProvider):
        def __init__(self, data_dir: Path) -> None:
            super().__init__(data_dir)
            self.batches: list[int] = []

        def send_batch(self, items, on_result=None):  # type: ignore[no-untyped-def]
            self.batches.append(len(items))
            return super().send_batch(items, on_result)

    db = db_engine
    add_addresses(db, ["A1"])
    add_directory(db, [{"phone": landline(n), "address_id": "A1"} for n in range(5)])
    provider = CountingBatches(tmp_path)
    providers = Providers({"voice": ProviderChain("voice", [provider])})
    event_id = last_event(db, publish_outage(db, ["A1"]))
    stats = process_event(db, notifier_settings(tmp_path, sip_max_calls=2), event_id, providers)
    assert (stats.sent, stats.done) == (5, True)
    assert provider.batches == [2, 2, 1]


def test_a_throttled_smpp_bind_gets_batches_it_sends_within_a_quarter_lease() -> None:
    """At 2 SMS/s a batch of 500 would take 250 s, past a 120 s lease; and the next batch
    is claimed while one goes out, so two of them must fit in half of it."""
    throttled = NotifySettings(smpp_max_per_second=2, delivery_lease_seconds=120)
    assert throttled.batch_for("sms") == 60
    assert throttled.batch_for("email") == throttled.batch_size == 500
    assert NotifySettings(smpp_max_per_second=0.001).batch_for("sms") == 1
    assert NotifySettings(smpp_max_per_second=1000).batch_for("sms") == 500


# -- retries, failover, permanent failures ---------------------------------------------


def test_failover_to_the_secondary_provider_when_the_primary_refuses(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    addresses = numbers_at(db, 10)
    primary = smpp_server_factory(reject_status=ESME_RTHROTTLED)
    secondary = smpp_server_factory()
    notifier = notifier_settings(tmp_path,
        sms_providers="smpp,smpp2", smpp_port=primary.port,
        smpp2_host="127.0.0.1", smpp2_port=secondary.port,
    )
    providers = build_providers(notifier)
    try:
        event_id = last_event(db, publish_outage(db, addresses))
        report = process_event(db, notifier, event_id, providers)
        assert (report.sent, report.pending) == (10, 0)
        # The refusing primary is now tried last; a second event goes straight through.
        primary_submits = primary.submits
        event2 = last_event(db, publish_outage(db, addresses))
        process_event(db, notifier, event2, providers)
    finally:
        providers.close()
    # Each part was offered again on the bind after a back-off before failing over (an
    # evening fault's text names the day it ends on and may take two parts).
    messages = secondary.messages()
    assert len(messages) == 20
    parts = {m["parts"] for m in messages[:10]}
    assert len(parts) == 1
    assert primary.rejected == 10 * parts.pop() * (1 + SmppConfig.throttle_retries)
    assert not primary.received
    assert primary.submits == primary_submits
    assert {d.provider for d in deliveries_for_event(db, event_id)} == {"smpp2"}


def test_failover_when_the_primary_is_down(
    sqlite_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 5)
    notifier = notifier_settings(tmp_path,
        sms_providers="smpp,smpp2", smpp_port=free_port(),  # nothing listens there
        smpp2_host="127.0.0.1", smpp2_port=smpp_server.port,
    )
    providers = build_providers(notifier)
    try:
        event_id = last_event(db, publish_outage(db, addresses))
        report = process_event(db, notifier, event_id, providers)
    finally:
        providers.close()
    assert report.sent == 5 and len(smpp_server.messages()) == 5


def test_temporary_failures_are_retried_with_backoff_until_the_limit(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    addresses = numbers_at(db, 5)
    port = free_port()
    # A backoff long enough that the second run surely falls within it on a loaded machine.
    notifier = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=port, max_attempts=3,
                                 retry_backoff_seconds=4.0)
    event_id = last_event(db, publish_outage(db, addresses))
    providers = build_providers(notifier)
    try:
        down = process_event(db, notifier, event_id, providers)
        assert (down.sent, down.retrying, down.pending, down.done) == (0, 5, 5, False)
        assert statuses(db, event_id) == {"temporary-failure": 5}
        # Within the backoff nothing is tried again.
        early = process_event(db, notifier, event_id, providers)
        assert (early.sent, early.retrying) == (0, 0)
        server = smpp_server_factory(port=port)  # the provider is back
        assert down.next_attempt_at is not None
        time.sleep(max(0.0, (down.next_attempt_at - datetime.now(UTC)).total_seconds()) + 0.1)
        up = process_event(db, notifier, event_id, providers)
        assert (up.sent, up.pending, up.done) == (5, 0, True)
    finally:
        providers.close()
    assert len(server.messages()) == 5
    assert {d.attempts for d in deliveries_for_event(db, event_id)} == {2}

    # A provider that stays down: after max_attempts the deliveries are given up.
    event2 = last_event(db, publish_outage(db, addresses))
    dead = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=free_port(), max_attempts=2,
                             retry_backoff_seconds=0.1)
    providers = build_providers(dead)
    try:
        process_event(db, dead, event2, providers)
        time.sleep(0.2)
        last = process_event(db, dead, event2, providers)
    finally:
        providers.close()
    assert last.done and statuses(db, event2) == {"technical-failure": 5}


def test_a_permanent_failure_is_final_and_not_failed_over(
    sqlite_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 3)
    primary = smpp_server_factory(reject_destinations={mobile(0).lstrip("+"): ESME_RINVDSTADR})
    secondary = smpp_server_factory()
    notifier = notifier_settings(tmp_path, sms_providers="smpp,smpp2", smpp_port=primary.port,
                                 smpp2_host="127.0.0.1", smpp2_port=secondary.port)
    providers = build_providers(notifier)
    try:
        event_id = last_event(db, publish_outage(db, addresses))
        report = process_event(db, notifier, event_id, providers)
    finally:
        providers.close()
    assert (report.sent, report.failed, report.done) == (2, 1, True)
    assert statuses(db, event_id) == {"sent": 2, "permanent-failure": 1}
    assert not secondary.received


# -- policies ----------------------------------------------------------------------------


def _run(db: Engine, event_id: int, tmp_path: Path, notifier: Settings, now=None):
    return process_event(db, notifier, event_id, demo_providers(tmp_path), now=now)


def test_short_electricity_outages_are_not_messaged(sqlite_engine: Engine, tmp_path: Path):
    db = sqlite_engine
    addresses = numbers_at(db, 5)
    notifier = notifier_settings(tmp_path, electricity_min_minutes=3)
    now = datetime.now(UTC)
    short = publish_outage(db, addresses, service="electricity", starts_at=now,
                           duration=timedelta(minutes=2))
    report = _run(db, last_event(db, short), tmp_path, notifier)
    assert report.decision.action == "skip" and report.done
    change_status(db, short, "resolved", ACTOR, at=now + timedelta(minutes=1))
    assert _run(db, last_event(db, short), tmp_path, notifier).decision.action == "skip"

    # Unknown length: held for the minimum, dropped when it is over by then.
    held = publish_outage(db, addresses, service="electricity", duration=None,
                          starts_at=now - timedelta(minutes=1))
    published = last_event(db, held)
    report = _run(db, published, tmp_path, notifier, now=now)
    assert report.decision.action == "defer" and report.decision.not_before is not None
    assert report.decision.not_before - (now + timedelta(minutes=2)) < timedelta(seconds=2)
    change_status(db, held, "resolved", ACTOR, at=now + timedelta(seconds=30))
    later = now + timedelta(minutes=3)
    assert _run(db, published, tmp_path, notifier, now=later).decision.action == "skip"
    assert _run(db, last_event(db, held), tmp_path, notifier, now=later).decision.action == "skip"

    long = publish_outage(db, addresses, service="electricity", duration=timedelta(hours=2))
    assert _run(db, last_event(db, long), tmp_path, notifier).sent == 5
    assert recent_messages(100, tmp_path) and len(recent_messages(100, tmp_path)) == 5


def test_restoration_time_changes_are_messaged_only_when_they_move_enough(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 5)
    notifier = notifier_settings(tmp_path, restoration_change_min_minutes=30)
    outage_id = publish_outage(db, addresses)
    assert _run(db, last_event(db, outage_id), tmp_path, notifier).sent == 5
    told_end = get_event(db, last_event(db, outage_id)).estimated_end_at
    assert told_end is not None

    def move(minutes: int):
        update_outage(db, outage_id, ACTOR, estimated_end_at=told_end + timedelta(minutes=minutes))
        return _run(db, last_event(db, outage_id), tmp_path, notifier)

    assert move(20).decision.action == "skip"  # 20 min from what residents were told
    report = move(40)  # 40 min: told
    assert report.decision.action == "send" and report.sent == 5
    assert report.decision.previous_ends_at == told_end
    assert move(50).decision.action == "skip"  # 10 min from the last told estimate
    update_outage(db, outage_id, ACTOR, cause="fault")  # not a restoration time
    assert _run(db, last_event(db, outage_id), tmp_path, notifier).decision.action == "skip"
    change_status(db, outage_id, "resolved", ACTOR)
    all_clear = _run(db, last_event(db, outage_id), tmp_path, notifier)
    assert all_clear.decision.kind == "resolved" and all_clear.sent == 5


def test_a_cancelled_draft_is_not_messaged_and_a_cancelled_notice_is(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 2)
    notifier = notifier_settings(tmp_path)
    draft = publish_outage(db, addresses, publish=False)
    change_status(db, draft, "cancelled", ACTOR)
    assert _run(db, last_event(db, draft), tmp_path, notifier).decision.action == "skip"
    starts = datetime.now(UTC) + timedelta(days=2)
    planned = publish_outage(db, addresses, kind="planned", starts_at=starts)
    assert _run(db, last_event(db, planned), tmp_path, notifier).sent == 2
    change_status(db, planned, "cancelled", ACTOR)
    report = _run(db, last_event(db, planned), tmp_path, notifier)
    assert report.decision.kind == "cancelled" and report.sent == 2


def test_planned_notices_wait_for_the_end_of_quiet_hours(sqlite_engine: Engine, tmp_path: Path):
    db = sqlite_engine
    addresses = numbers_at(db, 3)
    notifier = notifier_settings(tmp_path, quiet_hours_start="21:00", quiet_hours_end="08:00")
    today = datetime.now(HELSINKI).date()
    starts = datetime.combine(today + timedelta(days=2), datetime.min.time(), HELSINKI).replace(
        hour=9)
    planned = publish_outage(db, addresses, kind="planned", starts_at=starts)
    event_id = last_event(db, planned)
    night = datetime.combine(today, datetime.min.time(), HELSINKI).replace(hour=23, minute=30)
    report = _run(db, event_id, tmp_path, notifier, now=night)
    morning = datetime.combine(today + timedelta(days=1), datetime.min.time(), HELSINKI).replace(
        hour=8)
    assert report.decision.action == "defer" and report.decision.not_before == morning
    assert not deliveries_for_event(db, event_id)  # deferred, not dropped: nothing yet
    assert _run(db, event_id, tmp_path, notifier, now=morning).sent == 3

    # An unplanned outage is urgent: sent in the night.
    unplanned = publish_outage(db, addresses)
    assert _run(db, last_event(db, unplanned), tmp_path, notifier, now=night).sent == 3

    # Works that start before the quiet hours end are announced at once.
    early = publish_outage(db, addresses, kind="planned", starts_at=morning - timedelta(hours=1))
    assert _run(db, last_event(db, early), tmp_path, notifier, now=night).sent == 3


def test_planned_works_are_announced_at_most_n_days_ahead(sqlite_engine: Engine, tmp_path: Path):
    db = sqlite_engine
    addresses = numbers_at(db, 2)
    notifier = notifier_settings(tmp_path, planned_notice_days=7, reminder_hour=10)
    starts = datetime.now(UTC) + timedelta(days=20)
    event_id = last_event(db, publish_outage(db, addresses, kind="planned", starts_at=starts))
    report = _run(db, event_id, tmp_path, notifier)
    expected = (starts - timedelta(days=7)).astimezone(HELSINKI).replace(
        hour=10, minute=0, second=0, microsecond=0)
    assert report.decision.action == "defer"
    assert report.look_again_at(notifier, datetime.now(UTC)) == expected


def test_day_before_reminders_are_written_once(sqlite_engine: Engine, tmp_path: Path) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 2)
    starts = datetime.now(UTC) + timedelta(days=3)
    outage_id = publish_outage(db, addresses, kind="planned", starts_at=starts)
    day_before = (starts - timedelta(days=1)).astimezone(HELSINKI)
    at_nine = day_before.replace(hour=9, minute=0)
    at_noon = day_before.replace(hour=12, minute=0)
    settings = notifier_settings(tmp_path, timezone="Europe/Helsinki", reminder_hour=10)
    assert schedule_reminders(db, settings, now=at_nine) == []  # before the reminder hour
    written = schedule_reminders(db, settings, now=at_noon)
    assert len(written) == 1 and schedule_reminders(db, settings, now=at_noon) == []
    assert get_event(db, written[0]).kind == "reminder"
    report = _run(db, written[0], tmp_path, notifier_settings(tmp_path), now=at_noon)
    assert report.decision.kind == "reminder" and report.sent == 2
    # Works published the day before get no reminder.
    late = publish_outage(db, addresses, kind="planned", starts_at=datetime.now(UTC)
                          + timedelta(days=1))
    today_noon = datetime.now(HELSINKI).replace(hour=12)
    assert outage_id != late
    assert schedule_reminders(db, settings, now=today_noon) == []


def test_receipts_that_arrive_before_the_send_is_recorded_are_kept(
    sqlite_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = sqlite_engine
    addresses = numbers_at(db, 30)
    sink = ReceiptSink(db)
    notifier = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=smpp_server.port)
    providers = build_providers(notifier, on_receipt=sink,
                                on_inbound=opt_out_handler(db, "FI"))
    try:
        event_id = last_event(db, publish_outage(db, addresses))
        process_event(db, notifier, event_id, providers)
        wait_until(lambda: sink.retry() == 0 and statuses(db, event_id)["delivered"] == 30)
    finally:
        providers.close()
    assert sink.dropped == 0


def test_nothing_more_is_submitted_while_sends_cannot_be_recorded(
    sqlite_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    """The embedded default's SQLite held by another writer (a backup, a migration): the
    sender stops with at most one window submitted and unrecorded, and goes on once it
    can record, each number once."""
    db, window = sqlite_engine, 10
    event_id = last_event(db, publish_outage(db, numbers_at(db, 300)))
    notifier = notifier_settings(tmp_path, smpp_window=window)
    client = SmppClient(SmppConfig("127.0.0.1", smpp_server.port, "test", name="smpp",
                                   window=window, max_per_second=200))
    providers = Providers({"sms": ProviderChain("sms", [SmppProvider(client)])})
    sending = threading.Thread(target=process_event, args=(db, notifier, event_id, providers))
    sending.start()
    writer = sqlite3.connect(db.url.database, isolation_level=None)
    try:
        wait_until(lambda: len(smpp_server.received) >= 50)
        writer.execute("BEGIN IMMEDIATE")  # the write lock, until the rollback below
        recorded = statuses(db, event_id)["sent"]  # readers still read (WAL)
        settled = {"count": -1, "since": time.monotonic()}

        def stopped() -> bool:
            if len(smpp_server.received) != settled["count"]:
                settled.update(count=len(smpp_server.received), since=time.monotonic())
            return time.monotonic() - settled["since"] > 0.5

        wait_until(stopped)
        at_smsc = len(smpp_server.messages())
        assert statuses(db, event_id)["sent"] == recorded  # nothing could be written
    finally:
        writer.rollback()
        writer.close()
        sending.join(60)
        providers.close()
    assert 0 < at_smsc - recorded <= window
    assert at_smsc < 300  # stopped midway
    counts = Counter(m["destination"] for m in smpp_server.messages())
    assert len(counts) == 300 and set(counts.values()) == {1}
    assert statuses(db, event_id)["sent"] == 300
