"""What a resident may register in the portal, and the rules of its flow, free of any
web framework: the portal's routes parse a form, call these and render the answer.

- Addresses and subscriptions: only the register's addresses (the service area) are
  accepted; what is not found is explained with close matches. Every read and change
  takes the session's subscriber id, so another person's id finds nothing.
- Codes that prove a destination: which destination gets one after a save (the phone
  first), whether another may go yet (`portal.proof_resend_minutes`), which resends
  are allowed; whose a destination is stays `services/residents.py`'s rule.
- PIN challenges: where a PIN goes (`pin_target`) and whether a challenge may still be
  typed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from ..model import Channel, Service
from ..storage.addresses import Address, find_addresses, find_streets, is_named
from ..storage.logins import Challenge, ProofSent, latest_proof
from ..storage.schema import utcnow
from ..storage.service_area import house_numbers, resolve_address
from ..storage.subscriber_records import erase_subscriber
from ..storage.subscriptions import (
    Subscription,
    delete_address,
    delete_subscription,
    get_subscriber,
    get_subscription,
    list_subscriptions,
    save_subscriptions,
    update_subscriber,
    update_subscription,
)
from . import residents

SERVICE_ORDER = {service.value: i for i, service in enumerate(Service)}


# -- the subscriber's places -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """One of the subscriber's addresses with its subscriptions in service order
    (water, district heating, electricity); `address` is the first of them."""

    address: Subscription
    subscriptions: tuple[Subscription, ...]


def places(db: Engine, subscriber_id: int) -> list[Place]:
    """The subscriber's addresses, by address, each with its subscriptions."""
    found: dict[str, list[Subscription]] = {}
    for sub in list_subscriptions(db, subscriber_id):  # by address
        found.setdefault(sub.address_id, []).append(sub)
    return [
        Place(subs[0], tuple(sorted(subs, key=lambda s: SERVICE_ORDER[s.service])))
        for subs in found.values()
    ]


def preferred_language(db: Engine, subscriber_id: int) -> str | None:
    subscriber = get_subscriber(db, subscriber_id)
    return subscriber.language if subscriber else None


def update_profile(
    db: Engine, subscriber_id: int, name: str, language: str, languages: Iterable[str]
) -> str | None:
    """Change the name (when given) and the language (when the portal speaks it); the
    language taken, or None."""
    taken = language if language in tuple(languages) else None
    update_subscriber(db, subscriber_id, name=name[:100] or None, language=taken)
    return taken


def contact_defaults(
    db: Engine, subscriber_id: int, login_destination: str, login_channel: str
) -> dict[str, str]:
    """A new address starts with the contacts the resident logged in with: the session's
    login, and an e-mail login they proved."""
    values = {"role": "resident"}
    if login_channel == Channel.EMAIL.value:
        values["email"] = login_destination
    else:
        values["phone"] = login_destination
    for login in residents.logins(db, subscriber_id):
        if login.channel == Channel.EMAIL.value and "email" not in values:
            values["email"] = login.destination
    return values


# -- addresses -------------------------------------------------------------------------


def find_address(db: Engine, postal_code: str, street: str, house_number: str) -> Address | None:
    """The register's address (the service area) with this postal code, street and
    number, or None."""
    if not (postal_code and street and house_number):
        return None
    return resolve_address(db, postal_code, street, house_number)


def why_not_found(
    db: Engine, postal_code: str, street: str, house_number: str
) -> tuple[str, list[str]]:
    """Why the register has no such address, and what it has that is close: another
    postal code for the street, a similar street name, the numbers on the street."""
    if not (postal_code and street and house_number):
        return "address_incomplete", []
    if street and not find_streets(db, postal_code=postal_code, limit=1):
        elsewhere = _streets_elsewhere(db, street)
        return ("postal_code_unknown" if not elsewhere else "street_elsewhere"), elsewhere
    numbers = house_numbers(db, postal_code, street, limit=30)
    if numbers:
        return "number_unknown", [f"{street} {n}" for n in numbers]
    elsewhere = _streets_elsewhere(db, street)
    if elsewhere:
        return "street_elsewhere", elsewhere
    streets = find_streets(db, postal_code=postal_code, limit=1000)
    return "street_unknown", difflib.get_close_matches(street, streets, n=5, cutoff=0.6)


def _streets_elsewhere(db: Engine, street: str) -> list[str]:
    """The postal codes where a street of this name is, as "Street, 00100"."""
    found = find_addresses(db, street_prefix=street, limit=200)
    pairs = {(a.street, a.postal_code) for a in found if is_named(a, street)}
    return [f"{name}, {code}" for name, code in sorted(pairs)][:5]


def add_address(
    db: Engine,
    subscriber_id: int,
    address: Address,
    services: Sequence[str],
    values: dict[str, Any],
) -> list[int]:
    """Subscribe the subscriber at a register address for these services (a phone or
    e-mail counts only once they proved it)."""
    return save_subscriptions(db, subscriber_id, address.id, services, values)


def subscriptions_at(db: Engine, subscriber_id: int, address_id: str) -> list[Subscription]:
    """The subscriber's own subscriptions at an address (none: not theirs)."""
    return [s for s in list_subscriptions(db, subscriber_id) if s.address_id == address_id]


def remove_address(db: Engine, subscriber_id: int, address_id: str) -> bool:
    """Remove the subscriber's subscriptions at an address; False when they had none."""
    return delete_address(db, subscriber_id, address_id) > 0


# -- one subscription ------------------------------------------------------------------


def own_subscription(db: Engine, subscriber_id: int, subscription_id: int) -> Subscription | None:
    """One of the subscriber's subscriptions; None for anyone else's or none at all."""
    return get_subscription(db, subscriber_id, subscription_id)


def change_subscription(
    db: Engine, subscriber_id: int, subscription_id: int, values: dict[str, Any]
) -> bool:
    return update_subscription(db, subscriber_id, subscription_id, values)


def remove_subscription(db: Engine, subscriber_id: int, subscription_id: int) -> bool:
    return delete_subscription(db, subscriber_id, subscription_id)


def erase(db: Engine, subscriber_id: int) -> bool:
    """The subscriber's right to erasure: everything but their opt-outs goes."""
    return erase_subscriber(db, subscriber_id)


# -- codes that prove a destination ----------------------------------------------------


def to_prove_after_save(
    db: Engine, subscriber_id: int, destinations: Sequence[str | None]
) -> str | None:
    """The first of the saved destinations (the phone, then the e-mail) that waits for
    its proof, or None: a code goes to that one now; the others keep their button."""
    for destination in destinations:
        if destination and residents.needs_proof(db, subscriber_id, destination):
            return destination
    return None


def email_to_prove_after_login(db: Engine, subscriber_id: int, email: str | None) -> bool:
    """Whether an e-mail given beside the phone at registration gets its code now: it
    does whether or not another account holds it, so the flow tells nothing of that."""
    return bool(email) and email not in residents.proven(db, subscriber_id)


def may_resend(db: Engine, subscriber_id: int, destination: str) -> bool:
    """Whether a new code may be asked for a destination waiting for its proof: a phone
    number the subscriber gave, or an e-mail address on one of their addresses (not one
    given beside the phone at registration: whether it was stored would tell whether
    another account holds it)."""
    if "@" in destination:
        return residents.needs_proof(db, subscriber_id, destination, login_claims=False)
    return residents.needs_proof(db, subscriber_id, destination)


@dataclass(frozen=True, slots=True)
class RecentProof:
    """A code went to the destination for this subscriber recently: no new one now."""

    sent: ProofSent = field(repr=False)
    wait: timedelta  # until a new one may be asked

    def is_for(self, challenge: Challenge | None) -> bool:
        """Whether `challenge` (the one this browser holds) is that code's."""
        return challenge is not None and challenge.id == self.sent.id


def recent_proof(
    db: Engine,
    subscriber_id: int,
    destination: str,
    resend_minutes: float,
    *,
    now: datetime | None = None,
) -> RecentProof | None:
    """The code sent to `destination` for this subscriber within `resend_minutes`, or
    None: a new one may go. Only this subscriber's own codes are looked at."""
    now = now or utcnow()
    resend = timedelta(minutes=resend_minutes)
    sent = latest_proof(db, subscriber_id, destination, now=now)
    if sent is None or sent.created_at <= now - resend:
        return None
    return RecentProof(sent, sent.created_at + resend - now)


def proof_language(db: Engine, subscriber_id: int, default: str) -> str:
    """The language a code's message goes in: the subscriber's, else the default."""
    return preferred_language(db, subscriber_id) or default


def challenge_open(challenge: Challenge | None, max_attempts: int) -> bool:
    """Whether a PIN may still be typed for this challenge (live, tries left)."""
    return challenge is not None and challenge.attempts < max_attempts


def pin_target(phone: str | None, email: str | None) -> tuple[str, Channel]:
    """Where a login PIN goes, and how: the phone when given (it is what messages go to),
    a landline hearing it in a call and anything else in a text message; else the
    e-mail. `phone` is E.164; ValueError when neither is given."""
    destination = phone or email
    if not destination:
        raise ValueError("a PIN needs a phone number or an e-mail address")
    return destination, residents.channel_of(destination)
