"""Start, PIN and logout. Until a PIN is proven nothing here reads who is registered:
a new and a known number take the same code path, so neither the page nor its timing
can tell them apart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from gis_outage.services import pins, registrations
from gis_outage.storage.logins import (
    Challenge,
    complete_login,
    create_challenge,
    delete_challenge,
    delete_session,
    get_challenge,
)
from gis_outage.storage.rate_limits import take_rate_limits
from gis_outage.storage.schema import utcnow

from .context import portal
from .forms import read_start, text
from .i18n import PRIVACY
from .outgoing import KNOWN, KNOWN_SECONDS, client_address, is_known, known_value, send_pin
from .prove import render_pin_page, send_proof
from .security import new_pin, new_token, pin_hash, token_hash
from .web import (
    CHALLENGE,
    SESSION,
    PortalError,
    PortalRoute,
    Redirect,
    checked_form,
    clear_cookie,
    cookie,
    current_session,
    language,
    render,
    set_cookie,
    url,
)

router = APIRouter(route_class=PortalRoute)
Form = Annotated[FormData, Depends(checked_form)]


@router.get("/")
def start_page(request: Request) -> Response:
    """The start page: name, phone and/or e-mail."""
    if current_session(request) is not None:
        raise Redirect(url(request, "/portal/me"))
    return render(request, "portal/start.html", {"values": {}, "errors": {}})


@router.post("/start")
def start(request: Request, form: Form) -> Response:
    """Send a PIN to the phone (or the e-mail when no phone was given)."""
    p = portal(request)
    lang = language(request)
    data, typed = read_start(form, p.settings.default_region)
    if data.errors:
        context = {"values": typed, "errors": data.errors}
        return render(request, "portal/start.html", context, status=400)
    destination, channel = registrations.pin_target(data.phone, data.email)
    client = client_address(request)
    known = is_known(p, request, destination)
    limits = pins.pin_limits(p.pins, destination, client, known)
    if pins.locked_out(p.pins, destination, client, known) or take_rate_limits(p.db, limits):
        minutes = pins.wait_minutes(p.pins, destination, client, limits, known)
        context = {"values": typed, "errors": {}, "notice": "too_many_wait", "minutes": minutes}
        response = render(request, "portal/start.html", context, status=429)
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    token, pin = new_token(), new_pin()
    create_challenge(
        p.db,
        token_hash=token_hash(token),
        destination=destination,
        channel=channel.value,
        pin_hash=pin_hash(p.secret, token, pin),
        language=lang,
        name=data.name,
        email=data.email if data.phone and data.email else None,
        expires_at=utcnow() + p.config.pin_ttl,
    )
    if not send_pin(p, channel, destination, pin, lang):
        delete_challenge(p.db, token_hash(token))
        context = {"values": typed, "errors": {}, "notice": "send_failed"}
        return render(request, "portal/start.html", context, status=503)
    response = RedirectResponse(url(request, "/portal/pin"), status_code=303)
    set_cookie(p, response, CHALLENGE, token, int(p.config.pin_ttl.total_seconds()))
    return response


def _challenge(request: Request) -> tuple[str, Challenge]:
    p = portal(request)
    token = request.cookies.get(cookie(p, CHALLENGE))
    challenge = get_challenge(p.db, token_hash(token)) if token else None
    if token is None or not registrations.challenge_open(challenge, p.config.pin_max_attempts):
        raise Redirect(url(request, "/portal/?m=pin_dead"))
    return token, challenge


@router.get("/pin")
def pin_page(request: Request) -> Response:
    _token, challenge = _challenge(request)
    left = portal(request).config.pin_max_attempts - challenge.attempts
    return render_pin_page(request, challenge, None, left, 200)


@router.post("/pin")
def check_pin_route(request: Request, form: Form) -> Response:
    p = portal(request)
    token, challenge = _challenge(request)
    known = is_known(p, request, challenge.destination)
    outcome = pins.check_pin(
        p.pins, token, challenge, text(form, "pin"), client_address(request), known
    )
    if outcome.error is None:
        return _logged_in(request, token, outcome.challenge)
    if outcome.gone:
        raise Redirect(url(request, "/portal/?m=pin_dead"))
    if outcome.dead:
        return render(request, "portal/notice.html", {"notice": outcome.error},
                      status=outcome.status)
    return render_pin_page(request, outcome.challenge, outcome.error, outcome.left, outcome.status)


def _logged_in(request: Request, token: str, challenge: Challenge) -> Response:
    p = portal(request)
    session_token = new_token()
    login = complete_login(
        p.db,
        challenge.id,
        session_token_hash=token_hash(session_token),
        session_expires_at=utcnow() + p.config.session_max,
    )
    if login is None:  # a parallel request used this PIN first
        raise Redirect(url(request, "/portal/?m=pin_dead"))
    target = "/portal/me?m=welcome_new" if login.created else "/portal/me"
    response = _prove_email(request, login.subscriber_id, challenge.email) or RedirectResponse(
        url(request, target), status_code=303
    )
    set_cookie(p, response, SESSION, session_token, int(p.config.session_max.total_seconds()))
    set_cookie(p, response, KNOWN, known_value(p, challenge.destination), KNOWN_SECONDS)
    clear_cookie(p, response, CHALLENGE)
    return response


def _prove_email(request: Request, subscriber_id: int, email: str | None) -> Response | None:
    """An e-mail given beside the phone: a code goes to it, typed next (its page), whether
    or not another account holds it, so nothing here tells which. None: nothing to prove,
    or no code could go now (the login stands; the address can be added later)."""
    if not registrations.email_to_prove_after_login(portal(request).db, subscriber_id, email):
        return None
    try:
        response = send_proof(request, subscriber_id, email)
    except PortalError:
        return None
    return response if response.status_code == 303 else None


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    p = portal(request)
    token = request.cookies.get(cookie(p, SESSION))
    if token:
        delete_session(p.db, token_hash(token))
    response = RedirectResponse(url(request, "/portal/?m=logged_out"), status_code=303)
    clear_cookie(p, response, SESSION)
    return response


@router.get("/privacy")
def privacy(request: Request) -> Response:
    lang = language(request)
    p = portal(request)
    settings = p.settings
    context = {
        "sections": PRIVACY[lang],
        "logged_in": current_session(request) is not None,
        "controller": p.config.controller or settings.utility_name,
        "contact": p.config.privacy_contact or settings.notify.contact_phone
        or settings.public_url,
        "days": settings.retention.delivery_log_days,
        "minutes": int(p.config.pin_minutes),
    }
    return render(request, "portal/privacy.html", context, lang=lang)
