"""The trace's lists of ids in an outage's `affected`: left out where they are not needed.

A national outage's trace lists hundreds of thousands of link, service point and
address ids. Publishing, resolving and cancelling change the outage's header (status,
times, version), so they read it without the lists (the database cuts them:
PostgreSQL's jsonb operators, SQLite's JSON1 functions), and its event gets them from
the outage row inside the database (`event_writes`), never decoded in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gis_outage.storage.columns import JSONType
from gis_outage.storage.errors import NotFound
from gis_outage.storage.schema import outages

# The lists of ids a trace gives an outage's `affected` (Trace.affected in services).
TRACE_LISTS = ("addresses", "service_points", "links", "isolated_links")


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
