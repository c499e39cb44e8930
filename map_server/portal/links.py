"""E-mail links: opt-out without logging in. (An address added to an account is proven
by a code typed there, not by a link: map_server/portal/prove.py.)

A link carries a signed, timed token with a keyed hash of the address, never the
address. Opening a link shows a page with a button: mail scanners that fetch every link
change nothing. RFC 8058 one-click opt-out (a POST of `List-Unsubscribe=One-Click` from
a mail client) needs no page. It only ever opts out the address that received it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from gis_outage.emails import normalise_email
from gis_outage.links import unsubscribe_url as unsubscribe_url
from gis_outage.services import residents

from .context import portal
from .forms import text
from .outgoing import send_link
from .security import same
from .web import PortalError, PortalRoute, checked_form, language, render, url

router = APIRouter(route_class=PortalRoute)
Form = Annotated[FormData, Depends(checked_form)]


def _read(request: Request, purpose: str, token: str) -> dict:
    payload = portal(request).links.read(purpose, token)
    if payload is None:
        raise PortalError(400, "link_invalid")
    return payload


# -- retired verification links ---------------------------------------------------------


@router.get("/verify/{token}")
def verify_retired(request: Request, token: str) -> Response:
    """E-mail addresses were once proven by opening a link; a click in a mailbox could
    hand an address to whoever added it. An address is now proven by a code typed in
    the account that asked, so an old link proves nothing (and says so)."""
    raise PortalError(410, "link_retired", back=url(request, "/portal/"))


# -- opt-out by e-mail --------------------------------------------------------------------


@router.get("/unsubscribe")
def unsubscribe_ask(request: Request) -> Response:
    return render(request, "portal/unsubscribe.html", {"values": {}, "errors": {}})


@router.post("/unsubscribe")
def unsubscribe_request(request: Request, form: Form) -> Response:
    """Mail an opt-out link to the address typed; the same answer whoever it is."""
    p = portal(request)
    typed = text(form, "email")
    try:
        email = normalise_email(typed)
    except ValueError:
        context = {"values": {"email": typed}, "errors": {"email": "email_invalid"}}
        return render(request, "portal/unsubscribe.html", context, status=400)
    sent = send_link(p, request, email, language(request))
    if sent is None:
        raise PortalError(429, "too_many")
    if not sent:
        raise PortalError(503, "send_failed")
    return render(request, "portal/notice.html", {"notice": "unsubscribe_sent", "ok": True})


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> Response:
    _read(request, "unsubscribe", token)
    return render(request, "portal/confirm.html", {"purpose": "unsubscribe"})


async def _unsubscribe_form(request: Request) -> FormData:
    """A mail client's one-click POST, or our own form with its CSRF token."""
    form = await request.form()
    if form.get("List-Unsubscribe") == "One-Click":
        return form
    return await checked_form(request)


@router.post("/unsubscribe/{token}")
def unsubscribe(
    request: Request, token: str, form: Annotated[FormData, Depends(_unsubscribe_form)]
) -> Response:
    p = portal(request)
    payload = _read(request, "unsubscribe", token)
    residents.opt_out_by_link(p.db, lambda e: same(p.links.email_digest(e), payload["h"]))
    # The same answer either way: an address nobody registered gets no mail anyway.
    return render(request, "portal/notice.html", {"notice": "unsubscribed", "ok": True})
