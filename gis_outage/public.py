"""An outage as the public sees it: the one list of public fields and the one shape.

The map, OGC API Features, the feeds and the address look-up all serve `PublicOutage`
objects, built from stored rows by `public_outage`; nothing else of an outage leaves
the engineer side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from gis_outage.model import OutageKind, OutageStatus, Service

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
# The properties of a public feature (OGC API, GeoJSON feed). The outage id is a property
# as well as the feature id: GIS clients (QGIS, ogr2ogr) renumber features and show only
# properties as attributes.
PROPERTY_NAMES = (
    "id",
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
# Each property as JSON Schema: what OGC API clients read to type their fields (a date that
# is null on every feature of a first page would otherwise be text). A property outside
# REQUIRED_PROPERTIES is null while unknown (`ended_at` until the outage ends).
_TEXT: dict[str, Any] = {"type": "string"}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
PROPERTY_TYPES: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "description": "The outage number"},
    "service": {**_TEXT, "enum": [s.value for s in Service]},
    "kind": {**_TEXT, "enum": [k.value for k in OutageKind]},
    "status": {**_TEXT, "enum": [s.value for s in OutageStatus if s != OutageStatus.DRAFT]},
    "starts_at": _TIME,
    "estimated_end_at": _TIME,
    "ended_at": _TIME,
    "cause": _TEXT,
    "area_description": _TEXT,
    "updated_at": _TIME,
    "customers": {
        "type": "integer",
        "description": "Customers without supply; under a water-quality notice (kind "
        "boil_water or do_not_drink), customers the notice is for",
    },
}
REQUIRED_PROPERTIES = ("id", "service", "kind", "status", "starts_at", "updated_at",
                       "customers")


def iso(value: datetime | None) -> str | None:
    """UTC timestamps as ISO 8601 with Z, to the second (what clients and OGC expect)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def localized_cause(texts: Mapping[str, str] | None, cause: str | None,
                    language: str) -> str | None:
    """The cause in `language`: the engineer's text for it, else the one cause written
    (a code such as `pipe_burst` that pages and messages put into words, or free text).
    Every public text and every message takes the cause from here."""
    text = (texts or {}).get(language)
    return text.strip() if text and text.strip() else cause


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
    texts: Mapping[str, str] = field(default_factory=dict, repr=False)  # per language

    @property
    def ongoing_or_planned(self) -> bool:
        """Published (not yet resolved or cancelled)."""
        return self.properties["status"] == "published"

    def cause(self, language: str) -> str | None:
        return localized_cause(self.texts, self.properties.get("cause"), language)

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


def feature_schema(title: str, id_property: bool = False) -> dict[str, Any]:
    """JSON Schema of one public outage as a GeoJSON Feature (GDAL types its fields from
    this document when a collection links it as `describedBy`). `id_property`: declare
    the `id` property too (GDAL 3.6 takes it from the features themselves and would list
    a declared one twice, so the describedBy document leaves it out)."""
    names = [n for n in PROPERTY_NAMES if id_property or n != "id"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {
                "type": ["object", "null"],
                "description": "The generalised outage area: GeoJSON Polygon or MultiPolygon, "
                "null when the outage has no public area",
            },
            "properties": {
                "type": "object",
                "description": "`id` repeats the feature's id",
                "required": [n for n in REQUIRED_PROPERTIES if n in names],
                "properties": {n: dict(PROPERTY_TYPES[n]) for n in names},
            },
        },
    }


def bounds(outages: Iterable[PublicOutage]) -> tuple[float, float, float, float] | None:
    """The WGS84 box around the outages' public areas; None when none has one."""
    shapes = [o.shape for o in outages if o.shape is not None]
    if not shapes:
        return None
    minx, miny, maxx, maxy = shapely.GeometryCollection(shapes).bounds
    return (minx, miny, maxx, maxy)


def public_outage(row: Mapping[str, Any]) -> PublicOutage:
    """The public view of an outage row (any mapping with the outage columns)."""
    affected = row.get("affected") or {}
    props: dict[str, Any] = {}
    for name in PROPERTY_NAMES:
        if name == "id":
            props[name] = int(row["id"])
        elif name == "customers":
            props[name] = int(affected.get("customers") or 0)
        else:
            props[name] = iso(row[name]) if name in TIME_PROPERTIES else row[name]
    shape = row.get("public_area")
    return PublicOutage(
        id=int(row["id"]),
        properties=props,
        shape=None if shape is None or shape.is_empty else shape,
        starts_at=row["starts_at"],
        ends_at=row["ended_at"] or row["estimated_end_at"],
        updated_at=row["updated_at"],
        address_ids=frozenset(str(a) for a in affected.get("addresses") or ()),
        texts=dict(row.get("texts") or {}),
    )
