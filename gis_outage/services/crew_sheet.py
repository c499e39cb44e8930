"""The crew sheet: what a crew takes to the field for one outage.

The devices to operate numbered in the order to walk them (a nearest-neighbour tour
from the break), each with its place, type, size and ids; the work area and the affected
area as GeoJSON in WGS84; the critical customers with their addresses. Engineer-only: the
API answers it to engineers, the console draws and prints it (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import mapping

from ..metric import metres_for
from ..model import Service
from ..storage import outages as store
from ..storage.addresses import load_addresses
from .context import Context

# Columns of the network import (extra columns are kept) that give a device's or, failing
# that, its link's size: the first one with a value is shown.
SIZE_COLUMNS = ("diameter", "dn", "diameter_mm", "size", "cross_section")


def crew_sheet(ctx: Context, outage_id: int) -> dict[str, Any]:
    """The sheet of an outage (NotFound for no such outage). Devices come from the
    network version the outage was traced on when it is still the current one; from the
    current version otherwise, so a device deleted since is listed without a place."""
    outage = store.get_outage(ctx.db, outage_id)
    affected = outage.affected or {}
    try:
        loaded = ctx.traces.get(Service(outage.service).value)
    except LookupError:
        loaded = None
    layers = loaded.network.layers if loaded is not None else {}
    devices = _devices(layers, affected)
    area = outage.public_area
    return {
        "outage": {
            key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in outage.as_dict().items()
            if key
            in (
                "id",
                "service",
                "kind",
                "status",
                "cause",
                "starts_at",
                "estimated_end_at",
                "area_description",
                "version",
            )
        },
        "devices": devices,
        "work_area": _links(layers, affected.get("isolated_links") or []),
        "break_links": list((affected.get("selection") or {}).get("break_links") or []),
        "affected_area": mapping(area) if area is not None else None,
        "customers": int(affected.get("customers") or 0),
        "critical_customers": _critical(ctx, affected.get("critical_customers") or []),
    }


def _devices(layers: dict[str, gpd.GeoDataFrame], affected: dict[str, Any]) -> list[dict]:
    wanted = [str(d) for d in affected.get("devices_to_operate") or []]
    frame = layers.get("devices")
    if frame is None or not len(frame):
        return [_device_row(i + 1, d, None, None, None) for i, d in enumerate(wanted)]
    frame = frame[frame["id"].astype(str).isin(wanted)]
    by_id = {str(r["id"]): r for _, r in frame.iterrows()}
    lonlat = _lonlat(frame)
    links = layers.get("links")
    start = _start(layers, affected, frame)
    order = _tour(frame, wanted, start)
    out = []
    previous = start
    xy = _metric_xy(frame)
    for n, device in enumerate(order, 1):
        row = by_id.get(device)
        step = None
        if row is not None and previous is not None:
            here = xy[device]
            step = round(float(np.hypot(*(here - previous))))
            previous = here
        size = _size(row, links) if row is not None else None
        out.append(_device_row(n, device, row, lonlat.get(device), size, step))
    return out


def _device_row(
    n: int,
    device: str,
    row: Any,
    lonlat: tuple[float, float] | None,
    size: Any,
    step: int | None = None,
) -> dict[str, Any]:
    def text(key: str) -> str | None:
        value = None if row is None else row.get(key)
        return (
            None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        )

    return {
        "n": n,
        "id": device,
        "kind": text("kind"),
        "link_id": text("link_id"),
        "node_id": text("node_id"),
        "size": size,
        "lon": lonlat[0] if lonlat else None,
        "lat": lonlat[1] if lonlat else None,
        "from_previous_m": step,  # metres from the break (first) or the previous device
    }


def _size(row: Any, links: gpd.GeoDataFrame | None) -> str | None:
    for column in SIZE_COLUMNS:
        value = row.get(column)
        if _given(value):
            return _number_text(value)
    link = row.get("link_id")
    if links is not None and _given(link):
        match = links[links["id"].astype(str) == str(link)]
        for column in SIZE_COLUMNS:
            if column in match and len(match) and _given(match[column].iloc[0]):
                return _number_text(match[column].iloc[0])
    return None


def _number_text(value: Any) -> str:
    """150.0 (a column with gaps reads as floats) → '150'; anything else as it is."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _given(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and np.isnan(value))
        and str(value).strip() != ""
    )


def _lonlat(frame: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """WGS84 places; none for a network in local coordinates (EPANET's)."""
    if frame.crs is None or not len(frame):
        return {}
    points = frame.to_crs(4326)
    return {
        str(i): (round(g.x, 7), round(g.y, 7))
        for i, g in zip(points["id"], points.geometry, strict=True)
        if g is not None
    }


def _metric_xy(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    coords = np.array([[g.x, g.y] for g in frame.geometry]) if len(frame) else np.empty((0, 2))
    metres, _ = metres_for(frame.crs, coords)
    return dict(zip(frame["id"].astype(str), metres(coords), strict=True))


def _start(
    layers: dict[str, gpd.GeoDataFrame], affected: dict[str, Any], devices: gpd.GeoDataFrame
) -> np.ndarray | None:
    """Where the crew starts, in the devices' metres: the middle of the broken links,
    else the first device."""
    breaks = (affected.get("selection") or {}).get("break_links") or []
    links = layers.get("links")
    coords = np.array([[g.x, g.y] for g in devices.geometry]) if len(devices) else None
    if coords is None:
        return None
    metres, _ = metres_for(devices.crs, coords)
    if breaks and links is not None:
        broken = links[links["id"].astype(str).isin([str(b) for b in breaks])]
        if len(broken):
            middle = broken.geometry.union_all().centroid
            return metres(np.array([[middle.x, middle.y]]))[0]
    return metres(coords[:1])[0]


def _tour(devices: gpd.GeoDataFrame, wanted: list[str], start: np.ndarray | None) -> list[str]:
    """A nearest-neighbour tour from `start`: the next device is the nearest one not yet
    visited (ties by id); devices without a place come last, by id."""
    xy = _metric_xy(devices)
    left = sorted(d for d in wanted if d in xy)
    order: list[str] = []
    here = start if start is not None else (xy[left[0]] if left else None)
    while left:
        nearest = min(left, key=lambda d: (float(np.hypot(*(xy[d] - here))), d))
        order.append(nearest)
        left.remove(nearest)
        here = xy[nearest]
    return order + sorted(d for d in wanted if d not in xy)


def _links(layers: dict[str, gpd.GeoDataFrame], ids: list[str]) -> dict[str, Any]:
    """The links as a GeoJSON FeatureCollection in WGS84 (empty for local coordinates)."""
    links = layers.get("links")
    features: list[dict[str, Any]] = []
    if links is not None and links.crs is not None and ids:
        chosen = links[links["id"].astype(str).isin([str(i) for i in ids])].to_crs(4326)
        for link_id, geometry in zip(chosen["id"], chosen.geometry, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"id": str(link_id)},
                    "geometry": mapping(geometry),
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _critical(ctx: Context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The critical customers (most critical first, as stored) with their street address."""
    ids = [r["address_id"] for r in rows if r.get("address_id")]
    places = load_addresses(ctx.db, ids) if ids else None
    text = {}
    if places is not None:
        for _, a in places.iterrows():
            text[str(a["id"])] = " ".join(
                str(p)
                for p in (a["street"], a["house_number"], a["postal_code"], a["municipality"])
                if _given(p)
            )
    return [{**r, "address": text.get(str(r.get("address_id")))} for r in rows]
