"""A geometry column that is PostGIS on PostgreSQL and WKB in a BLOB on SQLite.

Python code always sees shapely geometries. On PostgreSQL values are bound as hex EWKB
text (PostGIS parses it when casting text to geometry) and come back as hex EWKB, the
geometry type's text output. On SQLite plain WKB bytes are stored; spatial work there is
done in-process with shapely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary, cast, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine, UserDefinedType


class Encoded(str):
    """A geometry already in its database form (hex EWKB), from `encode_many`."""


class EncodedBytes(bytes):
    """A geometry already in its database form (WKB), from `encode_many`."""


def encode_many(
    geometries: Sequence[BaseGeometry | None], dialect_name: str, srid: int | None = None
) -> list[Encoded | EncodedBytes | None]:
    """Encode geometries for a bulk insert into a `Geometry(srid=None)` column, tagged
    with `srid` (vectorised: several times faster than the per-row bind processor)."""
    array = np.asarray(geometries, dtype=object)
    if dialect_name == "postgresql":
        if srid is not None:
            array = shapely.set_srid(array, srid)
        encoded = shapely.to_wkb(array, hex=True, include_srid=True)
        return [None if e is None else Encoded(e) for e in encoded]
    encoded = shapely.to_wkb(array, include_srid=False)
    return [None if e is None else EncodedBytes(e) for e in encoded]


def raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """Select a geometry column undecoded, to decode many rows at once with decode_many."""
    return type_coerce(column, NullType()).label(column.key)


def decode_many(values: Sequence[Any]) -> list[BaseGeometry | None]:
    """Decode raw column values (WKB bytes or hex EWKB text) in one vectorised call."""
    array = np.asarray([bytes(v) if isinstance(v, memoryview) else v for v in values], object)
    return list(shapely.set_srid(shapely.from_wkb(array), 0)) if len(array) else []


class PostGISGeometry(UserDefinedType[Any]):
    """The native type: `geometry(Geometry,<srid>)`, or plain `geometry` for srid None.

    Plain `geometry` takes any SRID and any dimension (PostGIS's typmod `Geometry`
    would refuse Z, and network files often carry elevations).
    """

    cache_ok = True

    def __init__(self, srid: int | None = None) -> None:
        self.srid = srid

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry(Geometry,{self.srid})" if self.srid else "geometry"

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        # Make the text -> geometry conversion explicit, whatever type psycopg
        # gives the parameter.
        return cast(bindvalue, self)


class Geometry(TypeDecorator[BaseGeometry]):
    """Portable geometry column.

    `srid` fixes the SRID of the column (enforced by PostGIS); such columns hold the
    public, 2D geometries, so Z/M are dropped on both backends alike. With `srid=None`
    each value keeps its own SRID (set with `shapely.set_srid`) and dimensions: network
    features, whose CRS is recorded per network version. Geometries read back have
    SRID 0 so both backends return identical objects; the CRS lives in the schema.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, srid: int | None = None) -> None:
        super().__init__()
        self.srid = srid

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry(self.srid))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or isinstance(value, Encoded | EncodedBytes):
            return value  # already encoded by encode_many (bulk inserts)
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        if self.srid is not None:
            value = shapely.force_2d(value)
        if dialect.name == "postgresql":
            if self.srid is not None:
                value = shapely.set_srid(value, self.srid)
            return shapely.to_wkb(value, hex=True, include_srid=True)
        return shapely.to_wkb(value, include_srid=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, memoryview):
            value = bytes(value)
        return shapely.set_srid(shapely.from_wkb(value), 0)

    def copy(self, **kw: Any) -> Geometry:
        return Geometry(self.srid)

    def __repr__(self) -> str:
        # Used by Alembic autogenerate when it renders this type into a migration.
        return f"Geometry(srid={self.srid!r})"
