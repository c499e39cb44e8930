"""The outage service: trace, draft, update, publish, resolve and cancel.

Framework-free: the engineer API, the CLI, the demo and the console call these and only
translate their errors (`FieldError`, `TraceError` → 422, `NotFound` → 404,
`ConflictError` → 409).
Each change is one storage call, and storage writes the outage, its event, the outbox
row for the notifier and the audit row in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..area import PublicArea, area_of_trace, polygon_trace
from ..critical import critical_customers
from ..model import NOTICE_SERVICES, EventKind, OutageKind, OutageStatus, Service, is_water_notice
from ..network import Network, Problem
from ..storage import outages as store
from ..storage.addresses import addresses_on_streets, load_addresses, street_names
from ..storage.audit import record
from ..storage.errors import ConflictError, InvalidTransition
from ..storage.events import event_headers_for
from ..storage.networks import current_network_version
from ..storage.outage_records import Outage, OutageEvent
from ..storage.reports import DeliveryRow, delivery_rows, delivery_stats
from ..trace import TraceEngine, TraceResult, UnknownIdError
from .context import Context
from .errors import FieldError, TraceError
from .field import break_trace, hand_over, resolve_addresses
from .policy import decide

# Client clocks run a little off: an estimate this far in the past still counts as now.
CLOCK_SLACK = timedelta(minutes=1)


def check_restoration(
    starts_at: datetime | None, estimated_end_at: datetime | None, now: datetime | None = None
) -> None:
    """A restoration time already past is refused: residents would be told supply comes
    back at a time that has gone ("by 7.30" at 8.02). One before the start is left to
    the outage's own check, which says so."""
    if estimated_end_at is None or (starts_at is not None and estimated_end_at < starts_at):
        return
    now = now or datetime.now(UTC)
    if estimated_end_at < now - CLOCK_SLACK:
        raise FieldError(
            "estimated_end_at",
            f"estimated_end_at {estimated_end_at.isoformat()} is already past: give a "
            "restoration time still to come, or null when it is not known",
        )


def check_kind(service: Service | str, kind: OutageKind | str,
               was: OutageKind | str | None = None) -> OutageKind:
    """A water-quality notice is for the water service only; an outage stays a supply cut
    or a notice once drafted (each has its own messages, and the all-clear of one is not
    the lifting of the other). FieldError("kind") otherwise."""
    kind = OutageKind(kind)
    if is_water_notice(kind) and Service(service) not in NOTICE_SERVICES:
        raise FieldError(
            "kind", f"{kind.value} is a water-quality notice, for the water service only; "
            f"a {Service(service).value} outage is planned or unplanned")
    if was is not None and is_water_notice(was) != is_water_notice(kind):
        raise FieldError(
            "kind", f"an outage drafted as {OutageKind(was).value} cannot become "
            f"{kind.value}: a supply cut and a water-quality notice are different messages; "
            "cancel this one and draft the other")
    return kind


@dataclass(frozen=True)
class Selection:
    """What the engineer selected: broken links, operated devices, a drawn area, or
    addresses and streets picked by name."""

    break_links: tuple[str, ...] = ()
    operate_devices: tuple[str, ...] = ()
    polygon: BaseGeometry | None = field(default=None, compare=False)  # WGS84
    addresses: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        given = [bool(self.break_links), bool(self.operate_devices), self.polygon is not None,
                 bool(self.addresses or self.streets)]
        if sum(given) != 1:
            raise TraceError("selection", "give exactly one of break links, operated devices, "
                             "an area, or addresses and streets")

    def describe(self) -> dict[str, Any]:
        """What the outage keeps of the selection (GeoJSON for an area)."""
        from shapely.geometry import mapping

        if self.break_links:
            return {"break_links": list(self.break_links)}
        if self.operate_devices:
            return {"operate_devices": list(self.operate_devices)}
        if self.polygon is not None:
            return {"polygon": mapping(self.polygon)}
        return {"addresses": list(self.addresses), "streets": list(self.streets)}


@dataclass(frozen=True)
class Trace:
    service: Service
    network_version: int | None  # None for a network read from a file
    result: TraceResult
    area: PublicArea
    selection: Selection
    warnings: list[Problem] = field(default_factory=list)
    snap_tolerance_m: float | None = None  # of the network version traced
    extra: dict[str, Any] = field(default_factory=dict)  # work-area junctions, crossed devices
    # The critical customers among the affected, most critical first (gis_outage.critical).
    critical: list[dict[str, Any]] = field(default_factory=list)

    def affected(self) -> dict[str, Any]:
        """The affected set an outage keeps: the map, the look-up and the notifier read it;
        the network version and tolerance say what it was traced on."""
        return {"snap_tolerance_m": self.snap_tolerance_m, **self._affected()}

    def _affected(self) -> dict[str, Any]:
        result = self.result
        return {
            "network_version": self.network_version,
            "selection": self.selection.describe(),
            "devices_to_operate": result.devices_to_operate,
            "isolated_links": result.isolated_links,
            "links": result.affected_links,
            "service_points": result.affected_service_points,
            "addresses": result.affected_addresses,
            "customers": result.customers,
            "critical_customers": self.critical,
            "streets": self.area.streets,
            **self.extra,
        }


def run_trace(
    network: Callable[[], Network], engine: TraceEngine, selection: Selection,
    street_addresses: tuple[str, ...] = (),
) -> TraceResult:
    """The one rule for what a selection means on a network (stored or from a file);
    `street_addresses` are the addresses on the selection's streets. `network` gives the
    layers, which only a drawn area needs."""
    try:
        if selection.break_links:
            return engine.break_trace(list(selection.break_links))
        if selection.operate_devices:
            return engine.operate_trace(list(selection.operate_devices))
        if selection.polygon is not None:
            return polygon_trace(network(), selection.polygon)
    except UnknownIdError as exc:
        what = "break_links" if selection.break_links else "operate_devices"
        raise TraceError(what, str(exc)) from None
    except ValueError as exc:
        raise TraceError("polygon", str(exc)) from None
    try:
        return engine.address_trace((*selection.addresses, *street_addresses))
    except ValueError as exc:
        raise TraceError("addresses" if selection.addresses else "streets", str(exc)) from None


def trace(ctx: Context, service: Service | str, selection: Selection) -> Trace:
    """Trace on the stored network of `service` (NotFound when none was imported)."""
    service = Service(service)
    loaded = ctx.traces.get(service.value)
    on_streets: tuple[str, ...] = ()
    if selection.streets:
        unknown = [s for s in selection.streets if street_names(ctx.db, s) is None]
        if unknown:
            raise TraceError("streets", f"no such street in the address register: {unknown[0]}")
        on_streets = tuple(addresses_on_streets(ctx.db, selection.streets))
    extra: dict[str, Any] = {}
    if selection.break_links:  # from the field state: findings, other outages
        result, extra = break_trace(ctx, service, list(selection.break_links))
    else:
        result = run_trace(lambda: loaded.network, loaded.engine, selection, on_streets)
    addresses = load_addresses(ctx.db, result.affected_addresses)
    area = area_of_trace(loaded.engine, result, addresses, cell_m=ctx.settings.map.area_cell_m)
    return Trace(service, loaded.version, result, area, selection,
                 warnings=loaded.engine.warnings,
                 snap_tolerance_m=loaded.engine.snap_tolerance_m, extra=extra,
                 critical=critical_customers(loaded.engine, result.affected_service_points))


def draft(
    ctx: Context,
    *,
    service: Service | str,
    kind: OutageKind | str,
    starts_at: datetime,
    selection: Selection,
    actor: str,
    estimated_end_at: datetime | None = None,
    cause: str | None = None,
    texts: dict[str, str] | None = None,
) -> Outage:
    """A draft outage whose affected set is traced here, on the stored network, never
    taken from the client. A water-quality notice (`boil_water`, `do_not_drink`) is
    targeted the same way; its estimated end is when it is expected to be lifted."""
    kind = check_kind(service, kind)
    check_restoration(starts_at, estimated_end_at)
    traced = trace(ctx, service, selection)
    outage_id = store.create_outage(
        ctx.db,
        service=traced.service.value,
        kind=kind.value,
        starts_at=starts_at,
        estimated_end_at=estimated_end_at,
        cause=cause,
        texts=texts,
        affected=traced.affected(),
        public_area=traced.area.polygon,
        area_description=traced.area.description() or None,
        created_by=actor,
    )
    return store.get_outage(ctx.db, outage_id)


def update(
    ctx: Context, outage_id: int, actor: str, *, expected_version: int | None = None,
    **changes: Any,
) -> Outage:
    """Change times, cause or texts; a published outage's residents hear of a new end.
    Returns the outage's header (no trace lists)."""
    current = store.get_outage_header(ctx.db, outage_id)
    if changes.get("kind") is not None:
        changes["kind"] = check_kind(current.service, changes["kind"], current.kind).value
    if changes.get("estimated_end_at") is not None:
        starts = changes.get("starts_at") or current.starts_at
        check_restoration(starts, changes["estimated_end_at"])
    return store.update_outage(
        ctx.db, outage_id, actor, expected_version=expected_version, **changes
    )


# A resolve that lost a race with a field change is worked out again this many times
# in all before it answers 409.
RESOLVE_TRIES = 3


def change_status(
    ctx: Context,
    outage_id: int,
    new: OutageStatus | str,
    actor: str,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Outage:
    """Publish, resolve (`at`: when supply came back) or cancel; returns the outage's
    header (`affected` without the trace's lists of ids: `get` has them)."""
    new = OutageStatus(new)
    if new is not OutageStatus.RESOLVED:
        return store.change_status(
            ctx.db, outage_id, new.value, actor, expected_version=expected_version
        )
    for _ in range(RESOLVE_TRIES - 1):
        try:
            return _resolve(ctx, outage_id, actor, expected_version, at)
        except InvalidTransition:  # resolved or cancelled already: no race to retry
            raise
        except ConflictError:
            if expected_version is not None:  # the caller's version is not current: 409
                raise
    return _resolve(ctx, outage_id, actor, expected_version, at)


def _resolve(
    ctx: Context, outage_id: int, actor: str, expected_version: int | None,
    at: datetime | None,
) -> Outage:  # fmt: skip
    """Who gets the all-clear, and which devices stay closed, depend on the trace, so
    the status changes only on the version they were worked out from (ConflictError
    when a field change committed in between)."""
    outage = store.get_outage(ctx.db, outage_id)
    store.check_version(outage_id, outage.version, expected_version)  # before any change
    if outage.status == OutageStatus.PUBLISHED.value:
        hand_over(ctx, outage, actor)
    extra: dict[str, Any] = {"at": at} if at is not None else {}
    return store.change_status(
        ctx.db, outage_id, OutageStatus.RESOLVED.value, actor,
        expected_version=outage.version if expected_version is None else expected_version,
        notify_addresses=resolve_addresses(ctx, outage), **extra,
    )


def publish(
    ctx: Context, outage_id: int, actor: str, *, retrace: bool = False, **options: Any
) -> Outage:
    """Publish a draft. One traced on an older network version is refused
    (ConflictError with what a trace on the current one changes), or re-traced first
    with `retrace`."""
    outage = store.get_outage_header(ctx.db, outage_id)  # the selection and network version
    if outage.status == OutageStatus.DRAFT.value:
        newer = _retraced_if_stale(ctx, outage)
        if newer is not None:
            if not retrace:
                raise ConflictError(_difference(store.get_outage(ctx.db, outage_id), newer))
            outage = store.update_outage(
                ctx.db, outage_id, actor, expected_version=options.pop("expected_version", None),
                affected=newer.affected(), public_area=newer.area.polygon,
                area_description=newer.area.description() or None,
            )
            options["expected_version"] = outage.version
    return change_status(ctx, outage_id, OutageStatus.PUBLISHED, actor, **options)


def _retraced_if_stale(ctx: Context, outage: Outage) -> Trace | None:
    """The draft's selection traced on the current network, if that is not the one the
    draft was traced on."""
    traced_on = outage.affected.get("network_version")
    if traced_on is None:
        return None
    current = current_network_version(ctx.db, outage.service)
    if current is None or int(current.id) == int(traced_on):
        return None
    saved = dict(outage.affected["selection"])
    if "polygon" in saved:
        saved["polygon"] = shape(saved["polygon"])
    selection = Selection(**{k: tuple(v) if isinstance(v, list) else v
                             for k, v in saved.items()})
    try:
        return trace(ctx, outage.service, selection)
    except TraceError as exc:
        raise ConflictError(
            f"outage {outage.id} was traced on {outage.service} network version "
            f"{traced_on}; version {current.id} is current and the selection no longer "
            f"traces on it ({exc}): draft it again") from None


def _difference(outage: Outage, newer: Trace) -> str:
    old = outage.affected
    new = newer.affected()
    gained = sorted(set(new["service_points"]) - set(old["service_points"]))
    lost = sorted(set(old["service_points"]) - set(new["service_points"]))
    return (
        f"outage {outage.id} was traced on {outage.service} network version "
        f"{old['network_version']} (snap tolerance {old.get('snap_tolerance_m')} m); version "
        f"{new['network_version']} (snap tolerance {new['snap_tolerance_m']} m) is current. "
        f"Traced on it: {len(gained)} service point(s) more, {len(lost)} fewer, customers "
        f"{old['customers']} → {new['customers']}, devices to operate "
        f"{', '.join(new['devices_to_operate']) or '-'}. Publish with retrace to use it"
    )


def resolve(ctx: Context, outage_id: int, actor: str, **options: Any) -> Outage:
    return change_status(ctx, outage_id, OutageStatus.RESOLVED, actor, **options)


def cancel(ctx: Context, outage_id: int, actor: str, **options: Any) -> Outage:
    return change_status(ctx, outage_id, OutageStatus.CANCELLED, actor, **options)


def get(ctx: Context, outage_id: int) -> tuple[Outage, dict[str, dict[str, int]]]:
    """One outage and its delivery figures ({channel: {status: count}})."""
    outage = store.get_outage(ctx.db, outage_id)
    return outage, delivery_stats(ctx.db, outage_id)


def listing(
    ctx: Context, *, status: list[str] | None = None, service: str | None = None
) -> list[tuple[Outage, dict[str, dict[str, int]]]]:
    """Outages and their delivery figures, each without its trace lists (`get` has them):
    a national outage lists hundreds of thousands of ids."""
    rows = store.list_outages(ctx.db, status=status, service=service, header=True)
    return [(row, delivery_stats(ctx.db, row.id)) for row in rows]


def deliveries(ctx: Context, outage_id: int, actor: str) -> list[DeliveryRow]:
    """Every delivery of an outage, destinations included (the regulator's report);
    the audit log says who took it."""
    store.get_outage(ctx.db, outage_id)  # NotFound for an unknown outage
    rows = delivery_rows(ctx.db, outage_id)
    record(ctx.db, actor, "outage.deliveries.download", f"outage:{outage_id}",
           {"rows": len(rows)})  # fmt: skip
    return rows


def message_timing(ctx: Context, outage_id: int) -> dict[str, Any]:
    """When residents get the messages of the outage's latest event, or of publishing
    it now for a draft: {"action": send|defer|skip, "not_before", "reason"} (planned
    works wait for the end of quiet hours and the notice period; short electricity
    outages are held or not messaged)."""
    outage = store.get_outage_header(ctx.db, outage_id)
    events = event_headers_for(ctx.db, outage_id)  # what deciding reads: no trace lists
    now = datetime.now(UTC)
    if outage.status == OutageStatus.DRAFT.value or not events:
        event = OutageEvent.unsaved(outage, EventKind.PUBLISHED, now)
    else:
        event = events[-1]
    decision = decide(ctx.db, event, ctx.settings.notify, ctx.settings.timezone, now)
    not_before = decision.not_before if decision.action == "defer" else None
    return {
        "action": decision.action,
        "not_before": not_before.astimezone(UTC).isoformat() if not_before else None,
        "reason": decision.reason,
        "message_kind": decision.kind.value,
    }
