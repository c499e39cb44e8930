"""What the portal sends (PINs, codes that prove an address, opt-out links) and the rate limits
that guard each send. Buckets are keyed hashes: the rate table holds no numbers."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Request

from gis_outage.model import Channel
from gis_outage.storage.logins import delete_challenge, take_attempt
from gis_outage.storage.rate_limits import (
    RateLimit,
    count_events,
    forget_events,
    take_rate_limits,
    take_try,
    wait_for,
)

from .context import Portal
from .i18n import strings
from .security import keyed, pin_hash, same, token_hash
from .sender import PortalMessage
from .web import cookie

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
PIN = re.compile(r"^\d{4}$")


def bucket(p: Portal, kind: str, value: str) -> str:
    return keyed(p.secret, "rate", f"{kind}:{value}")


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


def pin_limits(
    p: Portal, destination: str, client: str, known: bool = False
) -> list[RateLimit]:
    """PIN messages to a destination: from one client (a stranger asking for the owner's
    number spends that stranger's allowance, not the owner's), from all clients together
    (a higher ceiling, so a phone is not flooded), and from one client to anyone."""
    c = p.config
    mine = bucket(p, "pin", f"{destination}\0{client}")
    return [
        RateLimit("destination", mine, c.pins_per_destination_15min, timedelta(minutes=15)),
        RateLimit("destination", mine, c.pins_per_destination_day, DAY),
        *([] if known else [RateLimit("destination", bucket(p, "pin-all", destination),
                                      c.pins_per_destination_day_all, DAY)]),
        RateLimit("client", bucket(p, "pin-client", client), c.pins_per_client_hour, HOUR),
    ]


def failure_limits(
    p: Portal, destination: str, client: str, known: bool = False
) -> list[RateLimit]:
    """Wrong PINs a day for a destination: from one client (a stranger's guesses lock
    out that stranger, not the owner on their own connection), and from all clients
    together (a higher ceiling that guessing from many addresses runs into)."""
    c = p.config
    return [
        RateLimit("failures", bucket(p, "pin-fail-client", f"{destination}\0{client}"),
                  c.failed_pins_per_client_day, DAY),
        *([] if known else [RateLimit("failures", bucket(p, "pin-fail", destination),
                                      c.failed_pins_per_destination_day, DAY)]),
    ]  # fmt: skip


@dataclass
class PinCheck:
    """What a typed PIN came to: `error` None when it was right."""

    challenge: dict = field(repr=False)
    error: str | None = None  # key of the text shown
    left: int = 0  # tries left on this PIN
    status: int = 200
    dead: bool = False  # the challenge is gone: a new PIN is needed
    gone: bool = False  # it was gone already (expired, used by a parallel request)


def check_pin(
    p: Portal, token: str, challenge: dict, typed: str, client: str, known: bool = False
) -> PinCheck:
    """Check a PIN typed for a challenge (a login or a proof) by `client`.

    Each guess counts against the destination's daily limits of wrong PINs (this
    client's and everyone's) before it is compared, in one locked transaction, and is
    taken back when it was right; parallel guesses cannot all slip under the limits."""
    limit = p.config.pin_max_attempts
    pin = typed.replace(" ", "")
    if not PIN.match(pin):
        # Not four digits: a slip of the finger, not a guess; no attempt is used.
        return PinCheck(challenge, "pin_format", limit - challenge["attempts"], 400)
    guess = take_try(p.db, failure_limits(p, challenge["destination"], client, known))
    if guess is None:
        delete_challenge(p.db, token_hash(token))
        return PinCheck(challenge, "too_many", status=429, dead=True)
    row = take_attempt(p.db, token_hash(token), limit)
    if row is None:
        forget_events(p.db, guess)
        return PinCheck(challenge, "pin_dead", status=400, dead=True, gone=True)
    if same(pin_hash(p.secret, token, pin), row["pin_hash"]):
        forget_events(p.db, guess)
        return PinCheck(row)
    left = limit - row["attempts"]
    if left <= 0:
        delete_challenge(p.db, token_hash(token))
        return PinCheck(row, "pin_dead", status=400, dead=True)
    return PinCheck(row, "wrong_pin", left, 400)


def locked_out(p: Portal, destination: str, client: str, known: bool = False) -> bool:
    """Too many wrong PINs for this destination today, from this client or from all."""
    limits = failure_limits(p, destination, client, known)
    return any(count_events(p.db, r.bucket, r.window) >= r.limit for r in limits)


def wait_minutes(
    p: Portal, destination: str, client: str, limits: list[RateLimit], known: bool = False
) -> int:
    """Whole minutes until a new PIN may be asked for (at least one)."""
    wait = wait_for(p.db, [*limits, *failure_limits(p, destination, client, known)])
    return max(1, math.ceil(wait.total_seconds() / 60))


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
    limits = [
        RateLimit("destination", bucket(p, "link", email), p.config.links_per_destination_day, DAY),
        RateLimit(
            "client", bucket(p, "link-client", client_address(request)),
            p.config.pins_per_client_hour, HOUR,
        ),
    ]  # fmt: skip
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
