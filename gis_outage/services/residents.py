"""Whose a phone number or e-mail address is, in the resident portal.

Anyone can type any number or address. A destination counts for a subscriber only
once its owner proved it to this subscriber: the PIN that opened a login, or a code sent
to a number or e-mail address added later and typed into this subscriber's session (a
click in a mailbox proves nothing: whoever asked must type the code). Until then it is a
claim:
subscriptions send nothing to it, it cannot be blocked or allowed from this account,
and no page or export of this account says anything of its messages or its block. A
proof belongs to one subscriber: an address proven in another account counts nothing
here. Audit rows name the destination masked and what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ..model import Channel, NumberType
from ..phones import number_type
from ..storage.audit import record_resident
from ..storage.logins import LoginRecord, consume_proof, list_logins
from ..storage.recipients import add_opt_out
from ..storage.schema import utcnow
from ..storage.subscriber_records import export_subscriber
from ..storage.subscriptions import (
    add_opt_outs,
    find_email,
    opt_out_status,
    own_destinations,
    prove_destination,
    proven_destinations,
    remove_opt_out,
)


class NotProven(LookupError):
    """The subscriber has not proven this destination (or never gave it)."""


@dataclass(frozen=True)
class Destination:
    """One of the subscriber's destinations as their pages show it."""

    value: str = field(repr=False)
    channel: str
    proven: bool
    blocked: bool  # only ever true for a proven one: a claim's block is its owner's


def channel_of(destination: str) -> Channel:
    """The channel a destination is reached on: a landline hears a call."""
    if "@" in destination:
        return Channel.EMAIL
    return Channel.VOICE if number_type(destination) is NumberType.FIXED_LINE else Channel.SMS


def proven(db: Engine, subscriber_id: int) -> set[str]:
    return proven_destinations(db, subscriber_id)


def destinations(db: Engine, subscriber_id: int) -> list[Destination]:
    """The subscriber's destinations, proven or waiting, with the block of proven ones.
    An e-mail given beside the phone at registration is left out until its code is
    typed: whether it was stored tells whether another account holds it."""
    mine = own_destinations(db, subscriber_id, login_claims=False)
    ok = proven(db, subscriber_id)
    blocked = opt_out_status(db, [d for d in mine if d in ok])
    return [
        Destination(d, channel, proven=d in ok, blocked=d in blocked)
        for d, channel in sorted(mine.items())
    ]


def needs_proof(
    db: Engine, subscriber_id: int, destination: str | None, *, login_claims: bool = True
) -> bool:
    """Whether the subscriber gave this destination and has not proven it yet. With
    `login_claims` False, an e-mail given beside the phone at registration does not
    count: whether it was stored tells whether another account holds it."""
    if not destination:
        return False
    mine = own_destinations(db, subscriber_id, login_claims=login_claims)
    return destination in mine and destination not in proven(db, subscriber_id)


def _require_proven(db: Engine, subscriber_id: int, destination: str) -> None:
    if destination not in proven(db, subscriber_id):
        raise NotProven("not a destination this subscriber proved")


def opt_out(db: Engine, subscriber_id: int, destination: str) -> bool:
    """Block all outage messages to a destination the subscriber proved; NotProven for
    any other (a number typed in may be someone else's). True when newly blocked."""
    _require_proven(db, subscriber_id, destination)
    return add_opt_outs(db, subscriber_id, {destination: channel_of(destination).value}) > 0


def opt_in(db: Engine, subscriber_id: int, destination: str) -> bool:
    """Allow messages again to a destination the subscriber proved (the block may have
    come from a STOP its owner sent; only its owner takes it back)."""
    _require_proven(db, subscriber_id, destination)
    return remove_opt_out(db, subscriber_id, destination)


def opt_out_by_link(db: Engine, matches: Callable[[str], bool]) -> bool:
    """A signed opt-out link (mailed to one address, on its owner's request or in an
    outage e-mail) was used: block the registered e-mail address whose keyed hash it
    carries (`matches`). It can stop messages to that address only. False when no
    registered address matches; the page says the same either way."""
    email = find_email(db, matches)
    if email is None:
        return False
    add_opt_out(db, email, Channel.EMAIL.value)
    return True


def prove_by_pin(db: Engine, subscriber_id: int, challenge_id: int) -> str | None:
    """The code sent to a number or e-mail address the subscriber added was typed right
    in their session: it is theirs. Its destination, or None when the challenge was used
    meanwhile. (An address another account holds as its login stays that account's.)"""
    destination = consume_proof(db, challenge_id, subscriber_id)
    if destination is not None:
        prove_destination(db, subscriber_id, destination, "pin")
    return destination


def logins(db: Engine, subscriber_id: int) -> list[LoginRecord]:
    """The logins the subscriber proved. An e-mail given beside the phone at
    registration becomes one when its code is typed; until then no page says anything
    of it, since it is stored only when no other account holds it (the same answer
    whether an address is registered or not)."""
    return [row for row in list_logins(db, subscriber_id) if row.verified_at is not None]


def export(db: Engine, subscriber_id: int) -> dict[str, Any]:
    """Everything stored about the subscriber, with the deliveries and blocks of the
    destinations they proved only; the export itself is audited."""
    data = export_subscriber(db, subscriber_id, proven(db, subscriber_id))
    data["logins"] = [row for row in data["logins"] if row["verified_at"] is not None]
    data["exported_at"] = utcnow().isoformat()
    record_resident(db, subscriber_id, "portal.export", {"deliveries": len(data["deliveries"])})
    return data
