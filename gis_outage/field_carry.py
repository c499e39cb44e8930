"""What a network re-import does to the field state: the findings and positions set by
hand that came along to the new version (storage/field.carry_over, in the import's
transaction), those dropped because their device is gone, and the published outages
that hold devices, links or junctions the new version lacks.

Only ids and counts: no names, no addresses.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from .model import OutageStatus
from .network import Network
from .storage.field import Dropped, carried_over
from .storage.outage_records import Outage
from .storage.outages import list_outages

SHOWN = 20  # ids listed per line; the count says how many there are


def _ids(ids: Iterable[str]) -> str:
    ids = sorted(ids)
    return ", ".join(ids[:SHOWN]) + (f" … ({len(ids) - SHOWN} more)" if len(ids) > SHOWN else "")


def _what(row: Dropped) -> str:
    parts = [str(row.finding).replace("_", " ")] if row.finding else []
    if row.passes is not None:
        parts.append("set by hand to " + ("pass" if row.passes else "block"))
    return " and ".join(parts)


def missing_in(outage: Outage, net: Network) -> dict[str, list[str]]:
    """The ids an outage holds in the field that `net` lacks, per kind (empty: none)."""
    affected = outage.affected or {}
    held = {
        "devices": set(affected.get("devices_to_operate") or [])
        | set(affected.get("backfeed_devices") or []),
        "links": set(affected.get("isolated_links") or []),
        "junctions": set(affected.get("work_nodes") or []),
    }
    known = {"devices": set(net.device_ids), "links": set(net.link_ids),
             "junctions": set(net.node_ids)}
    return {kind: sorted(ids - known[kind]) for kind, ids in held.items() if ids - known[kind]}


def field_report(engine: Engine, service: str, version: int, net: Network) -> list[str]:
    """Lines for the import's summary: carried over, dropped (warnings), outages."""
    carry = carried_over(engine, version)
    lines = []
    if carry.carried:
        lines.append(f"field state carried over from version {carry.previous}: "
                     f"{len(carry.carried)} device(s) ({_ids(carry.carried)})")
    if carry.dropped:
        lines.append(f"warning: {len(carry.dropped)} field finding(s) / position(s) "
                     f"dropped: their devices are not in version {version}:")
        lines += [f"  {r.device_id}: {_what(r)}" for r in carry.dropped[:SHOWN]]
        if len(carry.dropped) > SHOWN:
            lines.append(f"  … {len(carry.dropped) - SHOWN} more")
    for outage in list_outages(engine, status=[OutageStatus.PUBLISHED.value], service=service):
        missing = missing_in(outage, net)
        if missing:
            held = "; ".join(f"{kind} {_ids(ids)}" for kind, ids in missing.items())
            lines.append(
                f"warning: published outage {outage.id} holds {held} that version "
                f"{version} lacks: traces and field steps leave them out; check the "
                "outage and restore or re-plan it")
    return lines
