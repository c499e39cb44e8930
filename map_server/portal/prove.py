"""Proving a phone number added while logged in: a PIN goes to that number (a call for a
landline) and the resident types it here. The number counts for them only after that
(gis_outage/services/residents.py says what it may do before and after)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from gis_outage.services import residents
from gis_outage.storage.logins import create_challenge, delete_challenge, get_challenge
from gis_outage.storage.rate_limits import take_rate_limits
from gis_outage.storage.schema import utcnow
from gis_outage.storage.subscriptions import get_subscriber

from .context import portal
from .forms import text
from .login import render_pin_page
from .outgoing import check_pin, client_address, locked_out, pin_limits, send_pin
from .security import new_pin, new_token, pin_hash, token_hash
from .web import (
    PROVE,
    PortalError,
    PortalRoute,
    PortalSession,
    checked_form,
    clear_cookie,
    cookie,
    require_session,
    set_cookie,
    url,
)

router = APIRouter(prefix="/me", route_class=PortalRoute)
Form = Annotated[FormData, Depends(checked_form)]
Session = Annotated[PortalSession, Depends(require_session)]


def send_proof(request: Request, session: PortalSession, phone: str) -> Response:
    """Send a PIN to a number the resident gave and has not proven; to its PIN page."""
    p = portal(request)
    limits = pin_limits(p, phone, client_address(request))
    if locked_out(p, phone) or take_rate_limits(p.db, limits):
        raise PortalError(429, "too_many", back=url(request, "/portal/me"))
    subscriber = get_subscriber(p.db, session.subscriber_id) or {}
    lang = subscriber.get("language") or p.settings.default_language
    token, pin = new_token(), new_pin()
    channel = residents.channel_of(phone)
    create_challenge(
        p.db,
        token_hash=token_hash(token),
        destination=phone,
        channel=channel.value,
        pin_hash=pin_hash(p.secret, token, pin),
        language=lang,
        expires_at=utcnow() + p.config.pin_ttl,
        subscriber_id=session.subscriber_id,
    )
    if not send_pin(p, channel, phone, pin, lang):
        delete_challenge(p.db, token_hash(token))
        raise PortalError(503, "send_failed", back=url(request, "/portal/me"))
    response = RedirectResponse(url(request, "/portal/me/prove"), status_code=303)
    set_cookie(p, response, PROVE, token, int(p.config.pin_ttl.total_seconds()))
    return response


def _challenge(request: Request, session: PortalSession) -> tuple[str, dict]:
    p = portal(request)
    token = request.cookies.get(cookie(p, PROVE))
    found = (
        get_challenge(p.db, token_hash(token), subscriber_id=session.subscriber_id)
        if token
        else None
    )
    if token is None or found is None or found["attempts"] >= p.config.pin_max_attempts:
        raise PortalError(400, "pin_dead", back=url(request, "/portal/me"))
    return token, found


def _page(request: Request, challenge: dict, error: str | None, left: int, status: int):
    return render_pin_page(request, challenge, error, left, status,
                           action="/portal/me/prove", logged_in=True)


@router.get("/prove")
def prove_page(request: Request, session: Session) -> Response:
    _token, challenge = _challenge(request, session)
    left = portal(request).config.pin_max_attempts - challenge["attempts"]
    return _page(request, challenge, None, left, 200)


@router.post("/prove")
def prove(request: Request, form: Form, session: Session) -> Response:
    p = portal(request)
    token, challenge = _challenge(request, session)
    outcome = check_pin(p, token, challenge, text(form, "pin"))
    if outcome.error is not None:
        if outcome.dead:
            raise PortalError(outcome.status, outcome.error, back=url(request, "/portal/me"))
        return _page(request, outcome.challenge, outcome.error, outcome.left, outcome.status)
    if residents.prove_by_pin(p.db, session.subscriber_id, challenge["id"]) is None:
        raise PortalError(400, "pin_dead", back=url(request, "/portal/me"))
    response = RedirectResponse(url(request, "/portal/me?m=proven"), status_code=303)
    clear_cookie(p, response, PROVE)
    return response


@router.post("/phone/resend")
def resend_pin(request: Request, form: Form, session: Session) -> Response:
    """A new PIN for a number waiting for its proof."""
    p = portal(request)
    phone = text(form, "phone")
    if not residents.needs_proof(p.db, session.subscriber_id, phone) or "@" in phone:
        raise PortalError(404, "not_found", back=url(request, "/portal/me"))
    return send_proof(request, session, phone)
