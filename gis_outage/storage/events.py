"""Outage events read in parts: the header that deciding and rendering need, and the
trace's lists of ids a slice at a time.

An event's payload holds the outage as it was at the event with its trace, and a
national event's trace lists hundreds of thousands of address ids. Deciding whether to
send, rendering and sending read none of them, and recipients are resolved a slice of
addresses at a time, so no reader takes the whole list: the database cuts it
(PostgreSQL's jsonb operators and SQL/JSON path, SQLite's JSON1 functions).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gis_outage.storage.db import Bind, read_connection
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outage_records import OutageEvent
from gis_outage.storage.schema import outage_events, outages
from gis_outage.storage.trace_lists import TRACE_LISTS, WithoutLists, without_lists

# The lists of ids in `payload.outage.affected` that a header leaves out: the trace's,
# and whom a resolve leaves cut off by another outage.
EVENT_LISTS = (*TRACE_LISTS, "still_cut_off")


def _header_query(conn: Connection) -> sa.Select[Any]:
    c = outage_events.c
    payload = without_lists(c.payload, ["outage", "affected"], EVENT_LISTS, conn.dialect.name)
    return sa.select(c.id, c.outage_id, c.kind, c.created_at, payload.label("payload"))


def event_header(bind: Bind, event_id: int) -> OutageEvent:
    """The event as `outages.get_event` reads it, but without the trace's lists of ids
    (EVENT_LISTS): kind, times, texts, streets, critical customers, counts."""
    with read_connection(bind) as conn:
        query = _header_query(conn).where(outage_events.c.id == event_id)
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no outage event {event_id}")
    return _header(row)


def _header(row: Any) -> OutageEvent:
    """The record of a row of `_header_query`: its `affected` refuses EVENT_LISTS."""
    payload = dict(row["payload"])
    snapshot = dict(payload.get("outage") or {})
    snapshot["affected"] = WithoutLists(snapshot.get("affected") or {}, EVENT_LISTS)
    return OutageEvent.from_row({**row, "payload": {**payload, "outage": snapshot}})


def event_headers_for(bind: Bind, outage_id: int) -> list[OutageEvent]:
    """The outage's events in order, as headers (`event_header`)."""
    with read_connection(bind) as conn:
        query = _header_query(conn).where(outage_events.c.outage_id == outage_id)
        rows = conn.execute(query.order_by(outage_events.c.id)).mappings()
        return [_header(r) for r in rows]


_PG_SLICE = sa.text(
    "SELECT jsonb_path_query_array(payload, CAST(:path AS jsonpath), "
    "jsonb_build_object('a', CAST(:a AS integer), 'b', CAST(:b AS integer))) AS ids "
    "FROM outage_events WHERE id = :id"
).columns(sa.column("ids", JSONB))

_SQLITE_SLICE = sa.text(
    "SELECT json_each.value FROM outage_events, json_each(outage_events.payload, :path) "
    "WHERE outage_events.id = :id AND json_each.key >= :a AND json_each.key <= :b "
    "ORDER BY json_each.key"
)


def event_ids(bind: Bind, event_id: int, key: str, start: int, size: int) -> list[str]:
    """Ids `start` to `start + size - 1` (by position) of the event's list `key`
    (one of EVENT_LISTS) as text; fewer, or none, past its end."""
    if key not in EVENT_LISTS:
        raise ValueError(f"{key!r} is not one of an event's lists: {', '.join(EVENT_LISTS)}")
    if size <= 0 or start < 0:
        return []
    params = {"id": event_id, "a": start, "b": start + size - 1}
    with read_connection(bind) as conn:
        if conn.dialect.name == "postgresql":
            path = f"$.outage.affected.{key}[$a to $b]"
            found = conn.execute(_PG_SLICE, {**params, "path": path}).scalar()
            return [str(i) for i in found or []]
        rows = conn.execute(_SQLITE_SLICE, {**params, "path": f"$.outage.affected.{key}"})
        return [str(r[0]) for r in rows]


def outage_status(bind: Bind, outage_id: int) -> str:
    """An outage's status alone (not its trace)."""
    with read_connection(bind) as conn:
        status = conn.execute(sa.select(outages.c.status).where(outages.c.id == outage_id)).scalar()
    if status is None:
        raise NotFound(f"no outage {outage_id}")
    return str(status)
