"""The affected set an outage keeps: what a trace found, frozen at drafting time.

The map, the address search and the notifier all read this one shape.
"""

from __future__ import annotations

from typing import Any

from .trace import TraceResult


def affected_snapshot(
    result: TraceResult,
    *,
    network_version: int | None,
    streets: list[str],
    selection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "network_version": network_version,
        "selection": selection or {},
        "devices_to_operate": result.devices_to_operate,
        "isolated_links": result.isolated_links,
        "links": result.affected_links,
        "service_points": result.affected_service_points,
        "addresses": result.affected_addresses,
        "customers": result.customers,
        "streets": streets,
    }
