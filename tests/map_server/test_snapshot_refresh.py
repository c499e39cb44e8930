"""The map's outage snapshot while the database is slow to answer its once-a-second
check: a request during a refresh gets the previous snapshot at once instead of
waiting for the database (PostgreSQL, the outages table locked by another session)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.engine import Engine

from gis_outage.storage.outages import change_status, public_state, update_outage
from map_server.snapshot import STALE_TTLS, SnapshotCache
from tests.map_server.data import new_outage


@pytest.mark.postgis
def test_a_request_during_a_slow_refresh_gets_the_previous_snapshot_at_once(
    postgis_db: Engine,
) -> None:
    cache = SnapshotCache(postgis_db, ttl=60.0)
    first = cache.current()
    cache.invalidate()
    refreshed: list[object] = []
    # Another session holds the outages table: the refresh's query waits on it.
    with postgis_db.connect() as blocker:
        transaction = blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE outages IN ACCESS EXCLUSIVE MODE")
        refresh = threading.Thread(target=lambda: refreshed.append(cache.current()))
        refresh.start()
        try:
            # The refresh is under way once it holds the cache's lock.
            while not cache._lock.locked():
                refresh.join(0.01)
            # A request meanwhile: answered from the previous snapshot, not held until
            # the lock is released (it would wait for ever: the bound is only so that
            # a regression fails instead of hanging).
            answered: list[object] = []
            request = threading.Thread(target=lambda: answered.append(cache.current()))
            request.start()
            request.join(10)
            assert answered == [first]
            assert refreshed == []
        finally:
            transaction.rollback()
        refresh.join(30)
    assert len(refreshed) == 1 and refreshed[0] is not None
    assert cache.fresh() is not None  # the refresh finished and is current again


@pytest.mark.postgis
def test_requests_answer_the_snapshot_in_hand_while_a_thread_re_reads_it(
    postgis_db: Engine,
) -> None:
    # The check is due (ttl 0.01 s is long past once the lock is taken): the request
    # does not run it, a background thread does; the new outage is seen once it is done.
    cache = SnapshotCache(postgis_db, ttl=0.01)
    first = cache.current()
    with postgis_db.connect() as blocker:
        transaction = blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE outages IN ACCESS EXCLUSIVE MODE")
        try:
            while cache.fresh() is not None:  # until the check is due
                threading.Event().wait(0.01)
            # Returns at once although the database cannot answer (it would hang here
            # if the request ran the query itself).
            assert cache.latest() is first
            while not cache._lock.locked():  # the background re-read is under way
                threading.Event().wait(0.01)
            assert cache.latest() is first and cache.get() is first
        finally:
            transaction.rollback()
    outage_id = new_outage(postgis_db)
    while cache.get().get(outage_id) is None:  # shown after the next background re-read
        threading.Event().wait(0.01)
    assert cache.get().token != first.token


@pytest.mark.postgis
def test_after_this_process_writes_the_next_request_waits_for_the_new_state(
    postgis_db: Engine,
) -> None:
    cache = SnapshotCache(postgis_db, ttl=3600.0)
    cache.current()
    outage_id = new_outage(postgis_db)
    assert cache.latest() is not None and cache.latest().get(outage_id) is None  # in hand
    cache.invalidate()  # what the engineer API does after a write
    assert cache.latest() is None  # the request reads the state itself (off the loop)
    assert cache.get().get(outage_id) is not None


@pytest.mark.parametrize(
    "backend", ["sqlite_engine", pytest.param("postgis_db", marks=pytest.mark.postgis)]
)
def test_a_re_read_keeps_the_outages_that_did_not_change(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(backend)
    kept_id = new_outage(engine, description="Kept")
    changed_id = new_outage(engine, description="Before")
    cache = SnapshotCache(engine, ttl=3600.0)
    before = cache.current()
    update_outage(engine, changed_id, "tester", area_description="After")
    added_id = new_outage(engine, description="Added")
    cache.invalidate()
    after = cache.current()
    assert after.get(kept_id) is before.get(kept_id)  # the same object: not parsed again
    assert after.get(changed_id).properties["area_description"] == "After"
    assert after.get(added_id).properties["area_description"] == "Added"
    resolved = change_status(engine, kept_id, "resolved", "tester")
    assert resolved.status == "resolved"
    cache.invalidate()
    assert cache.current().get(kept_id) is None  # resolved: off the map (no ended window)
    assert [o.id for o in cache.current().outages] == [
        o.id for o in public_state(engine).outages or ()
    ]


@pytest.mark.parametrize("backend", ["sqlite_engine", "postgis_db"])
def test_a_worker_idle_for_a_while_does_not_answer_an_old_map(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(backend)
    cache = SnapshotCache(engine, ttl=0.05)
    assert cache.get().outages == ()
    # Another process publishes; this one has no request for longer than STALE_TTLS × ttl.
    added = new_outage(engine, description="Published elsewhere")
    time.sleep(0.05 * (STALE_TTLS + 1))
    # Its next request waits for the re-read instead of answering the old snapshot.
    assert [o.id for o in cache.get().outages] == [added]
