"""Reading a utility's own PostGIS schema (a mapping file's `source`), read-only.

GDAL's PostgreSQL driver is not in every build (pyogrio's wheels leave it out), so a
PostGIS source is read here with SQLAlchemy and GeoPandas: `PG:host=… dbname=…` (GDAL's
form, a libpq connection string) or a `postgresql://` URL.
"""

from __future__ import annotations

import geopandas as gpd
import sqlalchemy as sa

from gis_outage.storage.db import normalize_url

GEOMETRY_NAMES = ("geom", "the_geom", "geometry", "wkb_geometry", "shape")


def is_postgis(source: str) -> bool:
    return source.startswith(("PG:", "postgresql://", "postgresql+psycopg://", "postgres://"))


def _engine(source: str) -> sa.Engine:
    if source.startswith("PG:"):
        import psycopg

        conninfo = source[3:]
        return sa.create_engine("postgresql+psycopg://", hide_parameters=True,
                                creator=lambda: psycopg.connect(conninfo))
    return sa.create_engine(normalize_url(source), hide_parameters=True)


def read_postgis_layer(
    source: str, *, layer: str | None = None, sql: str | None = None, where: str | None = None,
) -> gpd.GeoDataFrame:
    """A table (`schema.table`) or a query, filtered by `where`, in a read-only
    transaction; ValueError with the database's message when it cannot be read."""
    engine = _engine(source)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            if layer is not None:
                schema, _, table = layer.rpartition(".")
                query = sa.select(sa.text("*")).select_from(sa.table(table, schema=schema or None))
                text = str(query.compile(conn))
            else:
                text = f"SELECT * FROM ({sql}) AS mapped"
            if where:
                text = f"SELECT * FROM ({text}) AS filtered WHERE {where}"
            columns = conn.exec_driver_sql(f"SELECT * FROM ({text}) AS probe LIMIT 0")
            names = list(columns.keys())
            geometry = next((n for n in names if n.lower() in GEOMETRY_NAMES), None)
            if geometry is None:
                raise ValueError(f"no geometry column (one of {', '.join(GEOMETRY_NAMES)}) "
                                 f"among {', '.join(names)}")
            return gpd.read_postgis(sa.text(text), conn, geom_col=geometry)
    except sa.exc.SQLAlchemyError as exc:
        raise ValueError(" ".join(str(exc.orig or exc).split())) from None
    finally:
        engine.dispose()
