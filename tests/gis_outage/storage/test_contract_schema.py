"""Migrations and the schema they create, on both backends."""

from __future__ import annotations

import os
import stat
import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from gis_outage.storage.db import (
    autogenerate_filters,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    migrate,
    normalize_url,
)
from gis_outage.storage.outages import create_outage
from gis_outage.storage.schema import metadata


def schema_differences(engine: Engine) -> list:
    """What Alembic autogenerate would change to make the database match schema.py."""
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLAlchemy cannot reflect PostGIS's `geometry` type; it is checked separately.
        warnings.filterwarnings("ignore", "Did not recognize type 'geometry'")
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "target_metadata": metadata,
                **autogenerate_filters(conn.dialect.name),
            },
        )
        return compare_metadata(context, metadata)


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"spatial_ref_sys"}


def test_migrated_database_matches_schema(db_engine: Engine) -> None:
    assert current_revision(db_engine) == head_revision() is not None
    assert table_names(db_engine) == {*metadata.tables, "alembic_version"}
    assert schema_differences(db_engine) == []


def test_migrate_is_idempotent(db_engine: Engine) -> None:
    migrate(db_engine)
    migrate(db_engine)
    assert current_revision(db_engine) == head_revision()
    assert schema_differences(db_engine) == []


def test_downgrade_to_base_then_upgrade(db_engine: Engine) -> None:
    downgrade(db_engine, "base")
    assert current_revision(db_engine) is None
    assert table_names(db_engine) == {"alembic_version"}

    migrate(db_engine)
    assert current_revision(db_engine) == head_revision()
    assert schema_differences(db_engine) == []


def test_concurrent_migrations_serialize(db_engine: Engine) -> None:
    downgrade(db_engine, "base")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(db_engine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(db_engine) == head_revision()
    assert schema_differences(db_engine) == []


def test_check_constraints_guard_enum_columns(db_engine: Engine) -> None:
    # Bypass SQLAlchemy's own validation: the database itself must refuse it.
    with pytest.raises(sa.exc.IntegrityError), db_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (name, role, created_at) VALUES ('x', 'superuser', "
            "'2026-01-01 00:00:00')"
        )


@pytest.mark.postgis
def test_postgis_columns_and_indexes(postgis_db: Engine) -> None:
    with postgis_db.connect() as conn:
        columns = {
            (r.f_table_name, r.f_geometry_column): (r.type, r.srid)
            for r in conn.execute(
                sa.text("SELECT f_table_name, f_geometry_column, type, srid FROM geometry_columns")
            )
        }
        gist = set(
            conn.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
            ).scalars()
        )
    assert columns[("outages", "public_area")] == ("GEOMETRY", 4326)
    assert columns[("addresses", "geometry")] == ("GEOMETRY", 4326)
    assert columns[("network_links", "geometry")] == ("GEOMETRY", 0)  # SRID per version
    assert {
        "ix_outages_public_area_gist",
        "ix_addresses_geometry_gist",
        "ix_network_links_geometry_gist",
        "ix_network_devices_geometry_gist",
        "ix_network_sources_geometry_gist",
        "ix_network_service_points_geometry_gist",
    } <= gist


def test_sqlite_connection_settings(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert Path(sqlite_engine.url.database).parent.name == "data"  # created by make_engine


def test_the_sqlite_file_is_the_owners_only(tmp_path: Path) -> None:
    """Like the key and token files: personal data, mode 0600 whatever the umask; its
    write-ahead log too."""
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'private.sqlite'}")
        migrate(engine)
        with engine.connect() as conn:  # the WAL exists while a connection is open
            conn.exec_driver_sql("SELECT 1").scalar()
            files = sorted(tmp_path.joinpath("data").iterdir())
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        engine.dispose()
    finally:
        os.umask(old)
    assert "private.sqlite-wal" in modes
    assert modes == dict.fromkeys(modes, 0o600)


def test_foreign_keys_are_enforced(db_engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), db_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO outage_events (outage_id, kind, created_at, payload) "
            "VALUES (999, 'published', '2026-01-01 00:00:00', '{}')"
        )


def test_urls_get_the_psycopg_driver() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="psycopg 3"):
        normalize_url("postgresql+psycopg2://u@h/db")
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://u@h/db")


def test_default_engine_uses_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gis_outage.config import get_settings

    monkeypatch.setenv("GIS_OUTAGE_DATA_DIR", str(tmp_path / "nested" / "data"))
    monkeypatch.delenv("GIS_OUTAGE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        engine = make_engine(get_settings().effective_database_url)
        migrate(engine)
        assert (tmp_path / "nested" / "data" / "gis-outage.sqlite").is_file()
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_downgrade_past_water_notices_refuses_while_notices_are_stored(db_engine: Engine) -> None:
    create_outage(db_engine, service="water", kind="boil_water", starts_at=datetime.now(UTC),
                  estimated_end_at=None, cause=None, texts={}, affected={"addresses": []},
                  public_area=None, area_description=None, created_by="test")  # fmt: skip
    with pytest.raises(RuntimeError, match="1 water-quality notice"):
        downgrade(db_engine, "0009_field_state")
    assert current_revision(db_engine) == head_revision()
