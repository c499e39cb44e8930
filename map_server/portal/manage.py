"""The logged-in resident's pages: see, change and delete everything, download it,
block messages. Every id a request names is looked up within the session's own
subscriber, so another person's id finds nothing (404), whatever it is."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import FormData

from gis_outage.services import registrations, residents
from gis_outage.storage.addresses import find_streets
from gis_outage.storage.service_area import house_numbers, offered_services
from gis_outage.storage.subscriptions import Subscription, get_subscriber

from .context import portal
from .forms import (
    AddressForm,
    SubscriptionForm,
    read_address,
    read_subscription,
    text,
)
from .i18n import strings
from .prove import send_proof
from .web import (
    SESSION,
    PortalError,
    PortalRoute,
    PortalSession,
    checked_form,
    clear_cookie,
    language,
    render,
    require_session,
    url,
)

router = APIRouter(prefix="/me", route_class=PortalRoute)
Form = Annotated[FormData, Depends(checked_form)]
Session = Annotated[PortalSession, Depends(require_session)]


def _redirect(request: Request, path: str) -> Response:
    return RedirectResponse(url(request, path), status_code=303)


def _page(
    request: Request, session: PortalSession, template: str, context: dict, status: int = 200
) -> Response:
    language = registrations.preferred_language(portal(request).db, session.subscriber_id)
    base = {"logged_in": True, "preferred_language": language}
    return render(request, template, {**base, **context}, status=status)


@router.get("")
def me(request: Request, session: Session) -> Response:
    p = portal(request)
    subscriber = get_subscriber(p.db, session.subscriber_id)
    if subscriber is None:
        raise PortalError(404, "not_found")
    context = {
        "subscriber": subscriber,
        "logins": residents.logins(p.db, session.subscriber_id),
        "places": registrations.places(p.db, session.subscriber_id),
        # Blocked or not is said of proven destinations only (residents.destinations).
        "destinations": residents.destinations(p.db, session.subscriber_id),
    }
    return _page(request, session, "portal/me.html", context)


@router.post("/profile")
def profile(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    lang = registrations.update_profile(
        p.db, session.subscriber_id, text(form, "name"), text(form, "language"), p.languages
    )
    return _redirect(request, "/portal/me?m=saved" + (f"&lang={lang}" if lang else ""))


# -- addresses -------------------------------------------------------------------------


def _address_page(
    request: Request,
    session: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    address: AddressForm | None = None,
    status: int = 200,
    suggestions: list[str] | None = None,
) -> Response:
    p = portal(request)
    address = address or AddressForm()
    streets = find_streets(p.db, postal_code=address.postal_code) if address.postal_code else []
    numbers = (
        house_numbers(p.db, address.postal_code, address.street)
        if address.postal_code and address.street
        else []
    )
    context = {
        "values": values,
        "errors": errors,
        "address": address,
        "services": offered_services(p.db),
        "streets": streets,
        "numbers": numbers,
        "suggestions": suggestions or [],
    }
    return _page(request, session, "portal/address.html", context, status=status)


@router.get("/addresses/new")
def new_address(request: Request, session: Session) -> Response:
    p = portal(request)
    defaults = registrations.contact_defaults(
        p.db, session.subscriber_id, session.login_destination, session.login_channel
    )
    values = {**defaults, "services": offered_services(p.db)}
    return _address_page(request, session, values, {})


@router.post("/addresses")
def add_address(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    offered = offered_services(p.db)
    address = read_address(form)
    data, typed = read_subscription(form, p.settings.default_region, offered, with_services=True)
    values = {**typed, "services": data.services}
    found = registrations.find_address(
        p.db, address.postal_code, address.street, address.house_number
    )
    errors = dict(data.errors)
    suggestions: list[str] = []
    if found is None:
        errors["address"], suggestions = registrations.why_not_found(
            p.db, address.postal_code, address.street, address.house_number
        )
    if errors:
        return _address_page(request, session, values, errors, address, status=400,
                             suggestions=suggestions)
    registrations.add_address(p.db, session.subscriber_id, found, data.services, data.values())
    return _after_save(request, session, data)


def _after_save(request: Request, session: PortalSession, data: SubscriptionForm) -> Response:
    """A code goes to the first destination still to prove (its page comes next); one
    still waiting after that has its "send the code" button on /portal/me."""
    p = portal(request)
    destination = registrations.to_prove_after_save(
        p.db, session.subscriber_id, (data.phone, data.email)
    )
    if destination is not None:
        return send_proof(request, session.subscriber_id, destination)
    return _redirect(request, "/portal/me?m=saved")


@router.post("/addresses/delete")
def remove_address(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    address_id = text(form, "address_id")
    if text(form, "confirm") != "yes":
        subs = registrations.subscriptions_at(p.db, session.subscriber_id, address_id)
        if not subs:
            raise PortalError(404, "not_found", back=url(request, "/portal/me"))
        context = {"what": subs[0].place, "action": "/portal/me/addresses/delete",
                   "field": ("address_id", address_id)}
        return _page(request, session, "portal/delete.html", context)
    if not registrations.remove_address(p.db, session.subscriber_id, address_id):
        raise PortalError(404, "not_found")
    return _redirect(request, "/portal/me?m=deleted")


@router.post("/autocomplete")
def autocomplete(request: Request, form: Form, session: Session) -> JSONResponse:
    """Streets of a postal code, or house numbers of a street, from the address
    register. A POST: what a resident types about their home stays out of URLs."""
    p = portal(request)
    address = read_address(form)
    if text(form, "field") == "house_number":
        options = (
            house_numbers(p.db, address.postal_code, address.street, address.house_number, 30)
            if address.postal_code and address.street
            else []
        )
    else:
        options = (
            find_streets(p.db, postal_code=address.postal_code, prefix=address.street, limit=30)
            if address.postal_code
            else []
        )
    return JSONResponse({"options": options})


# -- one subscription ------------------------------------------------------------------


def _own(request: Request, session: PortalSession, subscription_id: int) -> Subscription:
    found = registrations.own_subscription(portal(request).db, session.subscriber_id,
                                           subscription_id)
    if found is None:
        raise PortalError(404, "not_found", back=url(request, "/portal/me"))
    return found


@router.get("/subscriptions/{subscription_id}")
def edit_subscription(request: Request, subscription_id: int, session: Session) -> Response:
    sub = _own(request, session, subscription_id)
    values = {k: getattr(sub, k) or "" for k in ("phone", "email", "customer_number",
                                                  "facility_number", "apartment")}
    context = {"sub": sub, "values": {**values, "role": sub.role}, "errors": {}}
    return _page(request, session, "portal/subscription.html", context)


@router.post("/subscriptions/{subscription_id}")
def change_subscription(
    request: Request, subscription_id: int, form: Form, session: Session
) -> Response:
    p = portal(request)
    sub = _own(request, session, subscription_id)
    data, typed = read_subscription(form, p.settings.default_region, [], with_services=False)
    if data.errors:
        context = {"sub": sub, "values": typed, "errors": data.errors}
        return _page(request, session, "portal/subscription.html", context, status=400)
    registrations.change_subscription(p.db, session.subscriber_id, subscription_id, data.values())
    return _after_save(request, session, data)


@router.post("/subscriptions/{subscription_id}/delete")
def remove_subscription(
    request: Request, subscription_id: int, form: Form, session: Session
) -> Response:
    if text(form, "confirm") != "yes":
        sub = _own(request, session, subscription_id)
        t = strings(language(request))
        context = {"what": f"{t[sub.service]}: {sub.place}",
                   "action": f"/portal/me/subscriptions/{subscription_id}/delete", "field": None}
        return _page(request, session, "portal/delete.html", context)
    if not registrations.remove_subscription(
        portal(request).db, session.subscriber_id, subscription_id
    ):
        raise PortalError(404, "not_found", back=url(request, "/portal/me"))
    return _redirect(request, "/portal/me?m=deleted")


# -- opt-out, export, erase: what a destination may do is residents' rule --------------


@router.post("/opt-out")
def opt_out(request: Request, form: Form, session: Session) -> Response:
    try:
        residents.opt_out(portal(request).db, session.subscriber_id, text(form, "destination"))
    except residents.NotProven:
        raise PortalError(403, "prove_first", back=url(request, "/portal/me")) from None
    return _redirect(request, "/portal/me?m=opted_out")


@router.post("/opt-in")
def opt_in(request: Request, form: Form, session: Session) -> Response:
    try:
        residents.opt_in(portal(request).db, session.subscriber_id, text(form, "destination"))
    except residents.NotProven:
        raise PortalError(403, "prove_first", back=url(request, "/portal/me")) from None
    return _redirect(request, "/portal/me?m=opted_in")


@router.post("/export")
def export(request: Request, form: Form, session: Session) -> Response:
    data = residents.export(portal(request).db, session.subscriber_id)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-outage-notice-data.json"'},
    )


@router.post("/erase")
def erase(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    if text(form, "confirm") != "yes":
        return _redirect(request, "/portal/me")
    registrations.erase(p.db, session.subscriber_id)
    response = _redirect(request, "/portal/?m=erased")
    clear_cookie(p, response, SESSION)
    return response
