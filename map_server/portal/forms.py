"""Reading and checking what residents type. Errors are keys of the portal's strings;
none of them repeats the value that was wrong."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from gis_outage.apartments import normalize_apartment
from gis_outage.emails import normalise_email
from gis_outage.model import Service, SubscriptionRole
from gis_outage.phones import InvalidPhoneNumber, OutsideArea, ordinary_number

MAX = {"name": 100, "street": 100, "house_number": 20, "postal_code": 10, "number": 40}


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    # Control characters never belong in a form field (and would end up in e-mails).
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


@dataclass
class StartForm:
    name: str = ""
    phone: str = field(default="", repr=False)
    email: str = field(default="", repr=False)
    errors: dict[str, str] = field(default_factory=dict)


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
            out.phone = ordinary_number(typed["phone"], region)
        except OutsideArea:
            out.errors["phone"] = "phone_not_ordinary"
        except InvalidPhoneNumber:
            out.errors["phone"] = "phone_invalid"
    if typed["email"]:
        try:
            out.email = normalise_email(typed["email"])
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
            out.phone = ordinary_number(typed["phone"], region)
        except OutsideArea:
            out.errors["phone"] = "phone_not_ordinary"
        except InvalidPhoneNumber:
            out.errors["phone"] = "phone_invalid"
    if typed["email"]:
        try:
            out.email = normalise_email(typed["email"])
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
