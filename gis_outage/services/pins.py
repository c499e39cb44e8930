"""The portal's PINs (a login's, or a code that proves a destination): their hashes,
the rate limits that guard each send and each guess (and each opt-out link mailed),
and the check of a typed PIN. Free
of any web framework: the portal's routes read the form and the cookies, call these
and render the answer (`map_server/portal/outgoing.py` sends the messages).

Buckets are keyed hashes: the rate table holds no numbers. PINs are HMACs under the
portal key (a 4-digit PIN hashed without a key would fall to 10,000 guesses); challenge
and session tokens are stored as their SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.engine import Engine

from ..config import PortalSettings
from ..links import keyed
from ..storage.logins import Challenge, delete_challenge, take_attempt
from ..storage.rate_limits import RateLimit, count_events, forget_events, take_try, wait_for

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
PIN = re.compile(r"^\d{4}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pin_hash(secret: bytes, challenge_token: str, pin: str) -> str:
    return keyed(secret, "pin", f"{token_hash(challenge_token)}:{pin}")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class PinRules:
    """What the PIN rules need: the database, the portal key and its settings."""

    db: Engine
    secret: bytes = field(repr=False)
    config: PortalSettings


def bucket(secret: bytes, kind: str, value: str) -> str:
    """A rate-limit bucket: a keyed hash of what is counted."""
    return keyed(secret, "rate", f"{kind}:{value}")


def pin_limits(
    rules: PinRules, destination: str, client: str, known: bool = False
) -> list[RateLimit]:
    """PIN messages to a destination: from one client (a stranger asking for the owner's
    number spends that stranger's allowance, not the owner's), from all clients together
    (a higher ceiling, so a phone is not flooded; not for a browser that logged in with
    the number before: `known`), and from one client to anyone."""
    c, key = rules.config, rules.secret
    mine = bucket(key, "pin", f"{destination}\0{client}")
    return [
        RateLimit("destination", mine, c.pins_per_destination_15min, timedelta(minutes=15)),
        RateLimit("destination", mine, c.pins_per_destination_day, DAY),
        *([] if known else [RateLimit("destination", bucket(key, "pin-all", destination),
                                      c.pins_per_destination_day_all, DAY)]),
        RateLimit("client", bucket(key, "pin-client", client), c.pins_per_client_hour, HOUR),
    ]  # fmt: skip


def failure_limits(
    rules: PinRules, destination: str, client: str, known: bool = False
) -> list[RateLimit]:
    """Wrong PINs a day for a destination: from one client (a stranger's guesses lock
    out that stranger, not the owner on their own connection), and from all clients
    together (a higher ceiling that guessing from many addresses runs into)."""
    c, key = rules.config, rules.secret
    return [
        RateLimit("failures", bucket(key, "pin-fail-client", f"{destination}\0{client}"),
                  c.failed_pins_per_client_day, DAY),
        *([] if known else [RateLimit("failures", bucket(key, "pin-fail", destination),
                                      c.failed_pins_per_destination_day, DAY)]),
    ]  # fmt: skip


def link_limits(rules: PinRules, email: str, client: str) -> list[RateLimit]:
    """Opt-out links mailed: a day's to one address, and an hour's from one client."""
    c, key = rules.config, rules.secret
    return [
        RateLimit("destination", bucket(key, "link", email), c.links_per_destination_day, DAY),
        RateLimit("client", bucket(key, "link-client", client), c.pins_per_client_hour, HOUR),
    ]


@dataclass(frozen=True, slots=True)
class PinCheck:
    """What a typed PIN came to: `error` None when it was right."""

    challenge: Challenge = field(repr=False)
    error: str | None = None  # key of the text shown
    left: int = 0  # tries left on this PIN
    status: int = 200
    dead: bool = False  # the challenge is gone: a new PIN is needed
    gone: bool = False  # it was gone already (expired, used by a parallel request)


def check_pin(
    rules: PinRules,
    token: str,
    challenge: Challenge,
    typed: str,
    client: str,
    known: bool = False,
) -> PinCheck:
    """Check a PIN typed for a challenge (a login or a proof) by `client`.

    Each guess counts against the destination's daily limits of wrong PINs (this
    client's and everyone's) before it is compared, in one locked transaction, and is
    taken back when it was right; parallel guesses cannot all slip under the limits."""
    db, limit = rules.db, rules.config.pin_max_attempts
    pin = typed.replace(" ", "")
    if not PIN.match(pin):
        # Not four digits: a slip of the finger, not a guess; no attempt is used.
        return PinCheck(challenge, "pin_format", limit - challenge.attempts, 400)
    guess = take_try(db, failure_limits(rules, challenge.destination, client, known))
    if guess is None:
        delete_challenge(db, token_hash(token))
        return PinCheck(challenge, "too_many", status=429, dead=True)
    row = take_attempt(db, token_hash(token), limit)
    if row is None:
        forget_events(db, guess)
        return PinCheck(challenge, "pin_dead", status=400, dead=True, gone=True)
    if same(pin_hash(rules.secret, token, pin), row.pin_hash):
        forget_events(db, guess)
        return PinCheck(row)
    left = limit - row.attempts
    if left <= 0:
        delete_challenge(db, token_hash(token))
        return PinCheck(row, "pin_dead", status=400, dead=True)
    return PinCheck(row, "wrong_pin", left, 400)


def locked_out(rules: PinRules, destination: str, client: str, known: bool = False) -> bool:
    """Too many wrong PINs for this destination today, from this client or from all."""
    limits = failure_limits(rules, destination, client, known)
    return any(count_events(rules.db, r.bucket, r.window) >= r.limit for r in limits)


def wait_minutes(
    rules: PinRules, destination: str, client: str, limits: list[RateLimit], known: bool = False
) -> int:
    """Whole minutes until a new PIN may be asked for (at least one)."""
    wait = wait_for(rules.db, [*limits, *failure_limits(rules, destination, client, known)])
    return max(1, math.ceil(wait.total_seconds() / 60))
