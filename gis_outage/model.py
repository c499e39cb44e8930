"""The one vocabulary: every enum and fixed list that storage, tracing, the services,
the map server, the notifier and the QGIS plugin (through its agreement test) share."""

from enum import StrEnum


class Language(StrEnum):
    """Languages with message templates and page texts."""

    FI = "fi"
    SV = "sv"
    EN = "en"
    LT = "lt"


LANGUAGES: tuple[str, ...] = tuple(Language)
# The longest cause an engineer may write (the QGIS plugin counts down to it).
CAUSE_MAX_LENGTH = 500


class Service(StrEnum):
    WATER = "water"
    DISTRICT_HEATING = "district_heating"
    ELECTRICITY = "electricity"


class OutageKind(StrEnum):
    """What residents are told: a supply cut (planned works or a sudden fault), or a
    water-quality notice, where the water still runs but must not be drunk as it is."""

    PLANNED = "planned"
    UNPLANNED = "unplanned"
    BOIL_WATER = "boil_water"  # boil drinking and cooking water before use
    DO_NOT_DRINK = "do_not_drink"  # not even boiled: drink bottled or tanked water


# Water-quality notices: water service only; they operate nothing in the field (the
# water keeps running), and their lifting says the water may be drunk again.
WATER_NOTICES: frozenset[OutageKind] = frozenset({OutageKind.BOIL_WATER, OutageKind.DO_NOT_DRINK})
NOTICE_SERVICES: frozenset[Service] = frozenset({Service.WATER})


def is_water_notice(kind: OutageKind | str) -> bool:
    return OutageKind(kind) in WATER_NOTICES


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
    # The field changed an outage's affected set: the start message to the newly
    # affected only, the all-clear to those whose supply is back (`payload.outage`
    # names just them).
    EXTENDED = "extended"
    RESTORED = "restored"


class DeviceFinding(StrEnum):
    """What a crew found at a device; it stays so for later traces until cleared."""

    INOPERABLE = "inoperable"  # stuck, broken: cannot be operated
    NOT_FOUND = "not_found"  # buried, paved over: cannot be reached


class DeviceOperator(StrEnum):
    """Who holds a device in a position other than its normal one."""

    OUTAGE = "outage"  # the devices an active outage operated (its isolation, back-feed)
    HAND = "hand"  # operated by a crew outside any outage


class CriticalCategory(StrEnum):
    """Why a service point's customers are critical (the network import's `critical`
    column). The order here is the order traces, the API and the crew sheet list them:
    a person whose life depends on the supply at home first."""

    HOME_DIALYSIS = "home_dialysis"
    HOSPITAL = "hospital"
    CARE_HOME = "care_home"
    SCHOOL = "school"


CRITICAL_CATEGORIES: tuple[str, ...] = tuple(CriticalCategory)


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    VOICE = "voice"


class NumberType(StrEnum):
    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    UNKNOWN = "unknown"


class MessageKind(StrEnum):
    """Which message residents get for an outage event."""

    PLANNED_NOTICE = "planned_notice"
    REMINDER = "reminder"
    UNPLANNED_START = "unplanned_start"
    RESTORATION_CHANGE = "restoration_change"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    BOIL_WATER = "boil_water"  # a boil-water advisory (issued, or changed)
    DO_NOT_DRINK = "do_not_drink"  # a do-not-drink notice (issued, or changed)
    NOTICE_LIFTED = "notice_lifted"  # the water may be drunk again


def message_kind(event: EventKind | str, outage_kind: OutageKind | str) -> MessageKind:
    """Which message an outage event sends: published planned works → planned notice, …;
    a water-quality notice says itself again when issued, extended or changed, and its
    lifting (resolved, restored, cancelled) says the water may be drunk again."""
    event = EventKind(event)
    if is_water_notice(outage_kind):
        if event in (EventKind.RESOLVED, EventKind.RESTORED, EventKind.CANCELLED):
            return MessageKind.NOTICE_LIFTED
        return MessageKind(OutageKind(outage_kind).value)
    if event in (EventKind.PUBLISHED, EventKind.EXTENDED):
        if OutageKind(outage_kind) is OutageKind.PLANNED:
            return MessageKind.PLANNED_NOTICE
        return MessageKind.UNPLANNED_START
    return {
        EventKind.UPDATED: MessageKind.RESTORATION_CHANGE,
        EventKind.REMINDER: MessageKind.REMINDER,
        EventKind.RESOLVED: MessageKind.RESOLVED,
        EventKind.RESTORED: MessageKind.RESOLVED,
        EventKind.CANCELLED: MessageKind.CANCELLED,
    }[event]


class DeliveryStatus(StrEnum):
    """Statuses of one message to one destination (GOV.UK Notify's vocabulary)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    TECHNICAL_FAILURE = "technical-failure"


class Outcome(StrEnum):
    """What happened to one send attempt at a provider."""

    ACCEPTED = "accepted"  # the provider took it; delivery is reported later
    TEMPORARY_FAILURE = "temporary-failure"  # try again later or with another provider
    PERMANENT_FAILURE = "permanent-failure"  # retrying this destination will not help


class ReceiptStatus(StrEnum):
    """What a provider's delivery receipt says; the final ones are DeliveryStatus values."""

    DELIVERED = DeliveryStatus.DELIVERED.value
    TEMPORARY_FAILURE = DeliveryStatus.TEMPORARY_FAILURE.value  # e.g. phone off too long
    PERMANENT_FAILURE = DeliveryStatus.PERMANENT_FAILURE.value  # e.g. number not in use
    TECHNICAL_FAILURE = DeliveryStatus.TECHNICAL_FAILURE.value  # the provider's fault
    PENDING = "pending"  # an intermediate report (ENROUTE, ACCEPTD); not final


class RecipientSource(StrEnum):
    SUBSCRIPTION = "subscription"
    MANAGER = "manager"
    DIRECTORY = "directory"


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
