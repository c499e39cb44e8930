"""The map's outage snapshot while the database is slow to answer its once-a-second
check: a request during a refresh gets the previous snapshot at once instead of
waiting for the database (PostgreSQL, the outages table locked by another session)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine

from map_server.snapshot import SnapshotCache

pytestmark = pytest.mark.postgis


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
