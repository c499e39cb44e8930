"""Request and response bodies of the engineer API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis_outage.inputs import moment_problem, text_problem, wgs84_problem
from gis_outage.model import CAUSE_MAX_LENGTH, LANGUAGES, CriticalCategory, OutageKind, Service
from gis_outage.services import outages

Language = Literal[LANGUAGES]  # type: ignore[valid-type]
# Outage ids are 32-bit integers in the database; a larger id in a URL is a 422, not a
# database overflow (a 500).
OutageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="outage id")]


def _text(value: str) -> str:
    if problem := text_problem(value):
        raise ValueError(problem)
    return value


def _moment(value: Any) -> Any:
    if value is not None and (problem := moment_problem(value)):
        raise ValueError(problem)
    return value


# Any string taken from a body: storable, and writable to XML (see gis_outage.inputs).
Name = Annotated[str, AfterValidator(_text)]
# What residents read: the cause and its text per language, each as long as a cause.
Text = Annotated[str, StringConstraints(max_length=CAUSE_MAX_LENGTH), AfterValidator(_text)]
Moment = Annotated[AwareDatetime, AfterValidator(_moment)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Selection(Strict):
    """What the engineer selected: broken links, operated devices, a drawn area, or
    addresses and streets picked by name. Give exactly one kind."""

    break_links: list[Name] = Field(
        default_factory=list, max_length=10_000,
        description="Broken pipes or cables (link ids): a break trace",
    )
    operate_devices: list[Name] = Field(
        default_factory=list, max_length=10_000,
        description="Valves or switches operated (device ids): a device trace",
    )
    polygon: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon or MultiPolygon in WGS84 (area outage)"
    )
    addresses: list[Name] = Field(
        default_factory=list, max_length=10_000,
        description="Address ids (from /lookup/addresses): their connections",
    )
    streets: list[Name] = Field(
        default_factory=list, max_length=500,
        description="Street names, in either language: every address on them",
    )

    @model_validator(mode="after")
    def one_kind(self) -> Selection:
        given = [bool(self.break_links), bool(self.operate_devices), self.polygon is not None,
                 bool(self.addresses or self.streets)]
        if sum(given) != 1:
            raise ValueError(
                "give exactly one of break_links, operate_devices, polygon, or "
                "addresses and streets"
            )
        if self.polygon is not None:
            self.area()  # validates
        return self

    def selection(self) -> outages.Selection:
        """The service's selection (the area as a shapely geometry)."""
        return outages.Selection(
            break_links=tuple(self.break_links),
            operate_devices=tuple(self.operate_devices),
            polygon=self.area() if self.polygon is not None else None,
            addresses=tuple(self.addresses),
            streets=tuple(s.strip() for s in self.streets if s.strip()),
        )

    def area(self) -> BaseGeometry:
        try:
            geometry = shape(self.polygon)
        except Exception:
            raise ValueError("polygon is not a GeoJSON geometry") from None
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError("polygon must be a valid GeoJSON Polygon or MultiPolygon")
        if problem := wgs84_problem(geometry):  # before GEOS meets NaN or 1e308
            raise ValueError(f"polygon: {problem}")
        if not geometry.is_valid:
            raise ValueError("polygon must be a valid GeoJSON Polygon or MultiPolygon")
        return geometry


class TraceRequest(Selection):
    service: Service


class CriticalCustomer(BaseModel):
    service_point: str
    category: CriticalCategory
    address_id: str | None
    customers: int


class TraceResponse(BaseModel):
    service: Service
    network_version: int
    critical_customers: list[CriticalCustomer] = Field(
        description="The affected service points flagged critical in the network import, "
        "most critical category first (home dialysis, hospital, care home, school)")
    devices_to_operate: list[str]
    isolated_links: list[str]
    affected_links: list[str]
    affected_service_points: list[str]
    affected_addresses: list[str]
    customers: int
    streets: list[str]
    public_area: dict[str, Any] | None = Field(description="GeoJSON in WGS84")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the stored network has that is valid but worth a look, e.g. a "
        "zero-length link joined by its node ids",
    )


class OutageCreate(Strict):
    service: Service
    kind: OutageKind = Field(
        description="planned or unplanned: a supply cut; boil_water or do_not_drink: a "
        "water-quality notice (water only; 422 for another service), where the water "
        "keeps running",
    )
    starts_at: Moment
    estimated_end_at: Moment | None = None
    cause: Text | None = None
    texts: dict[Language, Text] = Field(default_factory=dict)
    selection: Selection

    @model_validator(mode="after")
    def end_after_start(self) -> OutageCreate:
        if self.estimated_end_at is not None and self.estimated_end_at < self.starts_at:
            raise ValueError("estimated_end_at is before starts_at")
        return self


def _omit_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def not_null_field() -> Any:
    """A PATCH field that may be left out (kept as stored) but never set to null."""
    return Field(default=None, json_schema_extra=_omit_default)


class OutageUpdate(Strict):
    """Fields to change; those left out are kept. Null clears an estimate or a cause."""

    kind: OutageKind | SkipJsonSchema[None] = not_null_field()
    starts_at: Moment | SkipJsonSchema[None] = not_null_field()
    estimated_end_at: Moment | None = None
    cause: Text | None = None
    texts: dict[Language, Text] | SkipJsonSchema[None] = not_null_field()
    expected_version: int | None = Field(
        default=None, description="fail with 409 if someone changed the outage meanwhile"
    )

    @field_validator("kind", "starts_at", "texts", mode="before")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        # The stored outage needs these; null would fail in the database (a 500).
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class StatusChange(Strict):
    expected_version: int | None = None
    retrace: bool = Field(
        default=False,
        description="publish only: a draft traced on an older network version is traced "
        "again on the current one (without it, such a draft answers 409 with the difference)",
    )
    at: Moment | None = Field(default=None, description="when it ended (resolve only)")


class Me(BaseModel):
    name: str
    role: str = Field(description="viewer, engineer or admin")


class MessageTiming(BaseModel):
    action: Literal["send", "defer", "skip"]
    not_before: str | None = Field(description="when a deferred message goes (ISO 8601)")
    reason: str
    message_kind: str
