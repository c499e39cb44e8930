"""`storage.db.while_database_away`: the one rule for trying again while the database
cannot be reached (the notifier's claims, records and closes, its Celery tasks), tried
against a real PostgreSQL address where nothing listens and the real database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.storage.db import away_pause, make_engine, try_again_after, while_database_away
from tests.notifier.conftest import free_port


@pytest.fixture
def nowhere() -> Engine:
    """A PostgreSQL engine whose server is away: nothing listens at its port."""
    return make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gis",
                       connect_args={"connect_timeout": 2})


def _select_one(engine: Engine, sql: str = "SELECT 1") -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


@pytest.mark.postgis
def test_tries_again_until_the_database_answers(nowhere: Engine, postgis_engine: Engine) -> None:
    engines = [nowhere, nowhere, nowhere, postgis_engine]  # away three times, then back
    pauses: list[float] = []
    told: list[tuple[str, int]] = []
    answer = while_database_away(
        lambda: _select_one(engines.pop(0)), wait=pauses.append,
        on_away=lambda exc, tries: told.append((exc.__class__.__name__, tries)),
    )
    assert answer == 1
    assert pauses == [0.1, 0.2, 0.4]  # doubling
    assert told == [("OperationalError", 1), ("OperationalError", 2), ("OperationalError", 3)]


def test_pauses_grow_to_two_seconds() -> None:
    assert [away_pause(n) for n in (1, 2, 3, 4, 5, 6, 100)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    # Hours away (a try every two seconds): still two seconds, not an overflow.
    assert away_pause(10_000) == 2.0


@pytest.mark.postgis
def test_gives_up_when_told_and_at_once_on_other_errors(
    nowhere: Engine, postgis_engine: Engine
) -> None:
    pauses: list[float] = []
    tries = iter([False, False, True])
    with pytest.raises(sa.exc.OperationalError):
        while_database_away(lambda: _select_one(nowhere), give_up=lambda: next(tries),
                            wait=pauses.append)
    assert pauses == [0.1, 0.2]
    # A wrong statement is not the database being away: raised on the first try.
    with pytest.raises(sa.exc.ProgrammingError):
        while_database_away(
            lambda: _select_one(postgis_engine, "SELECT * FROM no_such_table"),
            wait=pauses.append,
        )
    assert pauses == [0.1, 0.2]
    assert try_again_after(ValueError("not the database"), 1) is None


def test_a_wrong_sqlite_statement_is_not_the_database_away(tmp_path: Path) -> None:
    """SQLite reports a missing table as an OperationalError: raised at once, while a
    file locked by another writer is waited out."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.sqlite'}",
                              connect_args={"timeout": 0})
    calls: list[int] = []

    def missing_table() -> None:
        calls.append(1)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT * FROM nothing_here")

    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        while_database_away(missing_table, wait=lambda _: None)
    assert len(calls) == 1

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    locker = engine.connect()
    locker.exec_driver_sql("BEGIN EXCLUSIVE")
    pauses: list[float] = []

    def write() -> int:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        return 1

    def release_after_two(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            locker.exec_driver_sql("COMMIT")
            locker.close()

    assert while_database_away(write, wait=release_after_two) == 1
    assert pauses == [0.1, 0.2]
