"""Proving a phone number or e-mail address added while logged in: a code goes to it (a
call for a landline) and the resident types it here, in the session that asked. It
counts for them only after that (gis_outage/services/residents.py says what it may do
before and after). Nothing in the message proves anything when clicked: whoever reads
the mail in the owner's mailbox hands nothing to the account that asked."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from gis_outage.phones import mask
from gis_outage.services import pins, registrations, residents
from gis_outage.storage.logins import Challenge, create_challenge, delete_challenge, get_challenge
from gis_outage.storage.rate_limits import take_rate_limits
from gis_outage.storage.schema import utcnow

from .context import portal
from .forms import text
from .outgoing import client_address, send_pin
from .security import new_pin, new_token, pin_hash, token_hash
from .web import (
    PROVE,
    PortalError,
    PortalRoute,
    PortalSession,
    checked_form,
    clear_cookie,
    cookie,
    render,
    require_session,
    set_cookie,
    url,
)

router = APIRouter(prefix="/me", route_class=PortalRoute)
Form = Annotated[FormData, Depends(checked_form)]
Session = Annotated[PortalSession, Depends(require_session)]


def send_proof(request: Request, subscriber_id: int, destination: str) -> Response:
    """Send a code to a number or e-mail address the resident gave and has not proven;
    to its code page. A code sent to it for this account within `proof_resend_minutes`
    is not followed by another: the page says so and when a new one can be asked."""
    p = portal(request)
    recent = registrations.recent_proof(
        p.db, subscriber_id, destination, p.config.proof_resend_minutes
    )
    if recent is not None:
        return _sent_recently(request, subscriber_id, destination, recent)
    client = client_address(request)
    limits = pins.pin_limits(p.pins, destination, client)
    if pins.locked_out(p.pins, destination, client) or take_rate_limits(p.db, limits):
        raise PortalError(429, "too_many", back=url(request, "/portal/me"))
    lang = registrations.proof_language(p.db, subscriber_id, p.settings.default_language)
    token, pin = new_token(), new_pin()
    channel = residents.channel_of(destination)
    create_challenge(
        p.db,
        token_hash=token_hash(token),
        destination=destination,
        channel=channel.value,
        pin_hash=pin_hash(p.secret, token, pin),
        language=lang,
        expires_at=utcnow() + p.config.pin_ttl,
        subscriber_id=subscriber_id,
    )
    if not send_pin(p, channel, destination, pin, lang, proof=True):
        delete_challenge(p.db, token_hash(token))
        raise PortalError(503, "send_failed", back=url(request, "/portal/me"))
    response = RedirectResponse(url(request, "/portal/me/prove"), status_code=303)
    set_cookie(p, response, PROVE, token, int(p.config.pin_ttl.total_seconds()))
    return response


def _sent_recently(
    request: Request, subscriber_id: int, destination: str, recent: registrations.RecentProof
) -> Response:
    """Nothing was sent now: say that a code went to the destination recently, when a
    new one may be asked, and lead to the code page when this browser holds that code's
    challenge. Only this account's own codes are looked at."""
    p = portal(request)
    token = request.cookies.get(cookie(p, PROVE))
    live = get_challenge(p.db, token_hash(token), subscriber_id=subscriber_id) if token else None
    context = {
        "notice": "code_sent_recently",
        "ok": True,
        "values": {
            "to": mask(destination),
            "resend": math.ceil(p.config.proof_resend_minutes),
            "wait": max(1, math.ceil(recent.wait.total_seconds() / 60)),
        },
        "next": url(request, "/portal/me/prove") if recent.is_for(live) else None,
        "back": url(request, "/portal/me"),
        "logged_in": True,
    }
    return render(request, "portal/notice.html", context)


def _challenge(request: Request, session: PortalSession) -> tuple[str, Challenge]:
    p = portal(request)
    token = request.cookies.get(cookie(p, PROVE))
    found = (
        get_challenge(p.db, token_hash(token), subscriber_id=session.subscriber_id)
        if token
        else None
    )
    if token is None or found is None or not registrations.challenge_open(
        found, p.config.pin_max_attempts
    ):
        raise PortalError(400, "pin_dead", back=url(request, "/portal/me"))
    return token, found


def render_pin_page(
    request: Request, challenge: Challenge, error: str | None, left: int, status: int,
    **extra: object,
) -> Response:
    """The page that asks for the PIN of `challenge` (a login's, or with `extra` a proof's)."""
    p = portal(request)
    context = {
        "sent": f"sent_{challenge.channel}",
        "to": mask(challenge.destination),
        "minutes": int(p.config.pin_minutes),
        "error": error,
        "left": left,
        **extra,
    }
    return render(request, "portal/pin.html", context, status=status)


def _page(
    request: Request, challenge: Challenge, error: str | None, left: int, status: int
) -> Response:
    return render_pin_page(request, challenge, error, left, status,
                           action="/portal/me/prove", logged_in=True)


@router.get("/prove")
def prove_page(request: Request, session: Session) -> Response:
    _token, challenge = _challenge(request, session)
    left = portal(request).config.pin_max_attempts - challenge.attempts
    return _page(request, challenge, None, left, 200)


@router.post("/prove")
def prove(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    token, challenge = _challenge(request, session)
    outcome = pins.check_pin(p.pins, token, challenge, text(form, "pin"), client_address(request))
    if outcome.error is not None:
        if outcome.dead:
            raise PortalError(outcome.status, outcome.error, back=url(request, "/portal/me"))
        return _page(request, outcome.challenge, outcome.error, outcome.left, outcome.status)
    if residents.prove_by_pin(p.db, session.subscriber_id, challenge.id) is None:
        raise PortalError(400, "pin_dead", back=url(request, "/portal/me"))
    response = RedirectResponse(url(request, "/portal/me?m=proven"), status_code=303)
    clear_cookie(p, response, PROVE)
    return response


@router.post("/phone/resend")
def resend_pin(request: Request, form: Form, session: Session) -> Response:
    """A new code for a number waiting for its proof."""
    p = portal(request)
    phone = text(form, "phone")
    if "@" in phone or not registrations.may_resend(p.db, session.subscriber_id, phone):
        raise PortalError(404, "not_found", back=url(request, "/portal/me"))
    return send_proof(request, session.subscriber_id, phone)


@router.post("/email/resend")
def resend_code(request: Request, form: Form, session: Session) -> Response:
    """A new code for an e-mail address on an address, waiting for its proof. (An e-mail
    given beside the phone at registration is not one: whether it was stored would tell
    whether another account holds it.)"""
    p = portal(request)
    email = text(form, "email").lower()
    if "@" not in email or not registrations.may_resend(p.db, session.subscriber_id, email):
        raise PortalError(404, "not_found", back=url(request, "/portal/me"))
    return send_proof(request, session.subscriber_id, email)
