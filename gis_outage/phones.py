"""Phone numbers: one normal form (E.164) and the channel each type of line takes."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

from .model import Channel, NumberType

# A voice call to a number that gets SMS too (a critical customer's mobile): its own
# destination, so that the call is a delivery of its own (one per destination per event).
CALL_PREFIX = "tel:"


def call_destination(e164_number: str) -> str:
    """'+358401234567' → 'tel:+358401234567': a call to a number that also gets SMS."""
    return CALL_PREFIX + e164_number


def dialled(destination: str) -> str:
    """The number a destination reaches: 'tel:+358401234567' → '+358401234567'."""
    return destination.removeprefix(CALL_PREFIX)


def mask(destination: str) -> str:
    """A phone number or e-mail address as logs, audit rows and pages may show it:
    '+358401234567' → '+35840•••••67'; 'maija@example.fi' → 'm•••@example.fi'."""
    if destination.startswith(CALL_PREFIX):
        return CALL_PREFIX + mask(dialled(destination))
    if "@" in destination:
        user, _, domain = destination.partition("@")
        return f"{user[:1]}•••@{domain}"
    keep = 6 if len(destination) > 10 else 3
    return destination[:keep] + "•" * max(0, len(destination) - keep - 2) + destination[-2:]


class InvalidPhoneNumber(ValueError):
    """Not a valid number; the message never repeats the number itself."""


class OutsideArea(InvalidPhoneNumber):
    """A valid number that no PIN goes to: premium rate, shared cost, another country."""


# What people write in a number: digits, a leading +, spaces, dashes, dots, brackets,
# slashes. Anything else (a stray letter) is a typo, not an extension to drop.
_WRITTEN = re.compile(r"^\+?[\d\s().\-/]+$")

_TYPES = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
}


def _parse(raw: str | None, region: str) -> phonenumbers.PhoneNumber:
    text = str(raw or "").strip()
    if not _WRITTEN.match(text):
        raise InvalidPhoneNumber("not a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid phone number")
    return number


def parse(raw: str | None, region: str = "FI") -> phonenumbers.PhoneNumber | None:
    """A valid number from E.164, international or national form, else None."""
    try:
        return _parse(raw, region)
    except InvalidPhoneNumber:
        return None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(raw: str, region: str = "FI") -> str:
    """'040 123 4567', '+358401234567', '00358 40…' → '+358401234567'."""
    return e164(_parse(raw, region))


def channel_for(
    number: phonenumbers.PhoneNumber, known: str | None, policy: str
) -> Channel | None:
    """Mobile → SMS, fixed line → voice; the directory's type when it knows one, else
    the numbering plan's; anything ambiguous follows the policy ("skip" gives None)."""
    kind = NumberType(known) if known in (NumberType.MOBILE, NumberType.FIXED_LINE) else (
        _TYPES.get(phonenumbers.number_type(number), NumberType.UNKNOWN)
    )
    if kind is NumberType.MOBILE:
        return Channel.SMS
    if kind is NumberType.FIXED_LINE:
        return Channel.VOICE
    return None if policy == "skip" else Channel(policy)


def number_type(e164: str) -> NumberType:
    """Mobile or fixed line as the numbering plan says; ambiguous ones are unknown."""
    return _TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164)), NumberType.UNKNOWN)


# What a resident can register: numbers a PIN may be sent to or called at without
# paying a premium or shared-cost operator (PIN messages to such numbers are fraud).
_ORDINARY = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
                       PhoneNumberType.FIXED_LINE_OR_MOBILE})

# Parts of a country that have numbering regions of their own under its country code.
_SAME_COUNTRY = {"FI": frozenset({"FI", "AX"}), "NO": frozenset({"NO", "SJ"})}


def ordinary_number(raw: str, region: str) -> str:
    """E.164, or InvalidPhoneNumber; OutsideArea for a number that is not an ordinary
    mobile or landline number of `region`'s country (FI: Finland and Åland; a shared
    calling code alone, as +1 for the Caribbean, is not enough)."""
    if len(raw) > 30:
        raise InvalidPhoneNumber("too long")
    number = _parse(raw, region)
    home = _SAME_COUNTRY.get(region.upper(), frozenset({region.upper()}))
    if (phonenumbers.region_code_for_number(number) not in home
            or phonenumbers.number_type(number) not in _ORDINARY):
        raise OutsideArea("not an ordinary number of the country")
    return e164(number)
