"""Device positions set by hand and field findings, per network version.

One row per device that differs from the imported network: its position (`passes`, or
NULL for the normal one) and what a crew found (`finding`). A row that says nothing any
more is deleted. Every change writes an audit row (who, when, before and after), so the
history stays when the row goes.

A new import of the same service's network carries the rows over (with their who/when)
for the devices whose id the new version still has; `carried_over` tells what came along
and what was dropped because its device is gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gis_outage.model import DeviceFinding
from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.schema import device_states, network_devices, network_versions, utcnow

_KEEP = object()


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device that differs from the imported network (a row of `device_states`)."""

    network_version_id: int
    device_id: str
    passes: bool | None  # set by hand; None: the normal position
    finding: DeviceFinding | None
    note: str | None
    changed_by: str
    changed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A field state row a new network version could not take over: its device is gone."""

    device_id: str
    passes: bool | None
    finding: DeviceFinding | None


@dataclass(frozen=True, slots=True)
class CarriedOver:
    """What a new network version took over from the one current before it."""

    previous: int | None  # that version; None for a first import
    carried: list[str]  # device ids
    dropped: list[Dropped]


def _state(row: Any) -> DeviceState:
    finding = row.finding
    return DeviceState(row.network_version_id, row.device_id, row.passes,
                       DeviceFinding(finding) if finding is not None else None, row.note,
                       row.changed_by, row.changed_at)


def device_states_of(bind: Bind, version_id: int) -> list[DeviceState]:
    """The field state rows of one network version, by device id."""
    query = (sa.select(device_states).where(device_states.c.network_version_id == version_id)
             .order_by(device_states.c.device_id))
    with read_connection(bind) as conn:
        return [_state(row) for row in conn.execute(query)]


def known_devices(bind: Bind, version_id: int, ids: list[str]) -> set[str]:
    """Those of `ids` that are devices of the network version."""
    nd = network_devices.c
    found: set[str] = set()
    wanted = sorted(set(ids))
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), 500):
            query = sa.select(nd.feature_id).where(
                (nd.network_version_id == version_id)
                & nd.feature_id.in_(wanted[start:start + 500]))
            found.update(str(r[0]) for r in conn.execute(query))
    return found


def change_device_state(
    bind: Bind,
    version_id: int,
    device_id: str,
    actor: str,
    *,
    passes: bool | None | object = _KEEP,
    finding: DeviceFinding | str | None | object = _KEEP,
    note: str | None = None,
) -> DeviceState | None:
    """Set a device's position by hand (None: back to normal) and/or its finding (None:
    cleared); the row after the change, or None when nothing differs any more.
    LookupError when the version has no such device."""
    d = device_states.c
    key = (d.network_version_id == version_id) & (d.device_id == device_id)
    with write_transaction(bind) as conn:
        known = conn.execute(sa.select(network_devices.c.feature_id).where(
            (network_devices.c.network_version_id == version_id)
            & (network_devices.c.feature_id == device_id))).first()
        if known is None:
            raise LookupError(f"unknown device id {device_id!r}")
        old = conn.execute(sa.select(device_states).where(key)).mappings().first()
        row = {
            "passes": old["passes"] if old else None,
            "finding": old["finding"] if old else None,
            "note": note if note is not None else (old["note"] if old else None),
        }
        if passes is not _KEEP:
            row["passes"] = passes
        if finding is not _KEEP:
            row["finding"] = DeviceFinding(finding).value if finding is not None else None
        stamp = {"changed_by": actor, "changed_at": utcnow()}
        if row["passes"] is None and row["finding"] is None:
            conn.execute(device_states.delete().where(key))
            new = None
        elif old is None:
            new = {"network_version_id": version_id, "device_id": device_id, **row, **stamp}
            conn.execute(device_states.insert().values(**new))
        else:
            new = {**dict(old), **row, **stamp}
            conn.execute(device_states.update().where(key).values(**row, **stamp))
        write_audit(conn, actor, "device_state", f"device:{version_id}:{device_id}", {
            "before": {k: old[k] for k in ("passes", "finding")} if old else None,
            "after": {k: new[k] for k in ("passes", "finding")} if new else None,
        })
    if new is None:
        return None
    finding = new["finding"]
    return DeviceState(**{**new, "finding": DeviceFinding(finding) if finding else None})


def carry_over(conn: Connection, previous: int, version_id: int) -> None:
    """Copy the field state rows of `previous` to `version_id` for the devices the new
    version still has, keeping who set them and when (inside the import's transaction)."""
    d, nd = device_states.c, network_devices.c
    kept = (
        sa.select(sa.literal(version_id, sa.Integer), d.device_id, d.passes, d.finding, d.note,
                  d.changed_by, d.changed_at)
        .join(network_devices, (nd.feature_id == d.device_id)
              & (nd.network_version_id == version_id))
        .where(d.network_version_id == previous)
    )
    columns = ["network_version_id", "device_id", "passes", "finding", "note", "changed_by",
               "changed_at"]
    conn.execute(device_states.insert().from_select(columns, kept))


def carried_over(bind: Bind, version_id: int) -> CarriedOver:
    """What a new version took over from the one current before it: `previous` (its id,
    None for a first import), `carried` (device ids) and `dropped` (the devices the new
    version lacks: device_id, passes, finding; no names)."""
    v = network_versions.c
    with read_connection(bind) as conn:
        service = conn.execute(sa.select(v.service).where(v.id == version_id)).scalar_one()
        previous = conn.execute(
            sa.select(sa.func.max(v.id)).where(v.service == service, v.id < version_id)
        ).scalar()
    carried = [r.device_id for r in device_states_of(bind, version_id)]
    if previous is None:
        return CarriedOver(None, carried, [])
    kept = set(carried)
    dropped = [Dropped(r.device_id, r.passes, r.finding)
               for r in device_states_of(bind, int(previous)) if r.device_id not in kept]
    return CarriedOver(int(previous), carried, dropped)
