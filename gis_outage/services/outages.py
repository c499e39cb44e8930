"""The outage service: trace, draft, update, publish, resolve and cancel.

Framework-free: the engineer API, the CLI, the demo and the console call these and only
translate their errors (`TraceError` → 422, `NotFound` → 404, `ConflictError` → 409).
Each change is one storage call, and storage writes the outage, its event, the outbox
row for the notifier and the audit row in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..area import PublicArea, address_trace, area_of_trace, polygon_trace
from ..model import EventKind, OutageKind, OutageStatus, Service
from ..network import Network
from ..storage import outages as store
from ..storage.addresses import addresses_on_streets, load_addresses, street_names
from ..storage.reports import delivery_rows, delivery_stats
from ..trace import TraceEngine, TraceResult, UnknownIdError
from .context import Context
from .errors import TraceError
from .field import break_trace, hand_over, resolve_addresses
from .policy import decide


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
    extra: dict[str, Any] = field(default_factory=dict)  # work-area junctions, crossed devices

    def affected(self) -> dict[str, Any]:
        """The affected set an outage keeps: the map, the look-up and the notifier read it."""
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
            "streets": self.area.streets,
            **self.extra,
        }


def run_trace(
    net: Network, engine: TraceEngine, selection: Selection,
    street_addresses: tuple[str, ...] = (),
) -> TraceResult:
    """The one rule for what a selection means on a network (stored or from a file);
    `street_addresses` are the addresses on the selection's streets."""
    try:
        if selection.break_links:
            return engine.break_trace(list(selection.break_links))
        if selection.operate_devices:
            return engine.operate_trace(list(selection.operate_devices))
        if selection.polygon is not None:
            return polygon_trace(net, selection.polygon)
    except UnknownIdError as exc:
        what = "break_links" if selection.break_links else "operate_devices"
        raise TraceError(what, str(exc)) from None
    except ValueError as exc:
        raise TraceError("polygon", str(exc)) from None
    try:
        return address_trace(net, (*selection.addresses, *street_addresses))
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
        result = run_trace(loaded.network, loaded.engine, selection, on_streets)
    addresses = load_addresses(ctx.db, result.affected_addresses)
    area = area_of_trace(loaded.network, result, addresses, cell_m=ctx.settings.map.area_cell_m)
    return Trace(service, loaded.version, result, area, selection, extra)


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
) -> dict[str, Any]:
    """A draft outage whose affected set is traced here, on the stored network, never
    taken from the client."""
    traced = trace(ctx, service, selection)
    outage_id = store.create_outage(
        ctx.db,
        service=traced.service.value,
        kind=OutageKind(kind).value,
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
) -> dict[str, Any]:
    """Change times, cause or texts; a published outage's residents hear of a new end."""
    if changes.get("kind") is not None:
        changes["kind"] = OutageKind(changes["kind"]).value
    return store.update_outage(
        ctx.db, outage_id, actor, expected_version=expected_version, **changes
    )


def change_status(
    ctx: Context,
    outage_id: int,
    new: OutageStatus | str,
    actor: str,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Publish, resolve (`at`: when supply came back) or cancel."""
    new = OutageStatus(new)
    extra: dict[str, Any] = {"at": at} if new is OutageStatus.RESOLVED and at is not None else {}
    if new is OutageStatus.RESOLVED:
        outage = store.get_outage(ctx.db, outage_id)
        if outage["status"] == OutageStatus.PUBLISHED.value:
            hand_over(ctx, outage, actor)
        extra["notify_addresses"] = resolve_addresses(ctx, outage)
    return store.change_status(
        ctx.db, outage_id, new.value, actor, expected_version=expected_version, **extra
    )


def publish(ctx: Context, outage_id: int, actor: str, **options: Any) -> dict[str, Any]:
    return change_status(ctx, outage_id, OutageStatus.PUBLISHED, actor, **options)


def resolve(ctx: Context, outage_id: int, actor: str, **options: Any) -> dict[str, Any]:
    return change_status(ctx, outage_id, OutageStatus.RESOLVED, actor, **options)


def cancel(ctx: Context, outage_id: int, actor: str, **options: Any) -> dict[str, Any]:
    return change_status(ctx, outage_id, OutageStatus.CANCELLED, actor, **options)


def get(ctx: Context, outage_id: int) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """One outage and its delivery figures ({channel: {status: count}})."""
    outage = store.get_outage(ctx.db, outage_id)
    return outage, delivery_stats(ctx.db, outage_id)


def listing(
    ctx: Context, *, status: list[str] | None = None, service: str | None = None
) -> list[tuple[dict[str, Any], dict[str, dict[str, int]]]]:
    rows = store.list_outages(ctx.db, status=status, service=service)
    return [(row, delivery_stats(ctx.db, row["id"])) for row in rows]


def deliveries(ctx: Context, outage_id: int) -> list[dict[str, Any]]:
    """Every delivery of an outage, destinations included (the regulator's report)."""
    store.get_outage(ctx.db, outage_id)  # NotFound for an unknown outage
    return delivery_rows(ctx.db, outage_id)


def message_timing(ctx: Context, outage_id: int) -> dict[str, Any]:
    """When residents get the messages of the outage's latest event, or of publishing
    it now for a draft: {"action": send|defer|skip, "not_before", "reason"} (planned
    works wait for the end of quiet hours and the notice period; short electricity
    outages are held or not messaged)."""
    outage = store.get_outage(ctx.db, outage_id)
    events = store.outage_events_for(ctx.db, outage_id)
    if outage["status"] == OutageStatus.DRAFT.value or not events:
        event = {"id": 2**62, "outage_id": outage_id, "kind": EventKind.PUBLISHED.value,
                 "payload": {"outage": store.event_snapshot(outage), "changed": []}}
    else:
        event = events[-1]
    now = datetime.now(UTC)
    decision = decide(ctx.db, event, ctx.settings.notify, ctx.settings.timezone, now)
    not_before = decision.not_before if decision.action == "defer" else None
    return {
        "action": decision.action,
        "not_before": not_before.astimezone(UTC).isoformat() if not_before else None,
        "reason": decision.reason,
        "message_kind": decision.kind.value,
    }
