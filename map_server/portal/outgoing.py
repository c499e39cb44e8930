"""What the portal sends (PINs, verification and opt-out links) and the rate limits
that guard each send. Buckets are keyed hashes: the rate table holds no numbers."""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import Request

from gis_outage.model import Channel
from gis_outage.storage.rate_limits import RateLimit, count_events, take_rate_limits, wait_for

from .context import Portal
from .i18n import strings
from .security import keyed
from .sender import PortalMessage

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def bucket(p: Portal, kind: str, value: str) -> str:
    return keyed(p.secret, "rate", f"{kind}:{value}")


def client_address(request: Request) -> str:
    # Behind a proxy named in security.trusted_proxies, the address that proxy reports.
    return request.client.host if request.client else "unknown"


def pin_limits(p: Portal, destination: str, client: str) -> list[RateLimit]:
    c = p.config
    mine = bucket(p, "pin", destination)
    return [
        RateLimit("destination", mine, c.pins_per_destination_15min, timedelta(minutes=15)),
        RateLimit("destination", mine, c.pins_per_destination_day, DAY),
        RateLimit("client", bucket(p, "pin-client", client), c.pins_per_client_hour, HOUR),
    ]


def failure_bucket(p: Portal, destination: str) -> str:
    return bucket(p, "pin-fail", destination)


def locked_out(p: Portal, destination: str) -> bool:
    """Too many wrong PINs for this destination today, over all its PINs."""
    failures = count_events(p.db, failure_bucket(p, destination), DAY)
    return failures >= p.config.failed_pins_per_destination_day


def wait_minutes(p: Portal, destination: str, limits: list[RateLimit]) -> int:
    """Whole minutes until a new PIN may be asked for (at least one)."""
    failures = RateLimit("failures", failure_bucket(p, destination),
                         p.config.failed_pins_per_destination_day, DAY)
    wait = wait_for(p.db, [*limits, failures])
    return max(1, math.ceil(wait.total_seconds() / 60))


def send_pin(p: Portal, channel: Channel, destination: str, pin: str, lang: str) -> bool:
    t = strings(lang)
    minutes = int(p.config.pin_minutes)
    values = {"utility": p.settings.utility_name, "pin": pin, "minutes": minutes}
    subject = None
    if channel is Channel.VOICE:
        body = t["pin_voice"].format(**values, digits=", ".join(pin))
    elif channel is Channel.EMAIL:
        subject = t["pin_subject"].format(**values)
        body = t["pin_email"].format(**values)
    else:
        body = t["pin_sms"].format(**values)
    return p.sender.send(
        channel, destination, body, language=lang, kind=PortalMessage.PIN, subject=subject
    )


def link_url(p: Portal, path: str, token: str) -> str:
    return f"{p.settings.public_url}/portal/{path}/{token}"


def send_link(
    p: Portal,
    request: Request,
    purpose: str,
    email: str,
    lang: str,
    subscriber_id: int | None = None,
    *,
    unless_sent_within: timedelta | None = None,
) -> bool | None:
    """E-mail a signed link ("verify" or "unsubscribe"); None when rate-limited.

    With `unless_sent_within`, a link sent to the address that recently counts as this
    one (saving an address right after registering does not mail a second link).
    """
    if unless_sent_within is not None and count_events(
        p.db, bucket(p, "link", email), unless_sent_within
    ):
        return True
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
    token = p.links.make(purpose, email, subscriber_id)
    days = int(p.config.link_days)
    values = {"utility": p.settings.utility_name, "days": days}
    if purpose == "verify":
        subject = t["verify_subject"].format(**values)
        body = t["verify_email_text"].format(**values, url=link_url(p, "verify", token))
    else:
        subject = t["unsubscribe_subject"].format(**values)
        body = t["unsubscribe_email_text"].format(**values, url=link_url(p, "unsubscribe", token))
    return p.sender.send(
        Channel.EMAIL, email, body, language=lang, kind=PortalMessage.LINK, subject=subject
    )
