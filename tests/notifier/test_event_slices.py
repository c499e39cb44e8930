"""A large event is read and resolved a slice of its addresses at a time: the header that
deciding and rendering need is read without the trace's lists of ids, the addresses come
from the database a slice at a time, and under Celery each slice is a task of its own.
Every number gets one message however the event is cut, by either worker, and a Celery
worker killed in the middle of the slices loses nothing and repeats nothing."""

from __future__ import annotations

import socket
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import load_settings
from gis_outage.services import notification
from gis_outage.storage.deliveries import deliveries_for_event
from gis_outage.storage.events import EVENT_LISTS, event_header, event_ids
from gis_outage.storage.outages import change_status, get_event
from gis_outage.storage.outbox import (
    claim_outbox,
    event_outbox_done,
    get_outbox_row,
    mark_processed,
)
from gis_outage.storage.schema import deliveries, utcnow
from notifier.providers import build_providers
from notifier.worker import EmbeddedWorker

from .celery_processes import CeleryWorkers
from .outage_data import add_directory, last_event, mobile, numbers_at, publish_outage, wait_until

SLICE = 3  # addresses per slice: 40 addresses make 14 slices
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def test_an_event_is_read_without_its_lists_and_its_addresses_a_slice_at_a_time(
    db_engine: Engine,
) -> None:
    db = db_engine
    addresses = [f"S{i:03d}" for i in range(25)]
    outage_id = publish_outage(db, addresses, streets=("Aleksanterinkatu", "Unioninkatu"))
    event_id = last_event(db, outage_id)
    whole = get_event(db, event_id)
    header = event_header(db, event_id)
    assert "addresses" not in dict(header.affected)
    assert header.streets == ["Aleksanterinkatu", "Unioninkatu"]
    assert whole.affected["addresses"] == addresses
    # Apart from the lists, the header is the event.
    affected = {k: v for k, v in whole.affected.items() if k not in EVENT_LISTS}
    snapshot = {**whole.snapshot, "affected": affected}
    assert header == replace(whole, payload={**whole.payload, "outage": snapshot})
    assert event_ids(db, event_id, "addresses", 0, 10) == addresses[:10]
    assert event_ids(db, event_id, "addresses", 20, 10) == addresses[20:]
    assert event_ids(db, event_id, "addresses", 25, 10) == []
    assert event_ids(db, event_id, "still_cut_off", 0, 10) == []  # not in this event
    with pytest.raises(ValueError, match="not one of an event's lists"):
        event_ids(db, event_id, "streets", 0, 10)


def _event_with_shared_number(db: Engine) -> tuple[int, set[str]]:
    """40 addresses with 3 numbers each, and one number listed at the first and the
    last address (slices apart); the event and the numbers (without '+')."""
    addresses = numbers_at(db, 120, per_address=3)
    add_directory(
        db,
        [{"phone": mobile(0), "address_id": addresses[-1], "number_type": "mobile"}],
        source="operator-other",
    )
    event_id = last_event(db, publish_outage(db, addresses))
    return event_id, {mobile(i).lstrip("+") for i in range(120)}


def _each_once(db: Engine, event_id: int, server: Any, numbers: set[str]) -> None:
    received = Counter(m["destination"] for m in server.messages())
    assert set(received) == numbers
    assert set(received.values()) == {1}
    rows = deliveries_for_event(db, event_id)
    assert len(rows) == len({r.destination for r in rows}) == len(numbers)


class _Handed:
    """A sliced dispatch that keeps what it is handed: one slice per run."""

    fresh_grace = None
    slices_per_run = 1

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.follow_ups: list[int] = []
        self.claims: list[int | None] = []  # the claim each follow-up carries

    def in_flight(self) -> tuple[int, ...]:
        return ()

    def __call__(self, outbox_id: int | None, plan: Any, channel: str, items: list) -> None:
        self.items.extend(items)

    def follow_up(self, outbox_id: int | None, plan: Any, start: int) -> None:
        self.follow_ups.append(start)
        self.claims.append(plan.claim)


class _Watching(_Handed):
    """_Handed, noting how long the event's outbox row is held as each batch comes."""

    def __init__(self, db: Engine) -> None:
        super().__init__()
        self.db = db
        self.held: list[Any] = []

    def __call__(self, outbox_id: int | None, plan: Any, channel: str, items: list) -> None:
        if outbox_id is not None:
            self.held.append(get_outbox_row(self.db, outbox_id).claimed_until)
        super().__call__(outbox_id, plan, channel, items)


def test_a_cancel_between_slices_stops_the_rest_of_the_notice(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    settings = load_settings(data_dir=tmp_path, notify={
        "address_slice": SLICE, "quiet_hours_start": None, "quiet_hours_end": None})
    addresses = numbers_at(db, 40, per_address=1)
    outage_id = publish_outage(db, addresses)
    event_id = last_event(db, outage_id)
    dispatch = _Handed()
    first = notification.notify_event(db, settings, event_id, dispatch)
    assert first.decision.action == "send" and dispatch.follow_ups
    queued = len(dispatch.items)
    assert 0 < queued < 40
    change_status(db, outage_id, "cancelled", "engineer")
    rest = notification.continue_event(db, settings, None, event_id, first.decision,
                                       dispatch.follow_ups[-1], dispatch)
    assert rest.decision.action == "skip" and "cancelled" in rest.decision.reason
    assert len(dispatch.items) == queued  # nothing more resolved or handed over
    assert len(deliveries_for_event(db, event_id)) == queued
    assert len(dispatch.follow_ups) == 1


def test_a_slice_handed_out_again_drops_out_and_a_lost_one_is_taken_over_where_it_was(
    db_engine: Engine, tmp_path: Path
) -> None:
    db = db_engine
    settings = load_settings(data_dir=tmp_path, notify={
        "address_slice": SLICE, "quiet_hours_start": None, "quiet_hours_end": None,
        "resolve_hold_seconds": 60})
    addresses = numbers_at(db, 12, per_address=1)  # 12 addresses: 4 slices of 3
    event_id = last_event(db, publish_outage(db, addresses))
    dispatch = _Handed()
    now = utcnow()
    [row] = claim_outbox(db, now=now, lease=settings.notify.outbox_lease)
    first = notification.handle_outbox_row(db, settings, row, dispatch)
    assert first is not None and dispatch.follow_ups == [1]  # a tenth of 12: one address
    # The first look holds the row for the lease (it may resolve a whole event).
    assert dispatch.claims == [1]
    second = notification.continue_event(db, settings, row.id, event_id, first.decision, 1,
                                          dispatch, claim=1)
    assert second.follow_up == 4 and len(dispatch.items) == 4

    # The slice from 1 handed out again (its worker died after handing on): dropped.
    again = notification.continue_event(db, settings, row.id, event_id, first.decision, 1,
                                         dispatch, claim=1)
    assert (again.decision.action, again.dispatched) == ("skip", 0)
    assert len(dispatch.items) == 4 and dispatch.follow_ups == [1, 4]
    held = get_outbox_row(db, row.id)
    assert held.resolving_from == 4 and held.processed_at is None

    # The slice from 4 is lost: the row is held for resolve_hold, not the outbox lease,
    # and the run that claims it then goes on from address 4, not from the first.
    assert held.claimed_until <= utcnow() + settings.notify.resolve_hold
    assert claim_outbox(db, now=utcnow()) == []
    [taken] = claim_outbox(db, now=held.claimed_until + timedelta(seconds=1))
    third = notification.handle_outbox_row(db, settings, taken, dispatch)
    assert third is not None and third.recipients == 3  # addresses 4, 5 and 6 only
    assert len(dispatch.items) == 7 and dispatch.follow_ups == [1, 4, 7]
    assert dispatch.claims == [1, 1, 2]  # the takeover's own claim goes on
    # The lost slice turns up after all, and its run hands on 7 as the takeover did: the
    # old claim's slice from 7 drops out, so the event is not resolved twice from here.
    late_chain = notification.continue_event(db, settings, row.id, event_id, first.decision,
                                             7, dispatch, claim=1)
    assert late_chain.decision.action == "skip" and len(dispatch.items) == 7
    for start in (7, 10):
        notification.continue_event(db, settings, row.id, event_id, first.decision, start,
                                    dispatch, claim=2)
    assert sorted(i.delivery_id for i in dispatch.items) == sorted(
        r.id for r in deliveries_for_event(db, event_id))
    assert len(dispatch.items) == 12 and dispatch.follow_ups == [1, 4, 7, 10]

    # A look again (every row still open: this dispatch sends nothing) resolves the
    # whole event in one run, minutes for a national one: it holds the row for the
    # lease while it runs, not for the hold of a slice.
    watching = _Watching(db)
    [look] = claim_outbox(db, now=utcnow() + timedelta(days=1))
    assert notification.handle_outbox_row(db, settings, look, watching) is not None
    assert watching.follow_ups == [] and len(watching.items) == 12
    assert min(watching.held) > utcnow() + settings.notify.resolve_hold * 2

    # Done, then a late copy of the last slice: the closed event stays closed.
    mark_processed(db, row.id)
    late = notification.continue_event(db, settings, row.id, event_id, first.decision, 10,
                                       dispatch, claim=2)
    assert late.decision.action == "skip" and len(dispatch.items) == 12
    assert get_outbox_row(db, row.id).processed_at is not None


def test_the_embedded_worker_sends_a_many_slice_event_once_to_each_number(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = postgis_db
    settings = load_settings(
        data_dir=tmp_path,
        notify={
            "sms_providers": "smpp",
            "smpp_port": smpp_server.port,
            "address_slice": SLICE,
            "batch_size": 20,
            "quiet_hours_start": None,
            "quiet_hours_end": None,
        },
    )
    worker = EmbeddedWorker(db, settings, build_providers(settings), periodic=False).start()
    try:
        event_id, numbers = _event_with_shared_number(db)
        worker.wake()
        assert worker.wait_done(event_id, timeout=120)
    finally:
        worker.stop()
    _each_once(db, event_id, smpp_server, numbers)
    [report] = [r for r in worker.reports if r.event_id == event_id]
    assert report.recipients == 121 and report.inserted == 120  # one run, every slice


def test_celery_resolves_a_many_slice_event_a_task_per_slice_once_to_each_number(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    workers = CeleryWorkers(
        db,
        "redis://127.0.0.1:6379/0",
        tmp_path,
        notify_sms_providers="smpp",
        notify_smpp_port=str(smpp_server.port),
        notify_address_slice=str(SLICE),
        notify_batch_size="20",
    )
    workers.start(loglevel="INFO")
    try:
        workers.wait_ready()
        event_id, numbers = _event_with_shared_number(db)
        workers.wait_until(lambda: event_outbox_done(db, event_id), timeout=120)
    finally:
        workers.stop()
    output = workers.output()
    _each_once(db, event_id, smpp_server, numbers)
    # The first look resolved the first slice (one address: a tenth of 3, at least one)
    # and each slice of 3 after it was a task of its own: 14 slices, 13 handed on, and
    # the last, full, hands on to a run that finds no more.
    handed_on = [
        line
        for line in output.splitlines()
        if f"event {event_id} from " in line and "the rest from" in line
    ]
    assert len(handed_on) == 14, output[-3000:]
    assert "+358" not in output


def _rabbitmq() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


def _waiting_on_directory(db: Engine) -> bool:
    """Whether a session waits for the lock on directory_entries (a slice's resolve)."""
    with db.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'directory_entries' AND NOT l.granted"
            ).scalar()
        )


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_a_celery_worker_killed_in_the_middle_of_the_slices_loses_nothing(
    postgis_db: Engine, tmp_path: Path, smpp_server: Any, broker: str
) -> None:
    """The worker is killed while a slice's task waits on the directory (locked here).
    RabbitMQ hands that task out again to the next worker, which does the slice again;
    Redis hands it out only after its visibility timeout (an hour), so the event's row,
    held for the resolve hold (3 s here, the outbox lease left at its 600 s), is claimed
    again and goes on from that slice. Rows the dead worker queued and never handed
    over are handed over then, none queued twice. At most a window per sending process
    was accepted and not recorded."""
    if broker == "rabbitmq" and not _rabbitmq():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    db = postgis_db
    window = 10
    addresses = numbers_at(db, 600, per_address=2)  # 300 addresses: 100 slices
    numbers = {mobile(i).lstrip("+") for i in range(600)}
    workers = CeleryWorkers(
        db,
        RABBITMQ if broker == "rabbitmq" else "redis://127.0.0.1:6379/0",
        tmp_path,
        notify_sms_providers="smpp",
        notify_smpp_port=str(smpp_server.port),
        notify_address_slice=str(SLICE),
        notify_batch_size="20",
        notify_smpp_window=str(window),
        notify_delivery_lease_seconds="2",
        notify_recheck_seconds="1",
        notify_send_task_grace_seconds="3",
        notify_resolve_hold_seconds="3",
    )
    workers.start()
    try:
        workers.wait_ready()
        event_id = last_event(db, publish_outage(db, addresses))
        workers.wait_until(lambda: len(smpp_server.received) > 0, timeout=60)
        with db.connect() as blocker:
            blocker.exec_driver_sql("BEGIN")
            blocker.exec_driver_sql("LOCK TABLE directory_entries IN ACCESS EXCLUSIVE MODE")
            with db.connect() as conn:
                queued = conn.execute(
                    sa.select(sa.func.count()).where(deliveries.c.event_id == event_id)
                ).scalar_one()
            if queued == len(numbers):
                blocker.exec_driver_sql("ROLLBACK")
                pytest.skip("every slice was resolved before the lock was taken")
            wait_until(lambda: _waiting_on_directory(db), timeout=60)
            output = workers.kill()
            time.sleep(0.5)  # the dead worker's last submits reach the SMSC
            blocker.exec_driver_sql("ROLLBACK")
        before_restart = Counter(m["destination"] for m in smpp_server.messages())
        assert len(before_restart) < len(numbers), "the event ended before the kill"
        workers.start()
        workers.wait_until(lambda: event_outbox_done(db, event_id), timeout=180)
    finally:
        workers.stop()
    received = Counter(m["destination"] for m in smpp_server.messages())
    assert set(received) == numbers  # nothing lost
    rows = deliveries_for_event(db, event_id)
    assert len(rows) == len({r.destination for r in rows}) == len(numbers)
    duplicates = sum(received.values()) - len(received)
    assert duplicates <= window * 2, duplicates  # two sending processes
    assert "+358" not in output
