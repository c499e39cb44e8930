"""The field actions' answers (stuck device, staged restoration, back-feed) as dataclasses.

Each field route answers `{"confirmed", "difference"[, "outage"]}`; the difference is
what the dock draws on the map and sums up before the engineer confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .models import TraceResult

STUCK, RESTORE, BACKFEED, FINDING = "stuck", "restore", "backfeed", "finding"
# Device findings of the API (gis_outage.model.DeviceFinding); None clears.
FINDINGS = ("inoperable", "not_found")


def parse_ids(text: str) -> list[str]:
    """'WV1, WV2  WV3;WV2' → ['WV1', 'WV2', 'WV3']: ids typed by hand, in order, once."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text.strip()):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def _ids(data: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in (data or ()))


def _critical(rows: Any) -> tuple[tuple[str, str, str | None], ...]:
    return tuple((str(r["service_point"]), str(r["category"]),
                  None if r.get("address_id") is None else str(r["address_id"]))
                 for r in rows or ())


@dataclass(frozen=True)
class Difference:
    """What one field change does to an outage (the API's `difference`)."""

    outage_id: int
    devices_added: tuple[str, ...]
    devices_removed: tuple[str, ...]
    addresses_added: tuple[str, ...]
    addresses_removed: tuple[str, ...]
    supplied_again: tuple[str, ...]  # of the removed, those supplied again (all-clear)
    customers_before: int
    customers_after: int
    critical_added: tuple[tuple[str, str, str | None], ...]
    critical_removed: tuple[tuple[str, str, str | None], ...]
    work_links: tuple[str, ...]  # the work area after the change
    backfeed_devices: tuple[str, ...]  # devices the outage holds operated to feed back
    service_points: tuple[str, ...]  # the outage's affected service points after
    outage_version: int | None = None  # the outage version the difference was worked on

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Difference:
        devices = data.get("devices_to_operate") or {}
        addresses = data.get("addresses") or {}
        customers = data.get("customers") or {}
        critical = data.get("critical_customers") or {}
        affected = data.get("affected") or {}
        return cls(
            outage_id=int(data["outage_id"]),
            devices_added=_ids(devices.get("added")),
            devices_removed=_ids(devices.get("removed")),
            addresses_added=_ids(addresses.get("added")),
            addresses_removed=_ids(addresses.get("removed")),
            supplied_again=_ids(addresses.get("supplied_again")),
            customers_before=int(customers.get("before") or 0),
            customers_after=int(customers.get("after") or 0),
            critical_added=_critical(critical.get("added")),
            critical_removed=_critical(critical.get("removed")),
            work_links=_ids(data.get("work_links")),
            backfeed_devices=_ids(data.get("backfeed_devices")),
            service_points=_ids(affected.get("service_points")),
            outage_version=(None if data.get("outage_version") is None
                            else int(data["outage_version"])),
        )

    @property
    def still_cut_off(self) -> tuple[str, ...]:
        """Addresses no longer in this outage that another active outage still cuts off."""
        again = set(self.supplied_again)
        return tuple(a for a in self.addresses_removed if a not in again)

    @property
    def customers_change(self) -> int:
        return self.customers_after - self.customers_before

    @property
    def changes_nothing(self) -> bool:
        return not (self.devices_added or self.devices_removed or self.addresses_added
                    or self.addresses_removed or self.customers_change)


@dataclass(frozen=True)
class Suggestion:
    """A back-feed suggestion: operating `device` supplies part of the outage again."""

    device: str
    customers: int
    meshed: bool
    service_points: tuple[str, ...]
    addresses: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestion:
        restores = data.get("restores") or {}
        return cls(
            device=str(data["device"]),
            customers=int(data.get("customers") or 0),
            meshed=bool(data.get("meshed")),
            service_points=_ids(restores.get("affected_service_points")),
            addresses=_ids(restores.get("affected_addresses")),
        )


def outage_trace(outage: dict[str, Any]) -> TraceResult:
    """An outage's stored affected set (the API's outage JSON) as a trace result, so the
    dock can draw the outage as it stands after a change the way it draws a trace."""
    affected = outage.get("affected") or {}
    return TraceResult(
        service=str(outage["service"]),
        network_version=int(affected.get("network_version") or 0),
        devices_to_operate=_ids(affected.get("devices_to_operate")),
        isolated_links=_ids(affected.get("isolated_links")),
        affected_links=_ids(affected.get("links")),
        affected_service_points=_ids(affected.get("service_points")),
        affected_addresses=_ids(affected.get("addresses")),
        customers=int(affected.get("customers") or 0),
        streets=_ids(affected.get("streets")),
        public_area=outage.get("public_area"),
        critical_customers=_critical(affected.get("critical_customers")),
    )


@dataclass(frozen=True)
class DeviceState:
    """One device of `GET /networks/{service}/devices`: what the field state layer shows."""

    device_id: str
    passes: bool | None  # set by hand: True open, False closed; None normal
    finding: str | None  # inoperable, not_found
    note: str | None
    who: str | None
    when: str | None  # ISO 8601, as the server sent it
    outages: tuple[int, ...]  # published outages holding it operated

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceState:
        return cls(
            device_id=str(data["device_id"]), passes=data.get("passes"),
            finding=data.get("finding"), note=data.get("note"), who=data.get("changed_by"),
            when=data.get("changed_at"),
            outages=tuple(int(o["outage_id"]) for o in data.get("outages") or ()))


def device_states(answer: dict[str, Any]) -> list[DeviceState]:
    return [DeviceState.from_json(d) for d in answer.get("devices") or ()]
