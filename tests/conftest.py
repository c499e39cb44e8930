"""Shared fixtures: the two database backends of the storage contract suite.

`db_engine` is parametrized: `sqlite` (a temporary file, fresh per test) and `postgis`
(one database created for the test session on the local PostgreSQL server, emptied
before each test, dropped at the end). Set GIS_OUTAGE_TEST_PG_URL to use another
server; the postgis tests are skipped only when the server cannot be reached (and
fail instead when GIS_OUTAGE_REQUIRE_POSTGIS is set, as scripts/test does).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.storage.db import make_engine, migrate, normalize_url
from gis_outage.storage.schema import metadata

PG_ADMIN_URL = os.environ.get(
    "GIS_OUTAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """URL of a fresh database `gis_outage_test_<pid>_<random>` with PostGIS, for this
    session; dropped at its end."""
    admin_url = normalize_url(PG_ADMIN_URL)
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        # scripts/test starts the server, so there a missing server is a failure.
        fail = pytest.fail if os.environ.get("GIS_OUTAGE_REQUIRE_POSTGIS") else pytest.skip
        fail(
            f"PostgreSQL server unreachable at {admin_url.render_as_string()} "
            f"(set GIS_OUTAGE_TEST_PG_URL): {' '.join(str(exc.orig).split())}"
        )
    if admin_url.host in ("127.0.0.1", "localhost", "::1", None):
        _drop_databases_of_dead_sessions(admin)
    # The pid lets a later session on this machine clean up after a killed one.
    name = f"gis_outage_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name)
    try:
        setup = sa.create_engine(url)
        with setup.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
        setup.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _drop_databases_of_dead_sessions(admin: Engine) -> None:
    """Drop test databases left by sessions that were killed before their teardown."""
    with admin.connect() as conn:
        names = conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
        for name in names:
            match = re.fullmatch(r"gis_outage_test_(\d+)_[0-9a-f]+", name)
            if match and not _process_alive(int(match[1])):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def postgis_engine(postgis_url: str) -> Iterator[Engine]:
    engine = make_engine(postgis_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _empty_postgis(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file in a directory that did not exist (make_engine creates it)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'gis-outage.sqlite'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgis_db(postgis_engine: Engine) -> Engine:
    """The session's PostGIS database, migrated and emptied for this test."""
    migrate(postgis_engine)  # a migration test may have moved it; a no-op otherwise
    _empty_postgis(postgis_engine)
    return postgis_engine


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database on each backend: the storage contract runs on both."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgis_db"
    return request.getfixturevalue(name)
