"""The outage as it unfolds in the field: stuck devices, staged restoration, back-feed.

Framework-free, like services/outages. The field state of a service's network is the
devices set by hand and the findings (storage/field.py) merged with what every active
(published) outage holds: its devices operated, its work area, the ties it closed to feed
back. Each change is previewed as a difference and confirmed with one storage call, which
tells only the newly affected (start message) and those whose supply is back (all-clear).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..area import area_of_trace
from ..critical import COLUMN_KEY as CRITICAL_KEY
from ..critical import critical_customers, critical_difference
from ..model import DeviceFinding, OutageStatus, Service, is_water_notice
from ..storage import outages as store
from ..storage.addresses import address_lines, address_places
from ..storage.errors import ConflictError, NotFound
from ..storage.field import DeviceState, change_device_state, device_states_of, known_devices
from ..storage.networks import current_network_version
from ..storage.outage_records import Outage
from ..supply import FeedsWorkArea, FieldEngine, FieldState, Isolation
from ..trace import TraceEngine, TraceResult, UnknownIdError
from ..tracing import LoadedNetwork
from .context import Context
from .errors import TraceError

_ENGINES: weakref.WeakKeyDictionary[TraceEngine, FieldEngine] = weakref.WeakKeyDictionary()


def field_engine(engine: TraceEngine) -> FieldEngine:
    """One field engine per loaded network version."""
    found = _ENGINES.get(engine)
    if found is None:
        found = _ENGINES[engine] = FieldEngine(engine)
    return found


def outage_state(outage: Outage, engine: TraceEngine | None = None) -> FieldState:
    """What an outage holds in the field, from its affected set; with `engine`, only the
    ids that network version has (an outage published on an older version keeps working
    after a re-import; the import warned of what it leaves out)."""
    state = _held(outage)
    if engine is None:
        return state
    return FieldState(
        positions={d: p for d, p in state.positions.items() if engine.device_ids.index(d) >= 0},
        work_links=frozenset(k for k in state.work_links if engine.link_ids.index(k) >= 0),
        work_nodes=frozenset(n for n in state.work_nodes if engine.node_ids.index(n) >= 0),
    )


def _held(outage: Outage) -> FieldState:
    affected = outage.affected or {}
    selection = affected.get("selection") or {}
    closed = affected.get("devices_to_operate") or []
    if is_water_notice(outage.kind):
        return FieldState()  # a water-quality notice: the water keeps running
    if not (selection.get("break_links") or selection.get("operate_devices")):
        return FieldState()  # an area or address outage: nothing operated on the network
    return FieldState(
        positions={**dict.fromkeys(closed, False),
                   **dict.fromkeys(affected.get("backfeed_devices") or [], True)},
        work_links=frozenset(affected.get("isolated_links") or []),
        work_nodes=frozenset(affected.get("work_nodes") or []),
    )


@dataclass
class Field:
    """The field state of one service's network, split into its parts."""

    loaded: LoadedNetwork
    engine: FieldEngine
    base: FieldState  # set by hand and findings
    outages: dict[int, FieldState]  # every published outage's part

    def all(self, **replaced: FieldState) -> FieldState:
        parts = {**{str(k): v for k, v in self.outages.items()}, **replaced}
        return self.base.merge(*parts.values())

    def without(self, outage_id: int) -> FieldState:
        return self.base.merge(*(s for k, s in self.outages.items() if k != outage_id))

    def own_cut(self, outage_id: int, own: FieldState) -> TraceResult:
        """What an outage cuts off: all that is cut off now and would not be without it,
        and what it would cut off alone (so overlaps stay in every outage they are in)."""
        fe = self.engine
        now = fe.cut_off_segments(self.all(**{str(outage_id): own}))
        margin = now & ~fe.cut_off_segments(self.without(outage_id))
        alone = fe.cut_off_segments(self.base.merge(own)) & ~fe.cut_off_segments(self.base)
        return fe.engine.segment_contents(np.flatnonzero(now & (margin | alone)))


def load_field(ctx: Context, service: Service | str) -> Field:
    loaded = ctx.traces.get(Service(service).value)
    positions, inoperable = {}, set()
    for row in device_states_of(ctx.db, loaded.version):
        if row.passes is not None:
            positions[row.device_id] = bool(row.passes)
        if row.finding is not None:
            inoperable.add(row.device_id)
    base = FieldState(positions, frozenset(inoperable))
    active = store.list_outages(ctx.db, status=[OutageStatus.PUBLISHED.value],
                                service=Service(service).value)
    return Field(loaded, field_engine(loaded.engine), base,
                 {int(o.id): outage_state(o, loaded.engine) for o in active})


def set_device(ctx: Context, service: Service | str, device_id: str, actor: str, *,
               passes: Any = ..., finding: Any = ..., note: str | None = None
               ) -> DeviceState | None:
    """A crew operated a device by hand or found it inoperable / not found (None clears)."""
    loaded = ctx.traces.get(Service(service).value)
    changes: dict[str, Any] = {}
    if passes is not ...:
        changes["passes"] = passes
    if finding is not ...:
        if finding is not None and finding not in {f.value for f in DeviceFinding}:
            raise TraceError("finding", f"finding must be one of "
                             f"{', '.join(f.value for f in DeviceFinding)}, not {finding!r}")
        changes["finding"] = finding
    try:
        return change_device_state(ctx.db, loaded.version, device_id, actor, note=note, **changes)
    except LookupError as exc:
        raise TraceError("device", str(exc)) from None


def device_states(ctx: Context, service: Service | str) -> dict[str, Any]:
    """The field state of the service's current network version, one entry per device
    that has any: its position set by hand (`passes`), its finding, note, who and when,
    and the active (published) outages that hold it operated (`outages`: id and the
    position the outage holds it in). NotFound when no network is stored."""
    name = Service(service).value
    current = current_network_version(ctx.db, name)
    if current is None:
        raise NotFound(f"no {name} network has been imported")
    version = int(current.id)
    out: dict[str, dict[str, Any]] = {}
    for row in device_states_of(ctx.db, version):
        out[row.device_id] = {
            "device_id": row.device_id, "passes": row.passes, "finding": row.finding,
            "note": row.note, "changed_by": row.changed_by,
            "changed_at": row.changed_at.isoformat() if row.changed_at else None,
            "outages": []}
    held: list[tuple[str, int, bool]] = []
    for outage in store.list_outages(ctx.db, status=[OutageStatus.PUBLISHED.value],
                                     service=name):
        held += [(d, int(outage.id), p) for d, p in _held(outage).positions.items()]
    known = known_devices(ctx.db, version, [d for d, _, _ in held])
    for device, outage_id, passes in sorted(held, key=lambda h: (h[0], h[1])):
        if device not in known:
            continue  # the import warned: a device the outage holds that this version lacks
        entry = out.setdefault(device, {
            "device_id": device, "passes": None, "finding": None, "note": None,
            "changed_by": None, "changed_at": None, "outages": []})
        entry["outages"].append({"outage_id": outage_id, "passes": passes})
    return {"service": name, "network_version": version,
            "devices": [out[d] for d in sorted(out)]}


@dataclass(frozen=True)
class Proposal:
    """A change to an outage, as a difference the engineer confirms."""

    outage: Outage
    field: Field
    own: FieldState
    plan: dict[str, Any]  # the outage's new affected set
    result: TraceResult
    added: list[str]  # addresses newly affected
    removed: list[str]  # addresses no longer in the outage
    regained: list[str]  # of those, supplied again (the all-clear goes to them)
    places: dict[str, str]  # the added and removed addresses as "Street 1, 00100"

    def difference(self) -> dict[str, Any]:
        old = self.outage.affected
        before_devices = set(old.get("devices_to_operate") or [])
        after_devices = set(self.plan["devices_to_operate"])
        return {
            "outage_id": self.outage.id,
            # What the difference was worked out on: send it back to confirm exactly this.
            "outage_version": self.outage.version,
            # Newly affected and no longer affected critical customers, most critical first.
            "critical_customers": critical_difference(old.get("critical_customers") or [],
                                                      self.plan["critical_customers"]),
            "devices_to_operate": {"added": sorted(after_devices - before_devices),
                                   "removed": sorted(before_devices - after_devices)},
            "addresses": {"added": self.added, "removed": self.removed,
                          "supplied_again": self.regained, "places": self.places},
            "customers": {"before": int(old.get("customers") or 0),
                          "after": self.result.customers},
            "work_links": self.plan["isolated_links"],
            "backfeed_devices": self.plan.get("backfeed_devices", []),
            "affected": self.plan,
        }


def _outage(ctx: Context, outage_id: int, *, network: bool = True) -> Outage:
    outage = store.get_outage(ctx.db, outage_id)
    if outage.status not in (OutageStatus.DRAFT.value, OutageStatus.PUBLISHED.value):
        raise ConflictError(f"outage {outage_id} is {outage.status}; it cannot change")
    if is_water_notice(outage.kind):
        raise TraceError("outage", f"outage {outage_id} is a water-quality notice: the water "
                         "keeps running and nothing is operated in the field; lift it with "
                         "resolve")
    selection = (outage.affected or {}).get("selection") or {}
    if network and not selection.get("break_links"):
        raise TraceError("outage", f"outage {outage_id} was not traced from broken links; "
                         "devices and work areas exist only for a break")
    return outage


def _proposal(ctx: Context, outage: Outage, field: Field, own: FieldState,
              isolation: Isolation | None = None) -> Proposal:
    oid = int(outage.id)
    result = field.own_cut(oid, own)
    old = outage.affected
    plan = {
        **old,
        "network_version": field.loaded.version,
        "devices_to_operate": (isolation.devices_to_operate if isolation else
                               sorted(d for d, p in own.positions.items() if not p)),
        "isolated_links": sorted(own.work_links),
        "work_nodes": sorted(own.work_nodes),
        "backfeed_devices": sorted(d for d, p in own.positions.items() if p),
        "links": result.affected_links,
        "service_points": result.affected_service_points,
        "addresses": result.affected_addresses,
        "customers": result.customers,
        "critical_customers": critical_customers(field.loaded.engine,
                                                 result.affected_service_points),
    }
    if isolation is not None:
        plan["crossed_devices"] = isolation.crossed
    before, after = set(old.get("addresses") or []), set(result.affected_addresses)
    still = set(field.engine.cut_off(field.all(**{str(oid): own})).affected_addresses)
    added, removed = sorted(after - before), sorted(before - after)
    return Proposal(outage, field, own, plan, result, added, removed,
                    sorted(set(removed) - still), address_lines(ctx.db, added + removed))


def stuck(ctx: Context, outage_id: int, devices: list[str]) -> Proposal:
    """These devices will not operate: plan the outage's isolation again without them."""
    outage = _outage(ctx, outage_id)
    field = load_field(ctx, outage.service)
    selection = outage.affected["selection"]
    try:
        others = field.without(outage_id).finding(devices)
        isolation = field.engine.isolate(list(selection["break_links"]), others)
    except UnknownIdError as exc:
        raise TraceError("devices", str(exc)) from None
    field.base = field.base.finding(devices)
    own = isolation.state().merge(FieldState(positions={
        d: True for d in (outage.affected.get("backfeed_devices") or [])}))
    return _proposal(ctx, outage, field, own, isolation)


def restore(ctx: Context, outage_id: int, *, links: list[str] = (), devices: list[str] = (),
            everything: bool = False) -> Proposal:
    """Part of the work area is repaired and/or devices are operated back."""
    outage = _outage(ctx, outage_id)
    field = load_field(ctx, outage.service)
    own = outage_state(outage, field.loaded.engine)
    if everything:
        links, devices = sorted(own.work_links), sorted(own.positions)
        nodes = sorted(own.work_nodes)
    else:
        unknown = sorted(set(links) - own.work_links)
        if unknown:
            raise TraceError("links", f"link {unknown[0]!r} is not in the outage's work area")
        unknown = sorted(set(devices) - set(own.positions))
        if unknown:
            raise TraceError("devices", f"device {unknown[0]!r} is not held by this outage")
        nodes = sorted(own.work_nodes) if set(links) == own.work_links else []
    before = field.all(**{str(outage_id): own})
    new_own = own.repaired(links, nodes).release(devices)
    try:
        field.engine.check_not_feeding(before, field.all(**{str(outage_id): new_own}))
    except FeedsWorkArea as exc:
        raise TraceError("devices", str(exc)) from None
    return _proposal(ctx, outage, field, new_own)


def suggestions(ctx: Context, outage_id: int, *, radial: bool | None = None,
                critical: bool = True) -> list[dict[str, Any]]:
    """Devices whose operation feeds the cut-off healthy part from another source, with
    the critical customers each restores (most critical first): those restoring more
    critical customers first, then most customers. `critical` False (a role that may not
    see them): neither listed nor ranked by, most customers first. Electricity keeps
    radial operation unless `radial` is False."""
    outage = _outage(ctx, outage_id, network=False)
    field = load_field(ctx, outage.service)
    keep_radial = (Service(outage.service) is Service.ELECTRICITY if radial is None
                   else radial)
    state = field.all(**{str(outage_id): outage_state(outage, field.loaded.engine)})
    mine = set(outage.affected.get("service_points") or [])
    out = []
    for s in field.engine.backfeed(state, radial=keep_radial):
        points = [p for p in s.restores.affected_service_points if p in mine]
        if not points:
            continue
        row = {**s.to_json(), "customers": s.restores.customers}
        if critical:
            row[CRITICAL_KEY] = critical_customers(field.loaded.engine,
                                                   s.restores.affected_service_points)
        out.append(row)
    out.sort(key=lambda r: (-len(r.get(CRITICAL_KEY, ())), -r["customers"], r["device"]))
    return out


def backfeed(ctx: Context, outage_id: int, device: str, *, radial: bool | None = None
             ) -> Proposal:
    """Operate one suggested device to feed part of the outage back."""
    offered = {s["device"] for s in suggestions(ctx, outage_id, radial=radial)}
    if device not in offered:
        raise TraceError("device", f"device {device!r} feeds nothing of this outage back "
                         "without feeding a work area" + (" or meshing two feeders"
                                                          if radial is not False else ""))
    outage = _outage(ctx, outage_id, network=False)
    field = load_field(ctx, outage.service)
    own = outage_state(outage, field.loaded.engine).merge(FieldState(positions={device: True}))
    return _proposal(ctx, outage, field, own)


def confirm(ctx: Context, proposal: Proposal, actor: str, action: str,
            findings: list[str] = (), expected_version: int | None = None) -> Outage:
    """Store the change: findings first (they stay for later traces), then the outage's
    new affected set and area, telling the newly affected and those supplied again.
    `expected_version`: the outage version the engineer saw the difference on; if the
    outage changed since, nothing is stored (ConflictError) and the difference is asked
    again."""
    outage = proposal.outage
    if expected_version is not None and int(expected_version) != int(outage.version):
        raise ConflictError(
            f"outage {outage.id} changed since the difference was shown (version "
            f"{expected_version}, now {outage.version}): nothing was stored; look at the "
            "difference again")
    for device in findings:
        set_device(ctx, outage.service, device, actor, finding=DeviceFinding.INOPERABLE.value)
    loaded = proposal.field.loaded
    addresses = address_places(ctx.db, proposal.result.affected_addresses)
    area = area_of_trace(loaded.engine, proposal.result, addresses,
                         cell_m=ctx.settings.map.area_cell_m)
    nothing_left = not (proposal.result.affected_service_points or proposal.own.work_links
                        or proposal.own.positions)
    if nothing_left and outage.status == OutageStatus.PUBLISHED.value:
        return store.change_status(ctx.db, int(outage.id), OutageStatus.RESOLVED.value,
                                   actor, expected_version=outage.version,
                                   notify_addresses=proposal.regained)
    return store.change_affected(
        ctx.db, int(outage.id), actor,
        affected={**proposal.plan, "streets": area.streets},
        public_area=area.polygon, area_description=area.description() or None,
        newly_affected=proposal.added, restored=proposal.regained, action=action,
        expected_version=outage.version,
    )


def break_trace(ctx: Context, service: Service | str, links: list[str]
                ) -> tuple[TraceResult, dict[str, Any]]:
    """A new break traced from the current field state: devices found inoperable are
    passed by, devices other outages hold closed already bound it, and what it cuts off
    counts overlaps with other outages in. The result, and what the outage keeps besides."""
    field = load_field(ctx, service)
    try:
        isolation = field.engine.isolate(links, field.all())
    except UnknownIdError as exc:
        raise TraceError("break_links", str(exc)) from None
    if not (field.outages or field.base.positions or field.base.inoperable):
        # The network as imported: the engine's own trace costs what its answer costs.
        result = field.loaded.engine.break_trace(links)
    else:
        cut = field.own_cut(-1, isolation.state())
        result = TraceResult(isolation.devices_to_operate, isolation.work_links,
                             cut.affected_links, cut.affected_service_points,
                             cut.affected_addresses, cut.customers)
    return result, {"work_nodes": isolation.work_nodes, "crossed_devices": isolation.crossed}


def hand_over(ctx: Context, outage: Outage, actor: str) -> list[str]:
    """An outage resolves: the devices it closed that another active outage's work area
    still relies on stay closed, as set by hand, until someone opens them."""
    if not any(not p for p in _held(outage).positions.values()):
        return []
    try:
        field = load_field(ctx, outage.service)
    except LookupError:
        return []
    own = outage_state(outage, field.loaded.engine)
    closed = sorted(d for d, p in own.positions.items() if not p)
    if not closed:
        return []
    start = field.without(int(outage.id)).operate(closed, False)
    _, kept = field.engine.release_safely(start, closed)
    for device in kept:
        set_device(ctx, outage.service, device, actor, passes=False,
                   note=f"kept closed for a work area when outage {outage.id} resolved")
    return kept


def resolve_addresses(ctx: Context, outage: Outage) -> list[str] | None:
    """Who gets the all-clear when the outage resolves: its addresses that no other
    active outage still cuts off (None when the network cannot say). A water-quality
    notice's lifting is about the water, not its supply: None, everyone told hears it."""
    if is_water_notice(outage.kind) or not (outage.affected or {}).get("service_points"):
        return None
    try:
        field = load_field(ctx, outage.service)
    except LookupError:
        return None
    still = set(field.engine.cut_off(field.without(int(outage.id))).affected_addresses)
    return sorted(set(outage.affected.get("addresses") or []) - still)
