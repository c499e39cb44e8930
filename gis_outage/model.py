"""Domain vocabulary shared by storage, tracing, the map server and the notifier."""

from enum import StrEnum


class Service(StrEnum):
    WATER = "water"
    DISTRICT_HEATING = "district_heating"
    ELECTRICITY = "electricity"


class OutageKind(StrEnum):
    PLANNED = "planned"
    UNPLANNED = "unplanned"


class OutageStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class EventKind(StrEnum):
    PUBLISHED = "published"
    UPDATED = "updated"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    REMINDER = "reminder"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    VOICE = "voice"


class NumberType(StrEnum):
    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    UNKNOWN = "unknown"


class DeliveryStatus(StrEnum):
    """Statuses of one message to one destination (GOV.UK Notify's vocabulary)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    TECHNICAL_FAILURE = "technical-failure"


class SubscriptionRole(StrEnum):
    RESIDENT = "resident"
    PROPERTY_MANAGER = "property_manager"


class Role(StrEnum):
    VIEWER = "viewer"
    ENGINEER = "engineer"
    ADMIN = "admin"


# Which status changes are allowed, and the event each one writes.
TRANSITIONS: dict[tuple[OutageStatus, OutageStatus], EventKind] = {
    (OutageStatus.DRAFT, OutageStatus.PUBLISHED): EventKind.PUBLISHED,
    (OutageStatus.DRAFT, OutageStatus.CANCELLED): EventKind.CANCELLED,
    (OutageStatus.PUBLISHED, OutageStatus.RESOLVED): EventKind.RESOLVED,
    (OutageStatus.PUBLISHED, OutageStatus.CANCELLED): EventKind.CANCELLED,
}
