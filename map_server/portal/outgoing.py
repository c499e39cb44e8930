"""What the portal sends (PINs, codes that prove an address, opt-out links), who a client
is for its limits, and the cookie of a browser that logged in with a number before. The
PIN rules (limits, the check of a typed PIN) are `gis_outage/services/pins.py`'s.
Buckets are keyed hashes: the rate table holds no numbers."""

from __future__ import annotations

import ipaddress

from fastapi import Request

from gis_outage.model import Channel
from gis_outage.services import pins
from gis_outage.storage.rate_limits import take_rate_limits

from .context import Portal
from .i18n import strings
from .security import keyed, same
from .sender import PortalMessage
from .web import cookie


def bucket(p: Portal, kind: str, value: str) -> str:
    return pins.bucket(p.secret, kind, value)


def client_address(request: Request) -> str:
    """Who per-client limits count: the peer (behind a proxy named in
    security.trusted_proxies, the address that proxy reports); an IPv6 client by its /64,
    since one home or server connection has a whole /64 to rotate through."""
    host = request.client.host if request.client else "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


KNOWN = "portal_known"  # cookie: this browser logged in with the number before
KNOWN_SECONDS = 365 * 24 * 3600


def known_value(p: Portal, destination: str) -> str:
    return keyed(p.secret, "known", destination)


def is_known(p: Portal, request: Request, destination: str) -> bool:
    """The browser logged in with `destination` before: the per-number ceilings, which
    strangers on many connections can fill, do not refuse it (its own limits still do)."""
    value = request.cookies.get(cookie(p, KNOWN))
    return value is not None and same(value, known_value(p, destination))


def send_pin(
    p: Portal, channel: Channel, destination: str, pin: str, lang: str, *, proof: bool = False
) -> bool:
    """Send a PIN: to log in, or with `proof` to prove a number or address added to an
    account (that message says someone asked to add it, and to ignore it otherwise: the
    owner, not the one who typed it, holds the code)."""
    t = strings(lang)
    minutes = int(p.config.pin_minutes)
    values = {"utility": p.settings.utility_name, "pin": pin, "minutes": minutes}
    subject = None
    if channel is Channel.VOICE:
        voice = t["proof_voice" if proof else "pin_voice"]
        body = voice.format(**values, digits=", ".join(pin))
    elif channel is Channel.EMAIL and proof:
        subject = t["proof_email_subject"].format(**values)
        body = t["proof_email_text"].format(**values)
    elif channel is Channel.EMAIL:
        subject = t["pin_subject"].format(**values)
        body = t["pin_email"].format(**values)
    else:
        body = t["proof_sms" if proof else "pin_sms"].format(**values)
    return p.sender.send(
        channel, destination, body, language=lang, kind=PortalMessage.PIN, subject=subject
    )


def link_url(p: Portal, path: str, token: str) -> str:
    return f"{p.settings.public_url}/portal/{path}/{token}"


def send_link(p: Portal, request: Request, email: str, lang: str) -> bool | None:
    """E-mail a signed opt-out link; None when rate-limited."""
    limits = pins.link_limits(p.pins, email, client_address(request))
    if take_rate_limits(p.db, limits) is not None:
        return None
    t = strings(lang)
    token = p.links.make("unsubscribe", email)
    values = {"utility": p.settings.utility_name, "days": int(p.config.unsubscribe_link_days)}
    subject = t["unsubscribe_subject"].format(**values)
    body = t["unsubscribe_email_text"].format(**values, url=link_url(p, "unsubscribe", token))
    return p.sender.send(
        Channel.EMAIL, email, body, language=lang, kind=PortalMessage.LINK, subject=subject
    )
