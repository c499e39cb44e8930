"""An outage as the public sees it: the one list of public fields and the one shape.

The map, OGC API Features, the feeds and the address look-up all serve `PublicOutage`
objects, built from stored rows by `public_outage`; nothing else of an outage leaves
the engineer side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

# The stored outage columns the public may see (storage reads these and no others for
# public use); `customers` is taken from the affected set.
PUBLIC_FIELDS = (
    "id",
    "service",
    "kind",
    "status",
    "starts_at",
    "estimated_end_at",
    "ended_at",
    "cause",
    "texts",
    "public_area",
    "area_description",
    "updated_at",
    "version",
)
# The properties of a public feature (OGC API, GeoJSON feed).
PROPERTY_NAMES = (
    "service",
    "kind",
    "status",
    "starts_at",
    "estimated_end_at",
    "ended_at",
    "cause",
    "area_description",
    "updated_at",
    "customers",
)
TIME_PROPERTIES = frozenset({"starts_at", "estimated_end_at", "ended_at", "updated_at"})


def iso(value: datetime | None) -> str | None:
    """UTC timestamps as ISO 8601 with Z, to the second (what clients and OGC expect)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PublicOutage:
    """One outage as the public sees it; `address_ids` serve the look-up only."""

    id: int
    properties: Mapping[str, Any]
    shape: BaseGeometry | None
    starts_at: datetime
    ends_at: datetime | None  # actual end, else the estimate; None: open-ended
    updated_at: datetime
    address_ids: frozenset[str] = field(repr=False)

    def feature(
        self, select: list[str] | None = None, skip_geometry: bool = False
    ) -> dict[str, Any]:
        """A new GeoJSON Feature dict (callers such as pygeoapi may modify it)."""
        props = {k: v for k, v in self.properties.items() if not select or k in select}
        geometry = None
        if self.shape is not None and not skip_geometry:
            geometry = shapely.geometry.mapping(self.shape)
        return {"type": "Feature", "id": self.id, "geometry": geometry, "properties": props}

    def active_between(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether the outage's time span meets [start, end] (None: unbounded)."""
        if end is not None and self.starts_at > end:
            return False
        return not (start is not None and self.ends_at is not None and self.ends_at < start)


def public_outage(row: Mapping[str, Any]) -> PublicOutage:
    """The public view of an outage row (any mapping with the outage columns)."""
    affected = row.get("affected") or {}
    props: dict[str, Any] = {
        name: iso(row[name]) if name in TIME_PROPERTIES else row[name]
        for name in PROPERTY_NAMES
        if name != "customers"
    }
    props["customers"] = int(affected.get("customers") or 0)
    shape = row.get("public_area")
    return PublicOutage(
        id=int(row["id"]),
        properties=props,
        shape=None if shape is None or shape.is_empty else shape,
        starts_at=row["starts_at"],
        ends_at=row["ended_at"] or row["estimated_end_at"],
        updated_at=row["updated_at"],
        address_ids=frozenset(str(a) for a in affected.get("addresses") or ()),
    )
