"""Who is told about an outage event, and on which channel.

From the outage's affected addresses (the snapshot taken at the event): operator
directory numbers (not secret ones, not people under 16 where the birth year is
known), registered subscriptions for that address and service, each destination once its
owner proved it (a proven registration replaces its own directory number, or with
`subscription_replaces_directory = "facility"` those of its house or apartment, never a
neighbour's), property managers registered for the building; minus opt-outs; one message
per destination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from .. import phones
from ..config import Settings
from ..model import Channel, NumberType, SubscriptionRole
from ..model import RecipientSource as Source
from ..municipalities import majority_language
from ..storage.addresses import municipalities_of
from ..storage.contact_records import SubscriptionContact
from ..storage.directory import directory_entries_for
from ..storage.outage_records import OutageEvent
from ..storage.recipients import opted_out, subscriptions_for

# When one destination comes from several sources, the first here gives its language.
_PRECEDENCE = {Source.SUBSCRIPTION: 0, Source.MANAGER: 1, Source.DIRECTORY: 2}


@dataclass(frozen=True)
class Recipient:
    destination: str = field(repr=False)  # E.164 number or lower-case e-mail
    channel: Channel
    language: str
    address_id: str
    source: Source


_KNOWN_TYPES = {NumberType.MOBILE.value: Channel.SMS, NumberType.FIXED_LINE.value: Channel.VOICE}


def normalize_email(raw: str | None) -> str | None:
    value = (raw or "").strip().lower()
    return value if "@" in value.strip("@") else None


def is_adult(birth_year: int | None, on: date, min_age: int) -> bool:
    """True unless the person may be under `min_age` on that date.

    Only the year is known, so someone born in year Y is certainly `min_age` only from
    the year Y + min_age + 1 on; in the year Y + min_age they may not be yet.
    """
    return birth_year is None or on.year - birth_year > min_age


Facility = tuple[str, str | None]  # (address id, apartment)


def one_contact_per_facility(subs: list[SubscriptionContact]) -> list[SubscriptionContact]:
    """Residents' subscriptions (of one service) keeping one phone and one e-mail per
    facility, the most recently registered: a facility is its facility number where
    the resident gave one, else the address and apartment. Managers are left as they are."""
    kept_phone: set[Any] = set()
    kept_email: set[Any] = set()
    out = []
    newest_first = sorted(subs, key=lambda s: (s.created_at is not None,
                                               s.created_at, s.id), reverse=True)
    for sub in newest_first:
        if sub.role == SubscriptionRole.PROPERTY_MANAGER:
            out.append(sub)
            continue
        facility = sub.facility_number or (sub.address_id, sub.apartment)
        if sub.phone:
            if facility in kept_phone:
                sub = replace(sub, phone=None)
            kept_phone.add(facility)
        if sub.email and sub.email_verified_at is not None:
            if facility in kept_email:
                sub = replace(sub, email=None)
            kept_email.add(facility)
        out.append(sub)
    return sorted(out, key=lambda s: s.id)


def critical_addresses(outage: Mapping[str, Any]) -> dict[str, str]:
    """{address id: the most critical category there} of an outage's affected set."""
    out: dict[str, str] = {}
    for row in (outage.get("affected") or {}).get("critical_customers") or []:
        if row.get("address_id"):
            out.setdefault(str(row["address_id"]), str(row["category"]))  # most critical first
    return out


def resolve_recipients(db: Engine, settings: Settings, event: OutageEvent) -> list[Recipient]:
    """The recipients of an outage event (read whole: `storage.outages.get_event`), from
    the outage snapshot in its payload."""
    return resolve_for(
        db,
        service=event.service,
        address_ids=event.affected.get("addresses") or [],
        at=event.day,
        settings=settings,
        critical=critical_addresses(event.snapshot),
    )


def preview_counts(
    db: Engine, settings: Settings, outage: Mapping[str, Any], *, on: date | None = None
) -> dict[str, int]:
    """{channel: number of recipients} for an outage as it stands; no personal data."""
    recipients = resolve_for(
        db,
        service=str(outage["service"]),
        address_ids=(outage.get("affected") or {}).get("addresses") or [],
        at=on or date.today(),
        settings=settings,
        critical=critical_addresses(outage),
    )
    counts = {channel.value: 0 for channel in Channel}
    for recipient in recipients:
        counts[recipient.channel.value] += 1
    return counts


def _local_languages(db: Engine, address_ids: list[str], settings: Settings) -> dict[str, str]:
    """{address id: the majority language of its municipality} where that is one the
    utility offers and not its default (gis_outage/municipalities.py): for directory
    numbers whose extract gives no language."""
    if not address_ids:
        return {}
    out = {}
    for address, municipality in municipalities_of(db, address_ids).items():
        language = majority_language(municipality)
        if language in settings.languages and language != settings.default_language:
            out[address] = language
    return out


def resolve_for(
    db: Engine,
    *,
    service: str,
    address_ids: Iterable[str],
    at: date,
    settings: Settings,
    critical: Mapping[str, str] | None = None,
) -> list[Recipient]:
    """`critical`: {address id: category} of the critical customers among the addresses;
    a number that gets SMS at one of `notify.critical_voice`'s gets a call too."""
    notifier = settings.notify
    region, default_language = settings.default_region, settings.default_language
    addresses = sorted({str(a) for a in address_ids})
    found: dict[str, Recipient] = {}

    sms_at: dict[str, set[str]] = {}  # address → the numbers there that get SMS

    def add(destination: str, channel: Channel, language: str, address: str, source: Source):
        if channel is Channel.SMS:
            sms_at.setdefault(address, set()).add(destination)
        old = found.get(destination)
        if old is None or _PRECEDENCE[source] < _PRECEDENCE[old.source]:
            found[destination] = Recipient(destination, channel, language, address, source)

    def add_phone(raw, known, language, address, source, e164: bool = False) -> bool:
        if e164 and known in _KNOWN_TYPES:
            # The directory stored it in E.164 and said its type: no parsing needed
            # (phonenumbers takes ~150 µs a number, 15 s for 100,000 recipients).
            add(raw, _KNOWN_TYPES[known], language, address, source)
            return True
        number = phones.parse(raw, region)
        if number is None:
            return False
        channel = phones.channel_for(number, known, notifier.unknown_number_channel)
        if channel is None:
            return False
        add(phones.e164(number), channel, language, address, source)
        return True

    subs = subscriptions_for(db, addresses, service) if addresses else []
    if notifier.one_contact_per_facility:
        subs = one_contact_per_facility(subs)
    replaced: set[Facility] = set()  # (address, apartment) where a resident registered
    for sub in subs:
        manager = sub.role == SubscriptionRole.PROPERTY_MANAGER
        source = Source.MANAGER if manager else Source.SUBSCRIPTION
        language = sub.language or default_language
        # A destination typed in the portal is used once its owner proved it (PIN, link).
        proven_phone = sub.phone if sub.phone_verified_at is not None else None
        if add_phone(proven_phone, None, language, sub.address_id, source) and not manager:
            replaced.add((sub.address_id, sub.apartment))
        email = normalize_email(sub.email)
        if email and sub.email_verified_at is not None:
            add(email, Channel.EMAIL, language, sub.address_id, source)

    # "own": a registration replaces only the directory entry of its own number (the
    # same destination, which the registration's language wins); "facility": every
    # directory number of its facility, the apartment when it has one: never a
    # neighbour's in the same block.
    if notifier.subscription_replaces_directory != "facility":
        replaced = set()
    entries = directory_entries_for(db, addresses) if addresses else []
    local = _local_languages(db, [e.address_id for e in entries if not e.language], settings)
    for entry in entries:
        if entry.secret or (entry.address_id, entry.apartment) in replaced:
            continue
        if not is_adult(entry.birth_year, at, notifier.min_age):
            continue
        add_phone(
            entry.phone,
            entry.number_type,
            entry.language or local.get(entry.address_id, default_language),
            entry.address_id,
            Source.DIRECTORY,
            e164=True,  # the directory import checks the E.164 form
        )

    # A critical customer's numbers that get SMS get a call too (landlines get one anyway).
    calls = {str(c) for c in notifier.critical_voice}
    for address, category in (critical or {}).items():
        if category not in calls:
            continue
        for number in sorted(sms_at.get(address, ())):
            sms = found[number]
            if sms.channel is not Channel.SMS:
                continue
            found.setdefault(phones.call_destination(number), Recipient(
                phones.call_destination(number), Channel.VOICE, sms.language, address, sms.source))

    # An opt-out removes the destination whatever the source, directory included.
    blocked = opted_out(db, found)
    return [r for d, r in sorted(found.items()) if d not in blocked]
