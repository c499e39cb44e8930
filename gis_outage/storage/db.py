"""Engines, migrations and transactions for both backends."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK_ID = 0x6769_736F  # any constant shared by every migrating process

# A Connection passed in joins the caller's transaction; an Engine gets its own.
Bind = Engine | Connection


def normalize_url(url: str) -> sa.URL:
    """Parse a URL; plain PostgreSQL URLs get the psycopg 3 driver."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise ValueError(f"use the psycopg 3 driver (postgresql+psycopg://), not {url!r}")
    return parsed


# SQLite reports a wrong statement or schema as an OperationalError too: waiting does
# not mend those, as it may mend a locked or unreadable file.
_SQLITE_STATEMENT_ERRORS = ("no such table", "no such column", "table ", "near ",
                            "incomplete input")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (a restart, a failover, a lost
    connection), not that a statement is wrong: what is worth trying again later."""
    if isinstance(exc, BaseExceptionGroup):
        return all(database_unavailable(e) for e in exc.exceptions)
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        return not (isinstance(exc.orig, sqlite3.OperationalError)
                    and str(exc.orig).startswith(_SQLITE_STATEMENT_ERRORS))
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


# While the database is away, the pause between two tries doubles from the first to the
# longest: a restart is ridden through in a few seconds, and a long outage costs a try
# every two seconds.
AWAY_FIRST_PAUSE = 0.1
AWAY_LONGEST_PAUSE = 2.0

T = TypeVar("T")


def away_pause(tries: int) -> float:
    """The pause after the `tries`-th failed try (1 is the first) while the database is
    away."""
    # The exponent is capped: 2 ** 1024 is too large a float after half an hour away.
    doublings = min(max(0, tries - 1), 16)
    return min(AWAY_FIRST_PAUSE * 2**doublings, AWAY_LONGEST_PAUSE)


def try_again_after(exc: BaseException, tries: int, *, give_up: bool = False) -> float | None:
    """The pause before trying again after `exc` ended the `tries`-th try, or None: not
    to be tried again (another error than the database being away, or `give_up`)."""
    if give_up or not database_unavailable(exc):
        return None
    return away_pause(tries)


def while_database_away(
    call: Callable[[], T],
    *,
    give_up: Callable[[], bool] = lambda: False,
    wait: Callable[[float], object] = time.sleep,
    on_away: Callable[[BaseException, int], None] | None = None,
) -> T:
    """`call()`, tried again while the database is away, with `away_pause` between tries
    (`wait(seconds)`; a threading.Event's wait ends a pause when it is set). Any other
    error is raised at once, and the database's once `give_up()` is true; `on_away(exc,
    tries)` is told of each failed try (to log the class name: the message may quote
    personal data)."""
    tries = 0
    while True:
        try:
            return call()
        except Exception as exc:
            tries += 1
            pause = try_again_after(exc, tries, give_up=give_up())
            if pause is None:
                raise
            if on_away is not None:
                on_away(exc, tries)
        wait(pause)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` (`Settings.effective_database_url`)."""
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    # Error messages then leave out statement parameters: numbers, e-mails, names.
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)
    raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def make_read_engine(read_url: str | None, primary: Engine) -> Engine:
    """The engine for the public, read-only parts (map, OGC API, look-up, feeds).

    A read replica when `read_url` (GIS_OUTAGE_READ_DATABASE_URL) is set, else the
    primary itself. Writers (engineer API, portal, notifier) always use the primary.
    """
    if not read_url or normalize_url(read_url) == primary.url:
        return primary
    return make_engine(read_url)


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds personal data, like
    the key and token files); SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):  # an existing database keeps the mode it has
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        _create_private(Path(url.database))
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN: the module's own
        # transaction handling leaves SELECTs and DDL outside transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Write transactions take the write lock up front. A deferred transaction that
        # reads and then writes fails at once ("database is locked") if another writer
        # committed in between; BEGIN IMMEDIATE waits for busy_timeout instead.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(bind: Bind) -> Iterator[Connection]:
    """A connection in a write transaction: committed on success, rolled back on error.

    Given a Connection, runs inside the caller's transaction and leaves committing
    to the caller.
    """
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def dialect_insert(conn: Connection, table: sa.Table) -> Any:
    """INSERT with `on_conflict_do_*` support on both backends (same API in both)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def driver_marker(conn: Connection) -> str:
    """The placeholder of the driver's own SQL (statements run with `exec_driver_sql`)."""
    return "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"


def driver_value(conn: Connection, column: sa.Column[Any], value: Any) -> Any:
    """`value` as the driver takes it for `column`, converted once for a statement run
    with `exec_driver_sql` on many rows."""
    process = column.type.bind_processor(conn.dialect)
    return process(value) if process is not None else value


def in_values(conn: Connection, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter instead of
    hundreds, which psycopg would otherwise parse into every statement."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


@contextmanager
def read_connection(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn


# PostGIS's own tables are not ours to compare or drop.
POSTGIS_TABLES = frozenset({"spatial_ref_sys", "geography_columns", "geometry_columns"})


def autogenerate_filters(dialect: str) -> dict[str, Any]:
    """`include_name`/`include_object` for Alembic's comparison of schema and database."""

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name in (None, "public")  # not PostGIS's topology/tiger schemas
        return not (type_ == "table" and name in POSTGIS_TABLES)

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        # GIST indexes exist on PostgreSQL only (schema.py declares them with ddl_if).
        gist = type_ == "index" and bool(name) and str(name).endswith("_gist")
        return dialect == "postgresql" or not gist

    return {"include_name": include_name, "include_object": include_object}


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in code; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision`; running it again is a no-op."""
    _run_alembic(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _run_alembic(engine, lambda config: command.downgrade(config, revision))


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction in which the schema may change, queued behind any other.

    On SQLite foreign keys are off inside it: batch migrations rebuild tables, and with
    them on, dropping a parent table would cascade (the pragma only changes outside a
    transaction). Callers check the keys before the end.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            # Concurrent migrators (web + worker starting together) queue up here...
            conn.execution_options(sqlite_immediate=True)
        try:
            with conn.begin():
                if not sqlite:
                    # ...and here; the later ones then find the schema at head.
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
                yield conn
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _run_alembic(engine: Engine, run: Any) -> None:
    with schema_transaction(engine) as conn:
        run(alembic_config(conn))
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, None if it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def server_versions(engine: Engine) -> tuple[str, str, str | None]:
    """(backend, server version, PostGIS version or None) of the database `engine` reaches."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return "SQLite", str(conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()), None
        server = conn.exec_driver_sql("SHOW server_version").scalar_one()
        postgis = conn.exec_driver_sql(
            "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
        ).scalar()
    return "PostgreSQL", str(server), postgis
