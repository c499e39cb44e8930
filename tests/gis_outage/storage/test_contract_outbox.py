"""Outbox claims and the one-message-per-destination-per-event guarantee."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.storage.deliveries import (
    deliveries_for_event,
    insert_delivery_once,
    update_delivery,
)
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outages import change_status, create_outage
from gis_outage.storage.outbox import (
    DEFAULT_LEASE,
    claim_outbox,
    get_outbox_row,
    hold_slice,
    mark_processed,
    mark_resolving,
    pending_outbox,
    release_outbox,
)
from gis_outage.storage.schema import deliveries, utcnow

from .conftest import T0


def published_events(engine: Engine, n: int) -> list[int]:
    """Publish n outages; returns their event ids (each with one outbox row)."""
    event_ids = []
    for _ in range(n):
        outage_id = create_outage(
            engine, service="water", kind="unplanned", starts_at=T0, created_by="eng"
        )
        change_status(engine, outage_id, "published", "eng")
    for row in pending_outbox(engine):
        event_ids.append(row.event_id)
    return event_ids


def run_in_threads(n: int, work) -> list:
    results: list = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_claim_takes_oldest_first_and_leases(db_engine: Engine) -> None:
    published_events(db_engine, 5)
    now = utcnow()
    first = claim_outbox(db_engine, limit=3, now=now)
    assert [r.id for r in first] == [1, 2, 3]
    assert all(r.attempts == 1 for r in first)
    assert all(r.claimed_until == now + DEFAULT_LEASE for r in first)
    assert first[0].payload["kind"] == "published"

    # Leased rows are not handed out again; the rest are.
    assert [r.id for r in claim_outbox(db_engine, limit=10, now=now)] == [4, 5]
    assert claim_outbox(db_engine, limit=10, now=now) == []

    # A worker that died: after the lease its rows come back, counting another attempt.
    later = now + DEFAULT_LEASE + timedelta(minutes=1)
    again = claim_outbox(db_engine, limit=10, now=later)
    assert [(r.id, r.attempts) for r in again] == [(i, 2) for i in range(1, 6)]


def test_processed_rows_are_never_claimed_again(db_engine: Engine) -> None:
    published_events(db_engine, 2)
    now = utcnow()
    rows = claim_outbox(db_engine, now=now)
    mark_processed(db_engine, rows[0].id)
    release_outbox(db_engine, rows[1].id)  # failed: may be retried at once
    assert [r.id for r in claim_outbox(db_engine, now=now)] == [rows[1].id]
    # Processed rows never come back, however old their lease.
    assert [r.id for r in claim_outbox(db_engine, now=now + timedelta(days=1))] == [
        rows[1].id
    ]
    assert [r.id for r in pending_outbox(db_engine)] == [rows[1].id]
    with pytest.raises(NotFound):
        mark_processed(db_engine, 999)
    with pytest.raises(NotFound):
        release_outbox(db_engine, rows[0].id)  # already processed


def test_only_the_events_next_slice_takes_the_hold(db_engine: Engine) -> None:
    published_events(db_engine, 1)
    now = utcnow()
    [row] = claim_outbox(db_engine, now=now)
    mark_resolving(db_engine, row.id, 6, hold_until=now + timedelta(seconds=60))
    hold = now + timedelta(seconds=90)
    # A slice handed out again after the event went past it takes nothing.
    assert not hold_slice(db_engine, row.id, 3, hold_until=hold)
    assert get_outbox_row(db_engine, row.id).claimed_until == now + timedelta(seconds=60)
    assert hold_slice(db_engine, row.id, 6, hold_until=hold)
    assert get_outbox_row(db_engine, row.id).claimed_until == hold
    # Held until then; a follow-up that never came lets the row be claimed after it.
    assert claim_outbox(db_engine, now=hold - timedelta(seconds=1)) == []
    [again] = claim_outbox(db_engine, now=hold + timedelta(seconds=1))
    assert (again.id, again.resolving_from, again.attempts) == (row.id, 6, 2)
    # The claim that took it over holds it; a slice of the run before does not.
    assert not hold_slice(db_engine, row.id, 6, hold_until=hold, claim=1)
    assert hold_slice(db_engine, row.id, 6, hold_until=hold, claim=2)
    mark_resolving(db_engine, row.id, 9, hold_until=hold, claim=1)  # the old run: ignored
    assert get_outbox_row(db_engine, row.id).resolving_from == 6
    # Given back after a failure, the row keeps its place: the next claim goes on there.
    release_outbox(db_engine, row.id)
    assert get_outbox_row(db_engine, row.id).resolving_from == 6
    # A processed row is neither held nor opened again by a late slice.
    mark_processed(db_engine, row.id)
    assert not hold_slice(db_engine, row.id, 6, hold_until=hold)
    mark_resolving(db_engine, row.id, 9, hold_until=hold)
    done = get_outbox_row(db_engine, row.id)
    assert done.processed_at is not None and done.resolving_from is None
    assert pending_outbox(db_engine) == []


def test_release_with_retry_time(db_engine: Engine) -> None:
    published_events(db_engine, 1)
    now = utcnow()
    [row] = claim_outbox(db_engine, now=now)
    release_outbox(db_engine, row.id, retry_at=now + timedelta(minutes=1))
    assert claim_outbox(db_engine, now=now + timedelta(seconds=30)) == []
    assert [r.id for r in claim_outbox(db_engine, now=now + timedelta(minutes=2))] == [row.id]


def test_concurrent_workers_claim_disjoint_rows(db_engine: Engine) -> None:
    published_events(db_engine, 40)
    claims = run_in_threads(4, lambda _: [r.id for r in claim_outbox(db_engine, limit=10)])
    claimed = [i for claim in claims for i in claim]
    assert sorted(claimed) == list(range(1, 41))  # every row once, none twice


@pytest.mark.postgis
def test_postgis_claim_skips_rows_locked_by_another_worker(postgis_db: Engine) -> None:
    published_events(postgis_db, 4)
    with postgis_db.connect() as worker_a:
        # Worker A claims two rows and has not committed: they stay locked.
        assert [r.id for r in claim_outbox(worker_a, limit=2)] == [1, 2]
        with postgis_db.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '2s'")  # fail, not hang, if it blocks
            conn.commit()
            # Worker B neither waits for A nor takes A's rows.
            assert [r.id for r in claim_outbox(conn, limit=10)] == [3, 4]
            conn.commit()
        worker_a.rollback()  # A crashed before committing: its rows are free again
    assert [r.id for r in claim_outbox(postgis_db)] == [1, 2]


def test_delivery_is_inserted_once_per_event_and_destination(db_engine: Engine) -> None:
    [event_id, other_event] = published_events(db_engine, 2)
    assert (
        insert_delivery_once(
            db_engine, event_id=event_id, destination="+358401234567", channel="sms"
        )
        is True
    )
    assert (
        insert_delivery_once(
            db_engine, event_id=event_id, destination="+358401234567", channel="voice"
        )
        is False
    )
    assert (
        insert_delivery_once(
            db_engine, event_id=event_id, destination="a@example.fi", channel="email"
        )
        is True
    )
    assert (
        insert_delivery_once(
            db_engine, event_id=other_event, destination="+358401234567", channel="sms"
        )
        is True
    )
    rows = deliveries_for_event(db_engine, event_id)
    assert [(r.destination, r.channel, r.status) for r in rows] == [
        ("+358401234567", "sms", "queued"),
        ("a@example.fi", "email", "queued"),
    ]


def test_database_itself_rejects_a_second_delivery(db_engine: Engine) -> None:
    [event_id] = published_events(db_engine, 1)
    row = {
        "event_id": event_id,
        "destination": "+358401234567",
        "channel": "sms",
        "status": "queued",
        "attempts": 0,
        "created_at": T0,
        "updated_at": T0,
    }
    with db_engine.begin() as conn:
        conn.execute(deliveries.insert().values(row))
    with pytest.raises(sa.exc.IntegrityError), db_engine.begin() as conn:
        conn.execute(deliveries.insert().values(row))


def test_concurrent_workers_insert_one_delivery(db_engine: Engine) -> None:
    [event_id] = published_events(db_engine, 1)
    inserted = run_in_threads(
        6,
        lambda _: insert_delivery_once(
            db_engine, event_id=event_id, destination="+358401234567", channel="sms"
        ),
    )
    assert sorted(inserted) == [False] * 5 + [True]
    assert len(deliveries_for_event(db_engine, event_id)) == 1


def test_delivery_status_updates(db_engine: Engine) -> None:
    [event_id] = published_events(db_engine, 1)
    insert_delivery_once(db_engine, event_id=event_id, destination="+358401234567", channel="sms")
    update_delivery(
        db_engine,
        event_id,
        "+358401234567",
        status="sent",
        provider="demo",
        provider_message_id="m-1",
    )
    update_delivery(db_engine, event_id, "+358401234567", status="delivered")
    [row] = deliveries_for_event(db_engine, event_id)
    assert (row.status, row.provider, row.provider_message_id, row.attempts) == (
        "delivered",
        "demo",
        "m-1",
        1,
    )
    assert row.sent_at is not None
    with pytest.raises(ValueError):
        update_delivery(db_engine, event_id, "+358401234567", status="lost")
    with pytest.raises(NotFound):
        update_delivery(db_engine, event_id, "+358400000000", status="sent")
