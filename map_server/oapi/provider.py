"""pygeoapi feature provider for the `outages` collection.

pygeoapi builds a provider per request, so `__init__` only looks up the shared
in-memory snapshot (map_server.snapshot); queries filter it in Python. That is cheap
for the few hundred public outages a utility has even in a storm, works the same on
SQLite and PostGIS, and never touches the database on the hot path.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import shapely
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
    SchemaType,
)
from pygeoapi.util import crs_transform

from gis_outage.public import (
    PROPERTY_TYPES,
    REQUIRED_PROPERTIES,
    PublicOutage,
    feature_schema,
)
from map_server.snapshot import lookup

FIELDS = PROPERTY_TYPES
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class OutageProvider(BaseProvider):
    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.snapshots = lookup(self.data)
        self._fields = self.get_fields()

    def get_fields(self) -> dict[str, dict[str, Any]]:
        return {name: dict(kind) for name, kind in FIELDS.items()}  # pygeoapi may edit them

    def get_schema(self, schema_type: SchemaType = SchemaType.item) -> tuple[str, dict]:
        """One outage as a GeoJSON Feature (pygeoapi puts it into the OpenAPI document)."""
        schema = feature_schema("Outage", id_property=True)
        del schema["$schema"]  # an OpenAPI 3.0 Schema Object, not a JSON Schema document
        schema["properties"]["geometry"] = {"type": "object", "nullable": True}
        for name, kind in schema["properties"]["properties"]["properties"].items():
            if name not in REQUIRED_PROPERTIES:
                kind["nullable"] = True
        return "application/geo+json", schema

    @crs_transform
    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        datetime_: str | None = None,
        properties: list[tuple[str, str]] | None = None,
        sortby: list[dict[str, str]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        q: str | None = None,
        filterq: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        if filterq is not None:
            raise ProviderInvalidQueryError(user_msg="CQL filters are not supported here")
        hits = list(self.snapshots.get().outages)
        if bbox:
            box = shapely.box(*bbox[:2], *bbox[-2:])  # 6-number 3D boxes: drop heights
            hits = [o for o in hits if o.shape is not None and o.shape.intersects(box)]
        if datetime_:
            start, end = _interval(datetime_)
            hits = [o for o in hits if o.active_between(start, end)]
        for name, value in properties or []:
            hits = [o for o in hits if _equals(o.properties.get(name), value)]
        if q:
            words = q.casefold().split()
            hits = [o for o in hits if all(w in _text(o) for w in words)]
        for sort in reversed(sortby or []):
            hits.sort(
                key=lambda o, p=sort["property"]: _sort_key(o.properties.get(p)),
                reverse=sort["order"] == "-",
            )
        page = [] if resulttype == "hits" else hits[offset : offset + limit]
        return {
            "type": "FeatureCollection",
            "features": [o.feature(select_properties, skip_geometry) for o in page],
            "numberMatched": len(hits),
            "numberReturned": len(page),
        }

    @crs_transform
    def get(self, identifier: Any, **kwargs: Any) -> dict[str, Any]:
        outage = None
        if str(identifier).isdigit():
            outage = self.snapshots.get().get(int(identifier))
        if outage is None:
            raise ProviderItemNotFoundError(user_msg=f"no public outage {identifier}")
        return outage.feature()

    def __repr__(self) -> str:
        return f"<OutageProvider> {self.data}"


def _interval(value: str) -> tuple[datetime | None, datetime | None]:
    """An OGC `datetime` (instant or start/end with `..` open ends) as UTC bounds."""
    if "/" not in value:
        start = _parse(value, end=False)
        return start, _parse(value, end=True) if DATE_ONLY.match(value) else start
    first, _, second = value.partition("/")
    start = None if first in ("", "..") else _parse(first, end=False)
    end = None if second in ("", "..") else _parse(second, end=True)
    return start, end


def _parse(text: str, *, end: bool) -> datetime:
    try:
        if DATE_ONLY.match(text):  # a whole day
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, UTC)
            return moment + timedelta(days=1) - timedelta(microseconds=1) if end else moment
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ProviderInvalidQueryError(user_msg=f"bad datetime {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _equals(stored: Any, wanted: str) -> bool:
    if stored is None:
        return False
    if isinstance(stored, int):
        return wanted.strip().lstrip("-").isdigit() and stored == int(wanted)
    return str(stored) == wanted


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _text(outage: PublicOutage) -> str:
    props = outage.properties
    return " ".join(str(props.get(k) or "") for k in ("cause", "area_description")).casefold()
