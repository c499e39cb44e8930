"""The portable geometry column: exact round trips, and real PostGIS on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely
import sqlalchemy as sa
from shapely import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
)
from sqlalchemy.engine import Engine

from gis_outage.storage.schema import addresses, network_links, network_versions, outages

NOW = datetime(2026, 1, 1, tzinfo=UTC)

PUBLIC_GEOMETRIES = [
    Point(24.941234567890123, 60.169876543210987),
    Polygon(
        [(24.9, 60.1), (25.0, 60.1), (25.0, 60.2), (24.9, 60.2)],
        holes=[[(24.95, 60.15), (24.96, 60.15), (24.96, 60.16)]],
    ),
    MultiPolygon([shapely.box(24.0, 60.0, 24.1, 60.1), shapely.box(24.2, 60.0, 24.3, 60.1)]),
    GeometryCollection([Point(24.1, 60.1), LineString([(24.1, 60.1), (24.2, 60.3)])]),
]

NETWORK_GEOMETRIES = [
    LineString([(385000.123456789, 6672000.987654321), (385100.5, 6672050.25)]),
    LineString([(385000.0, 6672000.0, 12.75), (385010.0, 6672010.0, 13.5)]),  # Z kept
    Point(1e-9, -1e9),
]


def insert_outage(conn: sa.Connection, area: shapely.Geometry | None) -> int:
    return conn.execute(
        outages.insert().values(
            service="water",
            kind="planned",
            status="draft",
            starts_at=NOW,
            texts={},
            affected={},
            public_area=area,
            created_by="t",
            created_at=NOW,
            updated_at=NOW,
            version=1,
        )
    ).inserted_primary_key[0]


@pytest.mark.parametrize("geometry", PUBLIC_GEOMETRIES, ids=lambda g: g.geom_type)
def test_public_geometry_round_trip_is_exact(db_engine: Engine, geometry) -> None:
    with db_engine.begin() as conn:
        outage_id = insert_outage(conn, geometry)
    with db_engine.connect() as conn:
        stored = conn.execute(
            sa.select(outages.c.public_area).where(outages.c.id == outage_id)
        ).scalar_one()
    assert stored.wkb == geometry.wkb  # bit for bit
    assert shapely.equals_exact(stored, geometry, tolerance=0)
    assert shapely.get_srid(stored) == 0


def test_network_geometry_round_trip_keeps_z(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        version = conn.execute(
            network_versions.insert().values(
                service="water",
                created_at=NOW,
                source_name="t",
                srid=3067,
                counts={},
                extra_columns={},
                is_current=False,
            )
        ).inserted_primary_key[0]
        conn.execute(
            network_links.insert(),
            [
                {
                    "network_version_id": version,
                    "feature_id": f"L{i}",
                    "attributes": {},
                    "geometry": shapely.set_srid(g, 3067),
                }
                for i, g in enumerate(NETWORK_GEOMETRIES)
            ],
        )
    with db_engine.connect() as conn:
        stored = (
            conn.execute(sa.select(network_links.c.geometry).order_by(network_links.c.feature_id))
            .scalars()
            .all()
        )
    assert [g.wkb for g in stored] == [g.wkb for g in NETWORK_GEOMETRIES]
    assert stored[1].has_z


def test_null_geometry(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        outage_id = insert_outage(conn, None)
    with db_engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(outages.c.public_area).where(outages.c.id == outage_id)
            ).scalar_one()
            is None
        )


def test_public_columns_are_2d_on_both_backends(db_engine: Engine) -> None:
    with db_engine.begin() as conn:
        outage_id = insert_outage(conn, Point(24.9, 60.1, 15.0))
    with db_engine.connect() as conn:
        stored = conn.execute(
            sa.select(outages.c.public_area).where(outages.c.id == outage_id)
        ).scalar_one()
    assert stored.wkb == Point(24.9, 60.1).wkb


def test_non_geometry_values_are_refused(db_engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="shapely geometry"), db_engine.begin() as c:
        insert_outage(c, "POINT (1 2)")  # type: ignore[arg-type]


@pytest.mark.postgis
def test_postgis_stores_real_geometries(postgis_db: Engine) -> None:
    area = shapely.box(24.90, 60.15, 24.95, 60.18)
    with postgis_db.begin() as conn:
        outage_id = insert_outage(conn, area)
        conn.execute(
            addresses.insert(),
            [
                {
                    "id": "in",
                    "street": "A",
                    "house_number": "1",
                    "postal_code": "00100",
                    "street_key": "a",
                    "geometry": Point(24.93, 60.16),
                },
                {
                    "id": "out",
                    "street": "A",
                    "house_number": "2",
                    "postal_code": "00100",
                    "street_key": "a",
                    "geometry": Point(25.5, 60.5),
                },
            ],
        )
    with postgis_db.connect() as conn:
        srid, geom_type, inside = conn.execute(
            sa.text(
                "SELECT ST_SRID(public_area), GeometryType(public_area), "
                "ST_Intersects(public_area, ST_SetSRID(ST_MakePoint(24.93, 60.16), 4326)) "
                "FROM outages WHERE id = :id"
            ),
            {"id": outage_id},
        ).one()
        hits = (
            conn.execute(
                sa.text(
                    "SELECT a.id FROM addresses a JOIN outages o "
                    "ON ST_Intersects(a.geometry, o.public_area) WHERE o.id = :id"
                ),
                {"id": outage_id},
            )
            .scalars()
            .all()
        )
        area_m2 = conn.execute(
            sa.text("SELECT ST_Area(public_area::geography) FROM outages WHERE id = :id"),
            {"id": outage_id},
        ).scalar_one()
    assert (srid, geom_type, inside) == (4326, "POLYGON", True)
    assert hits == ["in"]
    assert 5e6 < area_m2 < 1e7  # ~2.8 km x 3.3 km: PostGIS really has the polygon


@pytest.mark.postgis
def test_postgis_enforces_column_srid(postgis_db: Engine) -> None:
    # Written outside the portable type, with the wrong SRID: PostGIS must refuse it.
    with pytest.raises(sa.exc.DataError, match="SRID"), postgis_db.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO addresses (id, street, house_number, postal_code, street_key, "
                "geometry) VALUES ('x', 'A', '1', '1', 'a', 'SRID=3067;POINT(385000 6672000)')"
            )
        )
