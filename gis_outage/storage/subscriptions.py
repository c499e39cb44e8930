"""A subscriber's own data: profile, subscriptions per address and service, the proofs
of their phone numbers and e-mail addresses, and opt-outs.

Every read and write takes the subscriber id and filters by it, so a caller cannot
reach another person's rows by guessing an id. Audit rows name ids, actions and at most
a masked destination."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gis_outage.apartments import normalize_apartment
from gis_outage.model import Channel, Service
from gis_outage.phones import mask
from gis_outage.storage.audit import audit_resident
from gis_outage.storage.db import Bind, read_connection, write_transaction
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.schema import (
    SubscriptionRole,
    addresses,
    opt_outs,
    portal_logins,
    subscribers,
    subscriptions,
    utcnow,
)

CHUNK = 500
# Fields of a subscription the resident edits.
SUBSCRIPTION_FIELDS = (
    "phone", "email", "customer_number", "facility_number", "apartment", "role",
)


# -- the subscriber's own data ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    name: str = field(repr=False)
    language: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """One of a subscriber's subscriptions with the fields of its address."""

    id: int
    address_id: str
    service: str
    phone: str | None = field(repr=False)
    phone_verified_at: datetime | None
    email: str | None = field(repr=False)
    email_verified_at: datetime | None
    customer_number: str | None = field(repr=False)
    facility_number: str | None = field(repr=False)
    apartment: str | None = field(repr=False)
    role: str
    created_at: datetime
    street: str = field(repr=False)
    house_number: str = field(repr=False)
    postal_code: str
    municipality: str | None

    @property
    def place(self) -> str:
        """The address as a line: "Street 1, 00100"."""
        return f"{self.street} {self.house_number}, {self.postal_code}"


def get_subscriber(bind: Bind, subscriber_id: int) -> Subscriber | None:
    s = subscribers.c
    query = sa.select(s.id, s.name, s.language, s.created_at).where(s.id == subscriber_id)
    with read_connection(bind) as conn:
        row = conn.execute(query).first()
    return Subscriber(**row._mapping) if row else None


def update_subscriber(
    bind: Bind, subscriber_id: int, *, name: str | None = None, language: str | None = None
) -> None:
    values = {k: v for k, v in (("name", name), ("language", language)) if v is not None}
    if not values:
        return
    with write_transaction(bind) as conn:
        conn.execute(subscribers.update().where(subscribers.c.id == subscriber_id).values(values))
        audit_resident(conn, subscriber_id, "portal.profile", {"fields": sorted(values)})


def _subscription_query() -> sa.Select:
    s, a = subscriptions.c, addresses.c
    return sa.select(
        s.id, s.address_id, s.service, s.phone, s.phone_verified_at, s.email, s.email_verified_at,
        s.customer_number, s.facility_number, s.apartment, s.role, s.created_at,
        a.street, a.house_number, a.postal_code, a.municipality,
    ).join(addresses, a.id == s.address_id)  # fmt: skip


def list_subscriptions(bind: Bind, subscriber_id: int) -> list[Subscription]:
    """The subscriber's subscriptions with their address fields, by address then service."""
    s, a = subscriptions.c, addresses.c
    query = (
        _subscription_query()
        .where(s.subscriber_id == subscriber_id)
        .order_by(a.street_key, a.house_number, s.address_id, s.service)
    )
    with read_connection(bind) as conn:
        return [Subscription(**row._mapping) for row in conn.execute(query)]


def get_subscription(
    bind: Bind, subscriber_id: int, subscription_id: int
) -> Subscription | None:
    """One of the subscriber's own subscriptions; None for anyone else's."""
    s = subscriptions.c
    query = _subscription_query().where(s.id == subscription_id, s.subscriber_id == subscriber_id)
    with read_connection(bind) as conn:
        row = conn.execute(query).first()
    return Subscription(**row._mapping) if row else None


def proven_destinations(bind: Bind, subscriber_id: int) -> set[str]:
    """Phone numbers and e-mail addresses this subscriber has proven: a login opened by
    PIN or link, a subscription's number proven by PIN, its e-mail by link."""
    s, lc = subscriptions.c, portal_logins.c
    mine = s.subscriber_id == subscriber_id
    with read_connection(bind) as conn:
        found = set(
            conn.execute(sa.select(s.email).where(mine, s.email_verified_at.is_not(None)))
            .scalars()
        )
        found |= set(
            conn.execute(sa.select(s.phone).where(mine, s.phone_verified_at.is_not(None)))
            .scalars()
        )
        found |= set(
            conn.execute(
                sa.select(lc.destination).where(
                    lc.subscriber_id == subscriber_id, lc.verified_at.is_not(None)
                )
            ).scalars()
        )
    return {d for d in found if d}


def save_subscriptions(
    bind: Bind,
    subscriber_id: int,
    address_id: str,
    services: Sequence[str],
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Create or replace the subscriber's subscription at the address for each service.

    `values` holds SUBSCRIPTION_FIELDS; a phone or e-mail is marked proven only when
    the subscriber already proved it.
    """
    now = now or utcnow()
    proven = proven_destinations(bind, subscriber_id)
    row = _subscription_values(values, proven, now)
    s = subscriptions.c
    ids = []
    with write_transaction(bind) as conn:
        for service in services:
            service = Service(service).value
            existing = conn.execute(
                sa.select(
                    s.id, s.phone, s.phone_verified_at, s.email, s.email_verified_at
                ).where(
                    s.subscriber_id == subscriber_id,
                    s.address_id == address_id,
                    s.service == service,
                )
            ).first()
            if existing is None:
                ids.append(
                    int(
                        conn.execute(
                            subscriptions.insert().values(
                                subscriber_id=subscriber_id, address_id=address_id,
                                service=service, created_at=now, **row,
                            )
                        ).inserted_primary_key[0]
                    )
                )  # fmt: skip
            else:
                update = _keep_proofs(row, existing)
                conn.execute(subscriptions.update().where(s.id == existing.id).values(update))
                ids.append(int(existing.id))
        details = {"subscriptions": ids, "services": list(services)}
        audit_resident(conn, subscriber_id, "portal.subscriptions.save", details)
    return ids


def _subscription_values(values: dict[str, Any], proven: set[str], now: datetime) -> dict:
    row = {k: values.get(k) or None for k in SUBSCRIPTION_FIELDS}
    row["apartment"] = normalize_apartment(row["apartment"])
    row["role"] = SubscriptionRole(row["role"] or SubscriptionRole.RESIDENT).value
    if not row["phone"] and not row["email"]:
        raise ValueError("a subscription needs a phone number or an e-mail address")
    row["email_verified_at"] = now if row["email"] in proven else None
    row["phone_verified_at"] = now if row["phone"] in proven else None
    return row


def _keep_proofs(row: dict[str, Any], current: Any) -> dict[str, Any]:
    """`row` with the proof times of the destinations that stay as they were
    (`current`: a Subscription or a row of those columns)."""
    row = dict(row)
    for kind in ("phone", "email"):
        proven_at = getattr(current, f"{kind}_verified_at")
        if row[kind] == getattr(current, kind) and proven_at is not None:
            row[f"{kind}_verified_at"] = proven_at
    return row


def update_subscription(
    bind: Bind,
    subscriber_id: int,
    subscription_id: int,
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> bool:
    """Change one of the subscriber's own subscriptions; False if it is not theirs."""
    now = now or utcnow()
    current = get_subscription(bind, subscriber_id, subscription_id)
    if current is None:
        return False
    row = _keep_proofs(
        _subscription_values(values, proven_destinations(bind, subscriber_id), now), current
    )
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.update()
            .where(s.id == subscription_id, s.subscriber_id == subscriber_id)
            .values(row)
        ).rowcount
        audit_resident(
            conn, subscriber_id, "portal.subscription.update", {"subscription": subscription_id}
        )
    return done == 1


def delete_subscription(bind: Bind, subscriber_id: int, subscription_id: int) -> bool:
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.delete().where(s.id == subscription_id, s.subscriber_id == subscriber_id)
        ).rowcount
        if done:
            audit_resident(
                conn, subscriber_id, "portal.subscription.delete", {"subscription": subscription_id}
            )
    return done == 1


def delete_address(bind: Bind, subscriber_id: int, address_id: str) -> int:
    """Remove all of the subscriber's subscriptions at an address; how many went."""
    s = subscriptions.c
    with write_transaction(bind) as conn:
        done = conn.execute(
            subscriptions.delete().where(
                s.subscriber_id == subscriber_id, s.address_id == address_id
            )
        ).rowcount
        if done:
            audit_resident(conn, subscriber_id, "portal.address.delete", {"subscriptions": done})
    return int(done)


def prove_destination(
    bind: Bind, subscriber_id: int, destination: str, how: str, *, now: datetime | None = None
) -> int:
    """The subscriber proved `destination` (`how`: "pin" or "link"): mark it proven on
    their subscriptions and login. How many rows changed (0: nothing was waiting)."""
    now = now or utcnow()
    s, lc = subscriptions.c, portal_logins.c
    mine = s.subscriber_id == subscriber_id
    with write_transaction(bind) as conn:
        changed = conn.execute(
            subscriptions.update()
            .where(mine, s.email == destination, s.email_verified_at.is_(None))
            .values(email_verified_at=now)
        ).rowcount
        changed += conn.execute(
            subscriptions.update()
            .where(mine, s.phone == destination, s.phone_verified_at.is_(None))
            .values(phone_verified_at=now)
        ).rowcount
        changed += conn.execute(
            portal_logins.update()
            .where(
                lc.subscriber_id == subscriber_id,
                lc.destination == destination,
                lc.verified_at.is_(None),
            )
            .values(verified_at=now)
        ).rowcount
        if changed:
            audit_resident(
                conn, subscriber_id, "portal.destination.prove",
                {"destination": mask(destination), "by": how},
            )  # fmt: skip
    return int(changed)


def pending_destinations(bind: Bind, subscriber_id: int) -> set[str]:
    """The subscriber's phone numbers and e-mail addresses still waiting for a proof."""
    return set(own_destinations(bind, subscriber_id)) - proven_destinations(bind, subscriber_id)


def own_destinations(
    bind: Bind, subscriber_id: int, *, login_claims: bool = True
) -> dict[str, str]:
    """{destination: channel} of every phone and e-mail the subscriber registered; with
    `login_claims` False, without the logins still waiting for their proof."""
    s, lc = subscriptions.c, portal_logins.c
    found: dict[str, str] = {}
    logins = sa.select(lc.destination, lc.channel).where(lc.subscriber_id == subscriber_id)
    if not login_claims:
        logins = logins.where(lc.verified_at.is_not(None))
    with read_connection(bind) as conn:
        for phone, email in conn.execute(
            sa.select(s.phone, s.email).where(s.subscriber_id == subscriber_id)
        ):
            if phone:
                found.setdefault(phone, Channel.SMS.value)
            if email:
                found.setdefault(email, Channel.EMAIL.value)
        for destination, channel in conn.execute(logins):
            found.setdefault(destination, channel)
    return found


def opt_out_status(bind: Bind, destinations: Iterable[str]) -> dict[str, datetime]:
    wanted = sorted(set(destinations))
    out: dict[str, datetime] = {}
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(
                sa.select(opt_outs.c.destination, opt_outs.c.created_at).where(
                    opt_outs.c.destination.in_(wanted[start : start + CHUNK])
                )
            )
            out.update({d: at for d, at in rows})
    return out


def add_opt_outs(bind: Bind, subscriber_id: int, destinations: dict[str, str]) -> int:
    """Opt the subscriber's destinations ({destination: channel}) out; how many were new.
    The caller lets only destinations the subscriber proved."""
    added = sum(add_opt_out(bind, d, c) for d, c in sorted(destinations.items()))
    with write_transaction(bind) as conn:
        details = {"destinations": [mask(d) for d in sorted(destinations)], "new": added}
        audit_resident(conn, subscriber_id, "portal.opt_out", details)
    return added


def remove_opt_out(bind: Bind, subscriber_id: int, destination: str, *, by: str = "portal") -> bool:
    """Take an opt-out back (the caller lets only a destination its owner proved)."""
    with write_transaction(bind) as conn:
        done = conn.execute(opt_outs.delete().where(opt_outs.c.destination == destination)).rowcount
        if done:
            details = {"destination": mask(destination), "by": by}
            audit_resident(conn, subscriber_id, "portal.opt_in", details)
    return done == 1


def find_email(bind: Bind, matches: Callable[[str], bool]) -> str | None:
    """A registered e-mail address for which `matches` is true (a keyed-hash check).

    Links carry a keyed hash of the address, not the address, so finding it means
    hashing each candidate; a few ten thousand HMACs take milliseconds.
    """
    s, lc = subscriptions.c, portal_logins.c
    with read_connection(bind) as conn:
        candidates = set(
            conn.execute(sa.select(s.email).where(s.email.is_not(None)).distinct()).scalars()
        )
        candidates |= set(
            conn.execute(
                sa.select(lc.destination).where(lc.channel == Channel.EMAIL.value)
            ).scalars()
        )
    return next((e for e in sorted(candidates) if matches(e)), None)
