"""The trace's lists of ids in an outage's `affected`: left out where they are not needed.

A national outage's trace lists hundreds of thousands of link, service point and
address ids. Publishing, resolving and cancelling change the outage's header (status,
times, version), so they read it without the lists (the database cuts them:
PostgreSQL's jsonb operators, SQLite's JSON1 functions), and its event gets them from
the outage row inside the database (`event_writes`), never decoded in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gis_outage.storage.columns import JSONType
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outage_records import Outage
from gis_outage.storage.schema import outages

# The lists of ids a trace gives an outage's `affected` (Trace.affected in services).
TRACE_LISTS = ("addresses", "service_points", "links", "isolated_links")


class ListsLeftOut(LookupError):
    """A header's reader asked for a list of ids the header was read without."""


class WithoutLists(dict[str, Any]):
    """An `affected` read without the lists `left_out`. Asking it for one of them
    raises ListsLeftOut instead of answering None, which a reader would take for an
    outage that reaches nobody: that reader needs the whole record."""

    def __init__(self, members: Mapping[str, Any], left_out: Sequence[str]) -> None:
        super().__init__(members)
        self.left_out = frozenset(left_out)

    def _refuse(self, key: object) -> None:
        if key in self.left_out:
            raise ListsLeftOut(f"{key!r} was left out of this header; read the whole record")

    def __missing__(self, key: str) -> Any:
        self._refuse(key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        if not dict.__contains__(self, key):
            self._refuse(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        if not dict.__contains__(self, key):
            self._refuse(key)
            return False
        return True


def without_lists(
    column: sa.ColumnElement[Any], path: Sequence[str], keys: Sequence[str], dialect: str
) -> sa.ColumnElement[Any]:
    """The JSON `column` without the members `keys` of its object at `path` ([] for
    the top level)."""
    if dialect == "postgresql":
        expr: Any = sa.type_coerce(column, JSONB)
        for key in keys:
            expr = expr.delete_path([*path, key])
        return sa.type_coerce(expr, JSONB)
    prefix = "$" + "".join(f".{p}" for p in path)
    return sa.type_coerce(sa.func.json_remove(column, *[f"{prefix}.{k}" for k in keys]), JSONType)


def header_columns(conn: Connection) -> list[sa.ColumnElement[Any]]:
    """Every column of `outages`, `affected` without TRACE_LISTS."""
    affected = without_lists(outages.c.affected, [], TRACE_LISTS, conn.dialect.name)
    return [c if c.name != "affected" else affected.label("affected") for c in outages.c]


def outage_header(row: Mapping[str, Any]) -> Outage:
    """The record of a row read with `header_columns`: its `affected` refuses the lists."""
    outage = Outage.from_row(row)
    return replace(outage, affected=WithoutLists(outage.affected or {}, TRACE_LISTS))


def outage_list(conn: Connection, outage_id: int, key: str) -> list[str]:
    """One of the outage's TRACE_LISTS, whole ([] when it has none)."""
    if key not in TRACE_LISTS:
        raise ValueError(f"{key!r} is not one of a trace's lists: {', '.join(TRACE_LISTS)}")
    if conn.dialect.name == "postgresql":
        value: Any = sa.type_coerce(outages.c.affected, JSONB)[key]
    else:
        value = sa.type_coerce(sa.func.json_extract(outages.c.affected, f"$.{key}"), JSONType)
    row = conn.execute(sa.select(value).where(outages.c.id == outage_id)).first()
    if row is None:
        raise NotFound(f"no outage {outage_id}")
    return [str(i) for i in row[0] or []]
