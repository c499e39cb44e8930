"""Outages and their life cycle.

Every change is one transaction that writes the outage, the event residents are told
about (per `model.TRANSITIONS`; an edit of a published outage is an `updated` event),
one outbox row for the notifier and an audit row. The `version` column makes
concurrent edits fail loudly instead of overwriting each other. A change that does not
edit the affected set reads and returns the outage's header (`trace_lists`: `affected`
without the trace's lists of ids); its event gets them from the row in the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Connection

from gis_outage.model import TRANSITIONS, EventKind, OutageKind, OutageStatus, Service
from gis_outage.public import PUBLIC_FIELDS, PublicOutage, public_outage
from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.errors import ConflictError, InvalidTransition, NotFound
from gis_outage.storage.event_writes import write_event
from gis_outage.storage.outage_records import Outage, OutageEvent
from gis_outage.storage.schema import outage_events, outages, utcnow
from gis_outage.storage.trace_lists import header_columns, outage_header, outage_list

# Fields an engineer may edit with update_outage (status changes go through change_status).
EDITABLE = frozenset(
    {
        "kind",
        "starts_at",
        "estimated_end_at",
        "cause",
        "texts",
        "affected",
        "public_area",
        "area_description",
    }
)
CLOSED = frozenset({OutageStatus.RESOLVED, OutageStatus.CANCELLED})

BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat (EPSG:4326)


def create_outage(
    bind: Bind,
    *,
    service: str,
    kind: str,
    starts_at: datetime,
    created_by: str,
    estimated_end_at: datetime | None = None,
    cause: str | None = None,
    texts: dict[str, str] | None = None,
    affected: dict[str, Any] | None = None,
    public_area: BaseGeometry | None = None,
    area_description: str | None = None,
) -> int:
    """Create a draft outage (no event: drafts are not announced); returns its id."""
    now = utcnow()
    values = {
        "service": Service(service).value,
        "kind": OutageKind(kind).value,
        "status": OutageStatus.DRAFT.value,
        "starts_at": starts_at,
        "estimated_end_at": estimated_end_at,
        "cause": cause,
        "texts": dict(texts or {}),
        "affected": dict(affected or {}),
        "public_area": public_area,
        "area_description": area_description,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    _check(values)
    with write_transaction(bind) as conn:
        outage_id = int(conn.execute(outages.insert().values(values)).inserted_primary_key[0])
        write_audit(conn, created_by, "outage.create", _target(outage_id), {"status": "draft"})
    return outage_id


def update_outage(
    bind: Bind,
    outage_id: int,
    actor: str,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> Outage:
    """Edit an outage's fields; returns the updated outage (its header, unless
    `affected` is among the changes).

    A published outage gets an `updated` event (and its outbox row); a draft is edited
    quietly. Closed (resolved/cancelled) outages cannot be edited. With
    `expected_version`, a concurrent edit raises ConflictError. Changes equal to the
    stored values write nothing.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"cannot edit {sorted(unknown)}; editable: {sorted(EDITABLE)}")
    if "kind" in changes:
        changes["kind"] = OutageKind(changes["kind"]).value
    with write_transaction(bind) as conn:
        # An edit of times, cause or texts compares and returns the header only.
        header = "affected" not in changes
        current = _get_for_change(conn, outage_id, expected_version, header=header)
        if current.status in CLOSED:
            raise ConflictError(f"outage {outage_id} is {current.status}; it cannot be edited")
        changed = sorted(k for k, v in changes.items() if not _same(getattr(current, k), v))
        if not changed:
            return current
        _check({**current.as_dict(), **changes})
        updated = _write_change(conn, current, {k: changes[k] for k in changed})
        details: dict[str, Any] = {"fields": changed, "version": updated.version}
        if current.status == OutageStatus.PUBLISHED:
            details["event_id"] = write_event(conn, updated, EventKind.UPDATED, changed)
        write_audit(conn, actor, "outage.update", _target(outage_id), details)
    return updated


def change_status(
    bind: Bind,
    outage_id: int,
    new_status: str,
    actor: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
    notify_addresses: list[str] | None = None,
) -> Outage:
    """Move an outage along its life cycle; returns the updated outage.

    `notify_addresses`: the addresses the event's message goes to when not all of the
    affected set (an overlapping outage still cuts the others off).

    Writes the event that `model.TRANSITIONS` names, its outbox row and an audit row,
    all in one transaction. Resolving sets `ended_at` (to `at`, default now).
    Raises InvalidTransition for a change the life cycle does not allow. Reads and
    returns the outage's header (no trace lists).
    """
    new = OutageStatus(new_status)
    with write_transaction(bind) as conn:
        current = _get_for_change(conn, outage_id, expected_version, header=True)
        old = current.status
        event_kind = TRANSITIONS.get((old, new))
        if event_kind is None:
            allowed = sorted(to.value for (frm, to) in TRANSITIONS if frm == old) or ["nothing"]
            raise InvalidTransition(
                f"outage {outage_id} is {old.value}; it cannot become {new.value} "
                f"(allowed: {', '.join(allowed)})"
            )
        values: dict[str, Any] = {"status": new.value}
        if new == OutageStatus.RESOLVED:
            values["ended_at"] = at or utcnow()
        updated = _write_change(conn, current, values)
        told: dict[str, list[str]] = {}
        if notify_addresses is not None:  # the rest is still cut off by another outage
            addresses = outage_list(conn, outage_id, "addresses")
            told = {"addresses": sorted(notify_addresses),
                    "still_cut_off": sorted(set(addresses) - set(notify_addresses))}
        event_id = write_event(conn, updated, event_kind, sorted(values), told)
        write_audit(
            conn,
            actor,
            f"outage.{new.value}",
            _target(outage_id),
            {"from": old.value, "to": new.value, "event_id": event_id},
        )
    return updated


def change_affected(
    bind: Bind,
    outage_id: int,
    actor: str,
    *,
    affected: dict[str, Any],
    public_area: Any,
    area_description: str | None,
    newly_affected: list[str],
    restored: list[str],
    action: str,
    expected_version: int | None = None,
) -> Outage:
    """The field changed what an outage cuts off: store its new affected set and area;
    a published outage gets an `extended` event for the newly affected addresses and a
    `restored` one for those whose supply is back, each naming only them. One transaction."""
    with write_transaction(bind) as conn:
        current = _get_for_change(conn, outage_id, expected_version, header=True)
        if current.status in CLOSED:
            raise ConflictError(f"outage {outage_id} is {current.status}; it cannot change")
        values = {"affected": affected, "public_area": public_area,
                  "area_description": area_description}
        updated = _write_change(conn, current, values)
        details: dict[str, Any] = {"action": action, "version": updated.version,
                                   "added": len(newly_affected), "restored": len(restored)}
        if current.status == OutageStatus.PUBLISHED:
            for kind, addresses in ((EventKind.EXTENDED, newly_affected),
                                    (EventKind.RESTORED, restored)):
                if addresses:
                    details[f"{kind.value}_event_id"] = write_event(
                        conn, updated, kind, ["affected"], {"addresses": sorted(addresses)})
        write_audit(conn, actor, f"outage.{action}", _target(outage_id), details)
    return updated


def add_reminder(bind: Bind, outage_id: int, actor: str) -> int:
    """Write a `reminder` event (e.g. the day before planned works); returns its id."""
    with write_transaction(bind) as conn:
        current = _get_for_change(conn, outage_id, None, header=True)
        if current.status != OutageStatus.PUBLISHED:
            raise ConflictError(f"outage {outage_id} is {current.status}; no reminder")
        event_id = write_event(conn, current, EventKind.REMINDER, [])
        write_audit(conn, actor, "outage.reminder", _target(outage_id), {"event_id": event_id})
    return event_id


def add_reminder_once(bind: Bind, outage_id: int, *, announced_before: date, zone: ZoneInfo,
                      actor: str) -> int | None:
    """A `reminder` event unless the outage has one already or was first announced on or
    after `announced_before` (local date): its notice is fresh. Returns the event id."""
    with write_transaction(bind) as conn:
        # Lock the outage row (PostgreSQL; SQLite's write lock is already ours), so two
        # schedulers cannot both see "no reminder yet".
        conn.execute(sa.select(outages.c.id).where(outages.c.id == outage_id).with_for_update())
        events = conn.execute(
            sa.select(outage_events.c.kind, outage_events.c.created_at).where(
                outage_events.c.outage_id == outage_id
            )
        ).all()
        if any(kind == EventKind.REMINDER for kind, _ in events):
            return None
        published = [at for kind, at in events if kind == EventKind.PUBLISHED]
        if not published or min(published).astimezone(zone).date() >= announced_before:
            return None
        current = _get_for_change(conn, outage_id, None, header=True)
        if current.status != OutageStatus.PUBLISHED:
            return None
        event_id = write_event(conn, current, EventKind.REMINDER, [])
        write_audit(conn, actor, "outage.reminder", _target(outage_id), {"event_id": event_id})
    return event_id


def get_outage(bind: Bind, outage_id: int) -> Outage:
    with read_connection(bind) as conn:
        row = conn.execute(sa.select(outages).where(outages.c.id == outage_id)).mappings().first()
    if row is None:
        raise NotFound(f"no outage {outage_id}")
    return Outage.from_row(row)


def get_outage_header(bind: Bind, outage_id: int) -> Outage:
    """The outage as `get_outage` reads it, but `affected` without the trace's lists of
    ids (`trace_lists.TRACE_LISTS`): what publishing, resolving and cancelling need."""
    with read_connection(bind) as conn:
        query = sa.select(*header_columns(conn)).where(outages.c.id == outage_id)
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no outage {outage_id}")
    return outage_header(row)


def list_outages(
    bind: Bind,
    *,
    status: str | Iterable[str] | None = None,
    service: str | None = None,
    bbox: BBox | None = None,
    updated_since: datetime | None = None,
    limit: int | None = None,
    header: bool = False,
) -> list[Outage]:
    """Outages ordered by start time; `bbox` keeps those whose public area meets it.
    `header`: each without its trace lists (as `get_outage_header` reads one)."""
    query = sa.select(outages)
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        query = query.where(outages.c.status.in_([OutageStatus(s).value for s in statuses]))
    if service is not None:
        query = query.where(outages.c.service == Service(service).value)
    if updated_since is not None:
        query = query.where(outages.c.updated_at > updated_since)
    query = query.order_by(outages.c.starts_at, outages.c.id)
    record = outage_header if header else Outage.from_row
    with read_connection(bind) as conn:
        if header:
            query = query.with_only_columns(*header_columns(conn))
        if bbox is None:
            return [record(r) for r in conn.execute(query.limit(limit)).mappings()]
        if conn.dialect.name == "postgresql":
            # Uses the GIST index on public_area.
            envelope = sa.func.ST_MakeEnvelope(*map(float, bbox), 4326)
            query = query.where(sa.func.ST_Intersects(outages.c.public_area, envelope))
            return [record(r) for r in conn.execute(query.limit(limit)).mappings()]
        # SQLite: spatial filtering in-process with shapely.
        box = shapely.box(*bbox)
        rows = conn.execute(query.where(outages.c.public_area.is_not(None))).mappings()
        hits = [record(r) for r in rows if shapely.intersects(r["public_area"], box)]
        return hits[:limit] if limit is not None else hits


def public_outages(
    bind: Bind,
    *,
    service: str | None = None,
    bbox: BBox | None = None,
    starting_before: datetime | None = None,
) -> list[PublicOutage]:
    """Published outages — ongoing and upcoming planned works — as the public sees them.

    `starting_before` limits upcoming works to a horizon (e.g. the coming weeks).
    """
    rows = list_outages(bind, status=OutageStatus.PUBLISHED, service=service, bbox=bbox)
    if starting_before is not None:
        rows = [r for r in rows if r.starts_at <= starting_before]
    return [public_outage(r.as_dict()) for r in rows]


@dataclass(frozen=True)
class PublicState:
    token: str  # changes with any change to the outages table
    newest: datetime | None  # the newest edit
    outages: tuple[PublicOutage, ...] | None  # public ones; None: the token was known
    versions: dict[int, int] | None = None  # id -> version of each of `outages`


def _public_columns() -> list[sa.ColumnElement[Any]]:
    return [*(outages.c[c] for c in PUBLIC_FIELDS), outages.c.affected]


def public_state(
    bind: Bind,
    known_token: str | None = None,
    *,
    ended_since: datetime | None = None,
    known: Mapping[int, tuple[int, PublicOutage]] | None = None,
) -> PublicState:
    """The public outages (ongoing and upcoming planned works, and those resolved or
    cancelled since `ended_since`, public fields only) and a token for them, read in one
    transaction so they match; the outages are read only when the token is not
    `known_token`. The token counts the recently ended ones too, so it changes when one
    of them ages out of the window, not only when the table changes.

    `known` (id -> (version, outage) of a previous read): those whose version is
    unchanged are taken from it instead of being read and parsed again (every change
    to an outage raises its version), so a publish costs one outage, not all."""
    recent = sa.false()
    if ended_since is not None:
        recent = sa.and_(
            outages.c.status.in_([s.value for s in CLOSED]), outages.c.updated_at >= ended_since
        )
    token_query = sa.select(
        sa.func.count(),
        sa.func.max(outages.c.updated_at),
        sa.func.coalesce(sa.func.sum(outages.c.version), 0),
        sa.func.max(outages.c.id),
        sa.func.coalesce(sa.func.sum(sa.case((recent, 1), else_=0)), 0),
    )
    shown = sa.or_(outages.c.status == OutageStatus.PUBLISHED.value, recent)
    keys_query = (
        sa.select(outages.c.id, outages.c.version)
        .where(shown)
        .order_by(outages.c.starts_at, outages.c.id)
    )
    known = known or {}
    with read_connection(bind) as conn:
        count, newest, versions, max_id, ended = conn.execute(token_query).one()
        raw = f"{count}|{newest}|{versions}|{max_id}|{ended}"
        token = hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()
        if token == known_token:
            return PublicState(token, newest, None)
        keys = [(int(i), int(v)) for i, v in conn.execute(keys_query)]
        wanted = [i for i, v in keys if known.get(i, (None,))[0] != v]
        read: dict[int, PublicOutage] = {}
        for start in range(0, len(wanted), 500):
            query = sa.select(*_public_columns()).where(
                outages.c.id.in_(wanted[start : start + 500])
            )
            read.update((int(r["id"]), public_outage(r)) for r in conn.execute(query).mappings())
    found = tuple(read[i] if i in read else known[i][1] for i, _ in keys if i in read or i in known)
    version = dict(keys)
    return PublicState(token, newest, found, {o.id: version[o.id] for o in found})


def announced_outages(bind: Bind, limit: int) -> list[PublicOutage]:
    """Outages ever announced (not drafts), the most recently changed first."""
    query = (
        sa.select(*_public_columns())
        .where(outages.c.status != OutageStatus.DRAFT.value)
        .order_by(outages.c.updated_at.desc(), outages.c.id.desc())
        .limit(limit)
    )
    with read_connection(bind) as conn:
        return [public_outage(row) for row in conn.execute(query).mappings()]


def announced_outage(bind: Bind, outage_id: int) -> PublicOutage:
    """One announced outage as the public sees it; NotFound for drafts and unknown ids."""
    query = sa.select(*_public_columns()).where(
        outages.c.id == outage_id, outages.c.status != OutageStatus.DRAFT.value
    )
    with read_connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no outage {outage_id}")
    return public_outage(row)


def outage_events_for(bind: Bind, outage_id: int) -> list[OutageEvent]:
    """The outage's events in order, whole (trace lists and all: `storage.events` reads
    them without)."""
    query = (
        sa.select(outage_events)
        .where(outage_events.c.outage_id == outage_id)
        .order_by(outage_events.c.id)
    )
    with read_connection(bind) as conn:
        return [OutageEvent.from_row(r) for r in conn.execute(query).mappings()]


def get_event(bind: Bind, event_id: int) -> OutageEvent:
    """One event, whole."""
    with read_connection(bind) as conn:
        row = (
            conn.execute(sa.select(outage_events).where(outage_events.c.id == event_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no outage event {event_id}")
    return OutageEvent.from_row(row)


def _target(outage_id: int) -> str:
    return f"outage:{outage_id}"


def _check(values: dict[str, Any]) -> None:
    for field in ("starts_at", "estimated_end_at"):
        value = values.get(field)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValueError(f"{field} must be a timezone-aware datetime")
    end, start = values.get("estimated_end_at"), values["starts_at"]
    if end is not None and end < start:
        raise ValueError("estimated_end_at is before starts_at")
    area = values.get("public_area")
    if area is not None and not isinstance(area, BaseGeometry):
        raise TypeError("public_area must be a shapely geometry in EPSG:4326")


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, BaseGeometry) or isinstance(new, BaseGeometry):
        return old is not None and new is not None and shapely.equals_exact(old, new, 0)
    return bool(old == new)


def _get_for_change(
    conn: Connection, outage_id: int, expected_version: int | None, *, header: bool = False
) -> Outage:
    """The outage (`header`: without the trace lists) as a change starts from it."""
    columns = header_columns(conn) if header else list(outages.c)
    query = sa.select(*columns).where(outages.c.id == outage_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no outage {outage_id}")
    check_version(outage_id, row["version"], expected_version)
    return outage_header(row) if header else Outage.from_row(row)


def check_version(outage_id: int, version: int, expected_version: int | None) -> None:
    """ConflictError unless the outage is at `expected_version` (None: any)."""
    if expected_version is not None and version != expected_version:
        raise ConflictError(
            f"outage {outage_id} is at version {version}, not {expected_version}; "
            "reload it and try again"
        )


def _write_change(conn: Connection, current: Outage, values: dict[str, Any]) -> Outage:
    """Apply `values` if nobody changed the outage since `current` was read."""
    now = utcnow()
    values = {**values, "updated_at": now, "version": current.version + 1}
    result = conn.execute(
        outages.update()
        .where(outages.c.id == current.id, outages.c.version == current.version)
        .values(values)
    )
    if result.rowcount != 1:
        raise ConflictError(f"outage {current.id} was changed meanwhile; try again")
    typed = {"status": OutageStatus, "kind": OutageKind}
    return replace(current, **{k: typed[k](v) if k in typed else v for k, v in values.items()})
