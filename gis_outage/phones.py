"""Phone numbers: one normal form (E.164) and the channel each type of line takes."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from .model import NumberType


class InvalidPhoneNumber(ValueError):
    """Not a valid number; the message never repeats the number itself."""


_TYPES = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
}


def normalise(raw: str, region: str = "FI") -> str:
    """'040 123 4567', '+358401234567', '00358 40…' → '+358401234567'."""
    text = str(raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def number_type(e164: str) -> NumberType:
    """Mobile or fixed line as the numbering plan says; ambiguous ones are unknown."""
    return _TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164)), NumberType.UNKNOWN)
