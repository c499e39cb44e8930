"""What the engineer API (/api/v1) takes and returns, as plain dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SERVICES = ("water", "district_heating", "electricity")
KINDS = ("planned", "unplanned", "boil_water", "do_not_drink")
# Water-quality notices (gis_outage.model.WATER_NOTICES), for these services only.
WATER_NOTICES = ("boil_water", "do_not_drink")
NOTICE_SERVICES = ("water",)
LANGUAGES = ("fi", "sv", "en", "lt")
# Critical customers' categories, most critical first (gis_outage.model.CriticalCategory).
CRITICAL_CATEGORIES = ("home_dialysis", "hospital", "care_home", "school")
DRAFT, PUBLISHED, RESOLVED, CANCELLED = "draft", "published", "resolved", "cancelled"
ACTIVE = (DRAFT, PUBLISHED)

# The status changes the server allows (gis_outage.model.TRANSITIONS).
_NEXT = {DRAFT: {PUBLISHED, CANCELLED}, PUBLISHED: {RESOLVED, CANCELLED}}

BREAK, OPERATE, AREA = "break", "operate", "area"
MAX_CAUSE = 500  # the API's limit on the cause and on each language's text


def parse_time(value: str | None) -> datetime | None:
    """The API's ISO 8601 timestamps; 'Z' is spelled out for Python < 3.11."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a timezone-aware time is needed")
    return value.isoformat()


@dataclass(frozen=True)
class Selection:
    """One of: links that broke, devices that were operated, or a drawn area."""

    mode: str  # BREAK, OPERATE or AREA
    ids: tuple[str, ...] = ()
    polygon: dict[str, Any] | None = None  # GeoJSON in WGS84, for AREA

    def __post_init__(self) -> None:
        if self.mode not in (BREAK, OPERATE, AREA):
            raise ValueError(f"unknown selection mode {self.mode!r}")

    @property
    def is_empty(self) -> bool:
        return self.polygon is None if self.mode == AREA else not self.ids

    def to_json(self) -> dict[str, Any]:
        if self.mode == BREAK:
            return {"break_links": list(self.ids)}
        if self.mode == OPERATE:
            return {"operate_devices": list(self.ids)}
        return {"polygon": self.polygon}


@dataclass(frozen=True)
class TraceResult:
    service: str
    network_version: int
    devices_to_operate: tuple[str, ...]
    isolated_links: tuple[str, ...]
    affected_links: tuple[str, ...]
    affected_service_points: tuple[str, ...]
    affected_addresses: tuple[str, ...]
    customers: int
    streets: tuple[str, ...]
    public_area: dict[str, Any] | None
    # What the stored network has that is valid but worth a look (the server's words).
    warnings: tuple[str, ...] = ()
    # (service point, category, address id) of the critical customers, most critical first.
    critical_customers: tuple[tuple[str, str, str | None], ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraceResult:
        lists = ("devices_to_operate", "isolated_links", "affected_links",
                 "affected_service_points", "affected_addresses", "streets", "warnings")
        return cls(
            service=data["service"],
            network_version=int(data["network_version"]),
            customers=int(data["customers"]),
            public_area=data.get("public_area"),
            critical_customers=tuple(
                (str(c["service_point"]), str(c["category"]),
                 None if c.get("address_id") is None else str(c["address_id"]))
                for c in data.get("critical_customers") or ()),
            **{name: tuple(str(x) for x in data.get(name, [])) for name in lists},
        )


@dataclass(frozen=True)
class OutageDraft:
    service: str
    kind: str
    starts_at: datetime
    estimated_end_at: datetime | None
    cause: str
    texts: dict[str, str]
    selection: Selection

    def problems(self) -> list[str]:
        """Codes of what the server would refuse, found before sending."""
        found = []
        if self.service not in SERVICES:
            found.append("unknown_service")
        if self.kind not in KINDS:
            found.append("unknown_kind")
        elif self.kind in WATER_NOTICES and self.service not in NOTICE_SERVICES:
            found.append("notice_not_water")
        if self.starts_at.tzinfo is None or (
            self.estimated_end_at is not None and self.estimated_end_at.tzinfo is None
        ):
            found.append("naive_time")
        elif self.estimated_end_at is not None and self.estimated_end_at < self.starts_at:
            found.append("end_before_start")
        if self.selection.is_empty:
            found.append("empty_selection")
        if len(self.cause.strip()) > MAX_CAUSE:
            found.append("cause_too_long")
        if any(len(text) > MAX_CAUSE for text in self.sent_texts().values()):
            found.append("text_too_long")
        return found

    def sent_texts(self) -> dict[str, str]:
        """The texts per language as sent: empty ones are left out."""
        return {lang: text for lang, text in self.texts.items() if text.strip()}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "service": self.service,
            "kind": self.kind,
            "starts_at": iso(self.starts_at),
            "texts": self.sent_texts(),
            "selection": self.selection.to_json(),
        }
        if self.estimated_end_at is not None:
            body["estimated_end_at"] = iso(self.estimated_end_at)
        if self.cause.strip():
            body["cause"] = self.cause.strip()
        return body


@dataclass(frozen=True)
class Outage:
    id: int
    service: str
    kind: str
    status: str
    starts_at: datetime | None
    estimated_end_at: datetime | None
    ended_at: datetime | None
    cause: str
    texts: dict[str, str]
    customers: int
    area_description: str
    created_by: str
    version: int
    public_area: dict[str, Any] | None = None
    # channel → delivery status → count; absent in answers to changes (PATCH, publish …)
    deliveries: dict[str, dict[str, int]] | None = field(default=None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outage:
        affected = data.get("affected") or {}
        return cls(
            id=int(data["id"]),
            service=data["service"],
            kind=data["kind"],
            status=data["status"],
            starts_at=parse_time(data.get("starts_at")),
            estimated_end_at=parse_time(data.get("estimated_end_at")),
            ended_at=parse_time(data.get("ended_at")),
            cause=data.get("cause") or "",
            texts=dict(data.get("texts") or {}),
            customers=int(affected.get("customers") or 0),
            area_description=data.get("area_description") or "",
            created_by=data.get("created_by") or "",
            version=int(data.get("version") or 0),
            public_area=data.get("public_area"),
            deliveries=data.get("deliveries"),
        )

    def can(self, new_status: str) -> bool:
        return new_status in _NEXT.get(self.status, set())

    @property
    def editable(self) -> bool:
        return self.status in ACTIVE


def delivery_summary(
    deliveries: dict[str, dict[str, int]] | None, label: Callable[[str], str] = str
) -> str:
    """'SMS 12 sent, 1 failed · voice 3 sent'; `label` names channels and statuses."""
    if not deliveries:
        return ""
    parts = []
    for channel in sorted(deliveries):
        counts = deliveries[channel]
        order = sorted(counts, key=lambda s: (-counts[s], s))
        figures = ", ".join(f"{counts[s]} {label(s)}" for s in order)
        parts.append(f"{label(channel)} {figures}")
    return " · ".join(parts)
