"""How each column's values are written to and read from a backup's JSON lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import shapely
import sqlalchemy as sa

from gis_outage.storage.geometry import Geometry


class BackupError(Exception):
    """A file or database that cannot be exported or imported; one line, no personal data."""


Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def value_kind(column: sa.Column[Any]) -> str:
    """The backup encoding of a column's type."""
    type_ = column.type
    if isinstance(type_, Geometry):
        return "geometry"
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    for kind, types in (
        ("boolean", sa.Boolean),
        ("integer", sa.Integer),
        ("float", sa.Float | sa.Numeric),
        ("datetime", sa.DateTime),
        ("json", sa.JSON),
        ("enum", sa.Enum),  # before String: Enum is a String
        ("text", sa.String),
        ("binary", sa.LargeBinary),
    ):
        if isinstance(type_, types):
            return kind
    raise BackupError(
        f"column {column.table.name}.{column.name} has type {type_!r}, "
        "which backups have no encoding for"
    )


def hex_wkb(geometry: Any) -> str | None:
    return None if geometry is None else shapely.to_wkb(geometry, hex=True, include_srid=False)


ENCODERS: dict[str, Encoder] = {
    "geometry": hex_wkb,
    "datetime": lambda v: None if v is None else v.isoformat(),
    "binary": lambda v: None if v is None else bytes(v).hex(),
    "enum": lambda v: None if v is None else str(getattr(v, "value", v)),
}


class BadValue(ValueError):
    """A value of the wrong shape; the message names the expectation, never the value."""


def decoder(column: sa.Column[Any]) -> Decoder:
    kind = value_kind(column)

    def check(ok: bool, expected: str) -> None:
        if not ok:
            raise BadValue(f"column {column.name}: expected {expected}")

    def decode(value: Any) -> Any:
        if value is None:
            check(column.nullable, "a value, not null")
            return None
        if kind == "boolean":
            check(isinstance(value, bool), "true or false")
        elif kind == "integer":
            check(isinstance(value, int) and not isinstance(value, bool), "an integer")
        elif kind == "float":
            check(isinstance(value, int | float) and not isinstance(value, bool), "a number")
        elif kind in ("text", "enum"):
            check(isinstance(value, str), "a string")
            if kind == "enum":
                allowed = column.type.enums  # type: ignore[attr-defined]
                check(value in allowed, f"one of {', '.join(allowed)}")
        elif kind == "datetime":
            check(isinstance(value, str), "an ISO 8601 time")
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise BadValue(f"column {column.name}: expected an ISO 8601 time") from None
            check(value.tzinfo is not None, "a time with its UTC offset")
        elif kind in ("geometry", "binary"):
            check(isinstance(value, str), "hex")
            try:
                raw = bytes.fromhex(value)
                return shapely.from_wkb(raw) if kind == "geometry" else raw
            except (ValueError, shapely.errors.GEOSException):
                raise BadValue(f"column {column.name}: expected hex {kind}") from None
        return value

    return decode
