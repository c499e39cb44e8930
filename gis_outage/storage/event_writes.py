"""Writing an outage's event: the snapshot residents are told about and its outbox row.

The snapshot's trace lists (`trace_lists.TRACE_LISTS`) are copied from the outage row
by the database in one statement, so a change that read only the outage's header
writes a whole event without Python ever holding the lists. Lists the change decides
itself (who a resolve tells, an extension's new addresses) are given explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import EventKind
from gis_outage.storage.outage_records import Outage, event_snapshot
from gis_outage.storage.outbox import NOTIFY_TASK, enqueue
from gis_outage.storage.schema import outage_events, utcnow
from gis_outage.storage.trace_lists import TRACE_LISTS

_KEYS = sa.bindparam("keys", expanding=True)

# The outage's lists `keys` merged into the event's snapshot of `affected` (which has
# none of them, so nothing it says is overwritten). The outage's `affected` less its
# other members, not jsonb_object_agg: that took 30 s on a list of 400,000 ids.
_PG_COPY = sa.text(
    "UPDATE outage_events SET payload = jsonb_set(payload, '{outage,affected}', "
    "(payload #> '{outage,affected}') || (SELECT o.affected - ARRAY(SELECT k FROM "
    "jsonb_object_keys(o.affected) k WHERE k NOT IN :keys) FROM outages o "
    "WHERE o.id = :outage_id)) WHERE id = :event_id"
).bindparams(_KEYS)

# json_patch (RFC 7396) drops members whose patch value is null: the snapshot is the
# target, so its nulls stay, and the patch holds only the lists.
_SQLITE_COPY = sa.text(
    "UPDATE outage_events SET payload = json_set(payload, '$.outage.affected', "
    "json_patch(json_extract(payload, '$.outage.affected'), (SELECT "
    "json_group_object(l.key, json(l.value)) FROM outages o, json_each(o.affected) l "
    "WHERE o.id = :outage_id AND l.key IN :keys))) WHERE id = :event_id"
).bindparams(_KEYS)


def write_event(
    conn: Connection,
    outage: Outage,
    kind: EventKind,
    changed: Sequence[str],
    lists: Mapping[str, list[str]] | None = None,
) -> int:
    """The event `kind` of `outage` (a header or whole: its trace lists are not read)
    and its outbox row; returns the event's id. The snapshot's lists are `lists` where
    given, else the outage row's as stored in this transaction."""
    lists = dict(lists or {})
    snapshot = event_snapshot(outage)
    header = {k: v for k, v in (snapshot.get("affected") or {}).items() if k not in TRACE_LISTS}
    payload: dict[str, Any] = {
        "outage": {**snapshot, "affected": {**header, **lists}},
        "changed": list(changed),
    }
    event_id = int(
        conn.execute(
            outage_events.insert().values(
                outage_id=outage.id, kind=kind.value, created_at=utcnow(), payload=payload
            )
        ).inserted_primary_key[0]
    )
    copied = [k for k in TRACE_LISTS if k not in lists]
    if copied:
        copy = _PG_COPY if conn.dialect.name == "postgresql" else _SQLITE_COPY
        conn.execute(copy, {"event_id": event_id, "outage_id": outage.id, "keys": copied})
    enqueue(
        conn,
        event_id,
        NOTIFY_TASK,
        {"event_id": event_id, "outage_id": outage.id, "kind": kind.value},
    )
    return event_id
