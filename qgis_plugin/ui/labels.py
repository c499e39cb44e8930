"""Translated names for the API's vocabulary (services, kinds, statuses, channels)."""

from __future__ import annotations

from ..core.models import MAX_CAUSE
from ..integration.i18n import tr


def service_label(name: str) -> str:
    return {
        "water": tr("Water"),
        "district_heating": tr("District heating"),
        "electricity": tr("Electricity"),
    }.get(name, name)


def critical_label(name: str) -> str:
    return {
        "home_dialysis": tr("home dialysis"),
        "hospital": tr("hospital"),
        "care_home": tr("care home"),
        "school": tr("school"),
    }.get(name, name)


def kind_label(name: str) -> str:
    return {
        "planned": tr("Planned"),
        "unplanned": tr("Unplanned"),
        "boil_water": tr("Boil-water notice"),
        "do_not_drink": tr("Do-not-drink notice"),
    }.get(name, name)


def status_label(name: str) -> str:
    return {
        "draft": tr("Draft"),
        "published": tr("Published"),
        "resolved": tr("Resolved"),
        "cancelled": tr("Cancelled"),
    }.get(name, name)


def language_label(code: str) -> str:
    return {
        "fi": tr("Finnish"), "sv": tr("Swedish"), "en": tr("English"), "lt": tr("Lithuanian"),
    }.get(code, code)


def delivery_label(name: str) -> str:
    """Channels and delivery statuses (GOV.UK Notify's names) in the delivery column."""
    return {
        "sms": tr("SMS"),
        "email": tr("e-mail"),
        "voice": tr("voice"),
        "queued": tr("queued"),
        "sent": tr("sent"),
        "delivered": tr("delivered"),
        "temporary-failure": tr("temporary failure"),
        "permanent-failure": tr("permanent failure"),
        "technical-failure": tr("technical failure"),
    }.get(name, name)


def draft_problem(code: str) -> str:
    return {
        "end_before_start": tr("The estimated end is before the start."),
        "empty_selection": tr("Nothing is selected: trace a selection or an area first."),
        "cause_too_long": tr("The cause is longer than {n} characters.").format(n=MAX_CAUSE),
        "text_too_long": tr("A message text is longer than {n} characters.").format(n=MAX_CAUSE),
        "notice_not_water": tr("A water-quality notice is for the water service only."),
    }.get(code, code)
