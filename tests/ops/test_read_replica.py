"""GIS_OUTAGE_READ_DATABASE_URL: the public map reads a replica, the engineer API the primary.

A real streaming replica is out of reach in a test, so the "replica" is a second
PostgreSQL + PostGIS database with the same schema; copying the outage rows into it
stands in for replication. Until then the public endpoints must not see the outage
that the engineer API wrote to the primary, and afterwards they must.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import make_engine, migrate, normalize_url
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import public_outages
from gis_outage.storage.schema import addresses, outage_events, outages
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.conftest import PG_ADMIN_URL, _empty_postgis
from tests.map_server.test_api import draft, helsinki_water

pytestmark = pytest.mark.postgis


@pytest.fixture
def replica_url() -> Iterator[str]:
    """A second PostGIS database, migrated: the stand-in for a hot standby."""
    admin = sa.create_engine(
        normalize_url(PG_ADMIN_URL),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    name = f"gis_outage_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
        engine.dispose()
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def replicate(primary: Engine, replica: Engine, *tables: sa.Table) -> None:
    """Copy every row of `tables` from the primary to the replica (what streaming does)."""
    with primary.connect() as source, replica.begin() as target:
        for table in tables:
            rows = [dict(row) for row in source.execute(sa.select(table)).mappings()]
            target.execute(table.delete())
            if rows:
                target.execute(table.insert(), rows)


def test_public_endpoints_read_the_replica_and_the_api_writes_the_primary(
    tmp_path: Path, postgis_url: str, postgis_engine: Engine, replica_url: str
) -> None:
    migrate(postgis_engine)
    _empty_postgis(postgis_engine)
    primary = postgis_engine
    layers = helsinki_water()
    upsert_addresses(primary, layers["addresses"])
    save_network(primary, "water", layers, source_name="test.gpkg")
    create_user(primary, "engineer-user", "engineer")
    headers = {"Authorization": f"Bearer {create_token(primary, 'engineer-user')}"}
    settings = Settings(data_dir=tmp_path, database_url=postgis_url, read_database_url=replica_url,
                        public_url="http://testserver",
                        # per address even for this small outage (docs/security.md)
                        map={"state_ttl_seconds": 0, "lookup_min_customers": 1})
    app = create_app(settings, primary)
    replica = app.state.read_db
    assert replica is not primary and replica.url.database != primary.url.database

    with TestClient(app) as client:
        assert client.get("/ready").json()["status"] == "ready"
        outage = draft(client, headers).json()
        published = client.post(f"/api/v1/outages/{outage['id']}/publish", headers=headers)
        assert published.status_code == 200, published.text
        address = outage["affected"]["addresses"][0]

        # Written to the primary, which the engineer API reads...
        assert [o.id for o in public_outages(primary)] == [outage["id"]]
        listed = client.get("/api/v1/outages", headers=headers).json()
        assert [o["id"] for o in listed] == [outage["id"]]
        # ...and nowhere yet in what the public reads.
        assert public_outages(replica) == []
        items = client.get("/oapi/collections/outages/items?f=json").json()
        assert items["numberMatched"] == 0
        row = f'data-outage-id="{outage["id"]}"'
        assert row not in client.get("/").text
        assert client.get("/feeds/outages.geojson").json()["features"] == []
        assert f"/feeds/cap/{outage['id']}.xml" not in client.get("/feeds/outages.atom").text
        assert client.get(f"/feeds/cap/{outage['id']}.xml").status_code == 404
        assert client.get("/lookup/addresses?q=Mannerheimintie").json() == {"addresses": []}
        assert client.get(f"/lookup/status?address_id={address}").status_code == 404

        replicate(primary, replica, addresses, outages, outage_events)

        items = client.get("/oapi/collections/outages/items?f=json").json()
        assert [f["id"] for f in items["features"]] == [outage["id"]]
        assert client.get(f"/oapi/collections/outages/items/{outage['id']}?f=json").is_success
        assert row in client.get("/").text
        geojson = client.get("/feeds/outages.geojson").json()
        assert [f["id"] for f in geojson["features"]] == [outage["id"]]
        assert f"/feeds/cap/{outage['id']}.xml" in client.get("/feeds/outages.atom").text
        assert client.get(f"/feeds/cap/{outage['id']}.xml").status_code == 200
        found = client.get("/lookup/addresses?q=Mannerheimintie").json()["addresses"]
        assert [a["id"] for a in found] == ["A1"]
        status = client.get(f"/lookup/status?address_id={address}").json()
        assert [o["id"] for o in status["outages"]] == [outage["id"]]


def test_without_a_replica_the_public_reads_the_primary(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    migrate(engine)
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), engine)
    assert app.state.read_db is engine
    same = Settings(data_dir=tmp_path, read_database_url=f"sqlite:///{tmp_path / 'one.sqlite'}")
    assert create_app(same, engine).state.read_db is engine


def test_ready_reports_an_unreachable_replica(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    migrate(engine)
    # Nothing listens on port 1; connect_timeout keeps the attempt short.
    unreachable = "postgresql://nobody:sekret@127.0.0.1:1/none?connect_timeout=2"
    settings = Settings(data_dir=tmp_path, read_database_url=unreachable)
    with TestClient(create_app(settings, engine)) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["detail"] == "read replica: database unreachable: OperationalError"
        assert client.get("/health").status_code == 200
