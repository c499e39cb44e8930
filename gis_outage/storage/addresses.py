"""The address register: what residents pick when they register, stored in EPSG:4326."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from gis_outage.storage.db import (
    Bind,
    dialect_insert,
    in_values,
    read_connection,
    write_transaction,
)
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import addresses

ADDRESS_COLUMNS = ("id", "street", "house_number", "postal_code", "municipality", "street_sv")
PUBLIC_CRS = "EPSG:4326"
BATCH_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Address:
    """An address of the register; `geometry` a WGS84 point (None: not placed)."""

    id: str
    street: str
    house_number: str
    postal_code: str
    municipality: str | None
    street_sv: str | None  # the street's Swedish name where the register has one
    geometry: Any = None  # shapely Point

    @property
    def place(self) -> str:
        """The address as a line: "Street 1, 00100"."""
        return f"{self.street} {self.house_number}, {self.postal_code}"


def street_key(street: str) -> str:
    """The search form of a street name: case-folded, single spaces."""
    return " ".join(street.split()).casefold()


def street_in(address: Address, language: str) -> str:
    """The street's name in `language` where the register has one (Swedish), else the
    register's main name."""
    if language == "sv" and address.street_sv:
        return address.street_sv
    return address.street


def is_named(address: Address, street: str) -> bool:
    """Whether `street` is either name of the address's street (case and spacing aside)."""
    key = street_key(street)
    return key in (street_key(address.street), street_key(address.street_sv or ""))


def upsert_addresses(bind: Bind, gdf: gpd.GeoDataFrame) -> int:
    """Insert or update addresses by `id` (interchange `addresses` layer columns, with
    an optional `street_sv`: the street's Swedish name).

    Points are reprojected to EPSG:4326; a frame without CRS is refused because its
    coordinates cannot be placed on the public map. Returns the number of rows written.
    """
    missing = {"id", "street", "house_number", "postal_code"} - set(gdf.columns)
    if missing:
        raise ValueError(f"addresses lack columns {sorted(missing)}")
    if len(gdf) == 0:
        return 0
    if gdf.crs is None:
        raise ValueError("addresses need a CRS (they are stored in EPSG:4326)")
    gdf = gdf.to_crs(PUBLIC_CRS)
    def optional(column: str) -> list[Any]:
        return gdf[column].tolist() if column in gdf.columns else [None] * len(gdf)

    rows = [
        {
            "id": _text(id_),
            "street": _text(street),
            "house_number": _text(number),
            "postal_code": _text(postal_code),
            "municipality": _text(town),
            "street_key": street_key(_text(street) or ""),
            "street_sv": _text(swedish) or None,
            "street_sv_key": street_key(_text(swedish) or "") or None,
            "geometry": geometry,
        }
        for id_, street, number, postal_code, town, swedish, geometry in zip(
            gdf["id"].tolist(),
            gdf["street"].tolist(),
            gdf["house_number"].tolist(),
            gdf["postal_code"].tolist(),
            optional("municipality"),
            optional("street_sv"),
            gdf.geometry.tolist(),
            strict=True,
        )
    ]
    with write_transaction(bind) as conn:
        insert = dialect_insert(conn, addresses)
        statement = insert.on_conflict_do_update(
            index_elements=[addresses.c.id],
            set_={c: insert.excluded[c] for c in rows[0] if c != "id"},
        )
        for start in range(0, len(rows), BATCH_SIZE):
            conn.execute(statement, rows[start : start + BATCH_SIZE])
    return len(rows)


def get_address(bind: Bind, address_id: str) -> Address:
    with read_connection(bind) as conn:
        row = (
            conn.execute(sa.select(addresses).where(addresses.c.id == address_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no address {address_id!r}")
    return _public(row)


def find_addresses(
    bind: Bind,
    *,
    postal_code: str | None = None,
    street_prefix: str | None = None,
    house_number_prefix: str | None = None,
    limit: int = 20,
) -> list[Address]:
    """Addresses for autocomplete: postal code → street prefix → house number prefix.

    The street is matched by either of its names (Finnish or Swedish), ignoring case
    (including ä, ö, å); results are ordered by street and house number.
    """
    query = sa.select(addresses)
    if postal_code:
        query = query.where(addresses.c.postal_code == postal_code.strip())
    if street_prefix:
        key = street_key(street_prefix)
        query = query.where(
            sa.or_(
                addresses.c.street_key.startswith(key, autoescape=True),
                addresses.c.street_sv_key.startswith(key, autoescape=True),
            )
        )
    if house_number_prefix:
        query = query.where(
            sa.func.lower(addresses.c.house_number).startswith(
                house_number_prefix.strip().lower(), autoescape=True
            )
        )
    query = query.order_by(
        addresses.c.street_key,
        sa.func.length(addresses.c.house_number),  # "2" before "10"
        addresses.c.house_number,
    ).limit(limit)
    with read_connection(bind) as conn:
        return [_public(row) for row in conn.execute(query).mappings()]


def find_streets(
    bind: Bind, *, postal_code: str | None = None, prefix: str = "", limit: int = 20
) -> list[str]:
    """Distinct street names starting with `prefix` (case-insensitive), for autocomplete;
    a Swedish name is offered when it is what matches."""
    found: dict[str, str] = {}
    for name, key in ((addresses.c.street, addresses.c.street_key),
                      (addresses.c.street_sv, addresses.c.street_sv_key)):  # fmt: skip
        query = sa.select(sa.func.min(name), key).where(key.is_not(None)).group_by(key)
        if postal_code:
            query = query.where(addresses.c.postal_code == postal_code.strip())
        if prefix:
            query = query.where(key.startswith(street_key(prefix), autoescape=True))
        with read_connection(bind) as conn:
            for street, k in conn.execute(query.order_by(key).limit(limit)):
                found.setdefault(k, street)
    return [found[k] for k in sorted(found)][:limit]


def example_address(bind: Bind) -> Address | None:
    """A real address to show as an example in search hints: the lowest house number on
    the street with the most addresses (None for an empty register)."""
    busiest = (
        sa.select(addresses.c.street_key)
        .group_by(addresses.c.street_key)
        .order_by(sa.func.count().desc(), addresses.c.street_key)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(addresses)
        .where(addresses.c.street_key == busiest)
        .order_by(sa.func.length(addresses.c.house_number), addresses.c.house_number)
        .limit(1)
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    return _public(row) if row else None


def street_names(bind: Bind, street: str) -> tuple[str, str | None] | None:
    """(the register's name, the Swedish name) of a street given by either name."""
    key = street_key(street)
    query = (
        sa.select(addresses.c.street, addresses.c.street_sv)
        .where(sa.or_(addresses.c.street_key == key, addresses.c.street_sv_key == key))
        .limit(1)
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).first()
    return (row[0], row[1]) if row else None


def addresses_on_streets(bind: Bind, streets: Iterable[str]) -> list[str]:
    """The ids of every address on the streets (each given by either name)."""
    keys = sorted({street_key(s) for s in streets if s.strip()})
    if not keys:
        return []
    query = sa.select(addresses.c.id).where(
        sa.or_(addresses.c.street_key.in_(keys), addresses.c.street_sv_key.in_(keys))
    )
    with read_connection(bind) as conn:
        return sorted(conn.execute(query.order_by(addresses.c.id)).scalars())


def load_addresses(bind: Bind, ids: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Addresses (all, or those with `ids`) as a GeoDataFrame in EPSG:4326."""
    query = sa.select(*(addresses.c[c] for c in ADDRESS_COLUMNS), addresses.c.geometry)
    with read_connection(bind) as conn:
        if ids is None:
            rows = conn.execute(query.order_by(addresses.c.id)).all()
        else:
            wanted = sorted(set(ids))
            rows = []
            for start in range(0, len(wanted), 1000):  # keep IN lists small
                chunk = wanted[start : start + 1000]
                rows += conn.execute(query.where(addresses.c.id.in_(chunk))).all()
            rows.sort(key=lambda r: r[0])
    frame = {c: [r[i] for r in rows] for i, c in enumerate(ADDRESS_COLUMNS)}
    return gpd.GeoDataFrame(frame, geometry=[r[-1] for r in rows], crs=PUBLIC_CRS)


def address_places(bind: Bind, ids: Iterable[str]) -> pd.DataFrame:
    """The distinct (street, municipality) of these addresses, without their geometry:
    what a public area names, read fast for a large outage."""
    query = sa.select(addresses.c.street, addresses.c.municipality).distinct()
    wanted = sorted(set(ids))
    rows: set[tuple[Any, Any]] = set()
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), 1000):  # keep IN lists small
            chunk = wanted[start : start + 1000]
            found = conn.execute(query.where(in_values(conn, addresses.c.id, chunk)))
            rows |= {tuple(r) for r in found}
    return pd.DataFrame(sorted(rows, key=str), columns=["street", "municipality"])


def _public(row: Any) -> Address:
    return Address(**{c: row[c] for c in (*ADDRESS_COLUMNS, "geometry")})


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def address_bounds(bind: Bind) -> tuple[float, float, float, float] | None:
    """The WGS84 box around every address: the service area's extent. None when empty."""
    column = addresses.c.geometry
    with read_connection(bind) as conn:
        if conn.dialect.name == "postgresql":
            box = sa.func.ST_Extent(column)
            row = conn.execute(
                sa.select(sa.func.ST_XMin(box), sa.func.ST_YMin(box),
                          sa.func.ST_XMax(box), sa.func.ST_YMax(box))
            ).one()
            return None if row[0] is None else (
                float(row[0]), float(row[1]), float(row[2]), float(row[3])
            )
        boxes = [
            shapely.total_bounds(points)
            for points in conn.execute(sa.select(column).where(column.is_not(None)))
            .scalars()
            .partitions(BATCH_SIZE)
        ]
    if not boxes:
        return None
    return (
        float(min(b[0] for b in boxes)),
        float(min(b[1] for b in boxes)),
        float(max(b[2] for b in boxes)),
        float(max(b[3] for b in boxes)),
    )


def address_lines(bind: Bind, ids: Iterable[str]) -> dict[str, str]:
    """{address id: "Street 1, 00100"} for these addresses (ids not found are left out):
    what an engineer reads in a difference rather than register ids."""
    c = addresses.c
    query = sa.select(c.id, c.street, c.house_number, c.postal_code)
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), 1000):  # keep IN lists small
            chunk = wanted[start : start + 1000]
            for row in conn.execute(query.where(in_values(conn, c.id, chunk))):
                found[row.id] = f"{row.street} {row.house_number}, {row.postal_code}"
    return found


def municipalities_of(bind: Bind, ids: Iterable[str]) -> dict[str, str | None]:
    """{address id: its municipality} for these addresses (ids not found are left out)."""
    query = sa.select(addresses.c.id, addresses.c.municipality)
    wanted = sorted(set(ids))
    found: dict[str, str | None] = {}
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), 1000):  # keep IN lists small
            chunk = wanted[start : start + 1000]
            found |= dict(conn.execute(query.where(in_values(conn, addresses.c.id, chunk))).all())
    return found
