"""Reading and checking what residents type. Errors are keys of the portal's strings;
none of them repeats the value that was wrong."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberType
from starlette.datastructures import FormData

from gis_outage.apartments import normalize_apartment
from gis_outage.model import Channel, NumberType, Service, SubscriptionRole
from gis_outage.phones import InvalidPhoneNumber, normalise, number_type

MAX = {"name": 100, "street": 100, "house_number": 20, "postal_code": 10, "number": 40}


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    # Control characters never belong in a form field (and would end up in e-mails).
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


# What a resident can register: numbers a PIN may be sent to or called at without
# paying a premium or shared-cost operator (PIN messages to such numbers are fraud).
_ORDINARY = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
                       PhoneNumberType.FIXED_LINE_OR_MOBILE})


# Parts of a country that have numbering regions of their own under its country code.
_SAME_COUNTRY = {"FI": frozenset({"FI", "AX"}), "NO": frozenset({"NO", "SJ"})}


def phone(raw: str, region: str) -> str:
    """E.164, or InvalidPhoneNumber; OutsideArea for a number that is not an ordinary
    mobile or landline number of `region`'s country (FI: Finland and Åland; a shared
    calling code alone, as +1 for the Caribbean, is not enough)."""
    if len(raw) > 30:
        raise InvalidPhoneNumber("too long")
    e164 = normalise(raw, region)
    number = phonenumbers.parse(e164)
    home = _SAME_COUNTRY.get(region.upper(), frozenset({region.upper()}))
    if (phonenumbers.region_code_for_number(number) not in home
            or phonenumbers.number_type(number) not in _ORDINARY):
        raise OutsideArea(e164)
    return e164


class OutsideArea(InvalidPhoneNumber):
    """A valid number that no PIN goes to: premium rate, shared cost, another country."""


def email(raw: str) -> str:
    """One e-mail address in lower case, or ValueError. A real validator (RFC 5322 and
    6531 syntax, no DNS look-up): a hand-made pattern let "a@b.org,attacker" through,
    and the mail went to both. Quoted local parts and bare hosts are refused."""
    value = raw.strip()
    if len(value) > 254:
        raise ValueError("too long for an e-mail address")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("not one e-mail address") from None
    return checked.normalized.lower()


def phone_channel(e164: str) -> Channel:
    """A landline hears its PIN in a call; anything else gets a text message."""
    return Channel.VOICE if number_type(e164) is NumberType.FIXED_LINE else Channel.SMS


@dataclass
class StartForm:
    name: str = ""
    phone: str = field(default="", repr=False)
    email: str = field(default="", repr=False)
    errors: dict[str, str] = field(default_factory=dict)

    def pin_target(self) -> tuple[str, Channel]:
        """Where the PIN goes: the phone when given (it is what messages go to)."""
        if self.phone:
            return self.phone, phone_channel(self.phone)
        return self.email, Channel.EMAIL


def read_start(form: FormData, region: str) -> tuple[StartForm, dict[str, str]]:
    """(the checked form, the values as typed, to show again on an error)."""
    typed = {k: text(form, k) for k in ("name", "phone", "email")}
    out = StartForm()
    # The name is asked of new residents only: a returning one logs in without it (and
    # nothing here may tell whether a number is registered).
    out.name = typed["name"]
    if len(out.name) > MAX["name"]:
        out.errors["name"] = "too_long"
    if not typed["phone"] and not typed["email"]:
        out.errors["phone"] = "phone_or_email"
    if typed["phone"]:
        try:
            out.phone = phone(typed["phone"], region)
        except OutsideArea:
            out.errors["phone"] = "phone_not_ordinary"
        except InvalidPhoneNumber:
            out.errors["phone"] = "phone_invalid"
    if typed["email"]:
        try:
            out.email = email(typed["email"])
        except ValueError:
            out.errors["email"] = "email_invalid"
    return out, typed


@dataclass
class SubscriptionForm:
    services: list[str] = field(default_factory=list)
    role: str = SubscriptionRole.RESIDENT.value
    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    customer_number: str | None = None
    facility_number: str | None = None
    apartment: str | None = None  # "A 12": the apartment in a block, empty for a house
    errors: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str | None]:
        return {
            "phone": self.phone,
            "email": self.email,
            "customer_number": self.customer_number,
            "facility_number": self.facility_number,
            "apartment": self.apartment,
            "role": self.role,
        }


def read_subscription(
    form: FormData, region: str, offered: list[str], *, with_services: bool
) -> tuple[SubscriptionForm, dict[str, str]]:
    keys = ("phone", "email", "customer_number", "facility_number", "apartment", "role")
    typed = {k: text(form, k) for k in keys}
    out = SubscriptionForm()
    if with_services:
        chosen = [s for s in form.getlist("services") if isinstance(s, str)]
        out.services = [s.value for s in Service if s.value in chosen and s.value in offered]
        if not out.services:
            out.errors["services"] = "service_required"
    roles = {r.value for r in SubscriptionRole}
    out.role = typed["role"] if typed["role"] in roles else SubscriptionRole.RESIDENT.value
    if typed["phone"]:
        try:
            out.phone = phone(typed["phone"], region)
        except OutsideArea:
            out.errors["phone"] = "phone_not_ordinary"
        except InvalidPhoneNumber:
            out.errors["phone"] = "phone_invalid"
    if typed["email"]:
        try:
            out.email = email(typed["email"])
        except ValueError:
            out.errors["email"] = "email_invalid"
    if not typed["phone"] and not typed["email"]:
        out.errors["phone"] = "destination_required"
    for key in ("customer_number", "facility_number"):
        if len(typed[key]) > MAX["number"]:
            out.errors[key] = "too_long"
        setattr(out, key, typed[key] or None)
    try:
        out.apartment = normalize_apartment(typed["apartment"])
    except ValueError:
        out.errors["apartment"] = "apartment_invalid"
    return out, typed


@dataclass
class AddressForm:
    postal_code: str = ""
    street: str = ""
    house_number: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.postal_code and self.street and self.house_number)


def read_address(form: FormData) -> AddressForm:
    return AddressForm(
        postal_code=text(form, "postal_code")[: MAX["postal_code"]],
        street=" ".join(text(form, "street").split())[: MAX["street"]],
        house_number=text(form, "house_number")[: MAX["house_number"]],
    )
