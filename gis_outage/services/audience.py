"""Who an event reaches, a slice of its addresses at a time: the notification service's
resolving part (`notification.queue_work` queues what these yield).

The addresses are read from the event a slice at a time (`storage.events.event_ids`),
never as the whole list: a national event names hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from ..model import Channel, EventKind, RecipientSource
from ..storage.events import event_ids
from ..storage.recipients import opted_out, told_destinations
from .recipients import Recipient, critical_addresses, resolve_for

if TYPE_CHECKING:
    from .notification import Plan

FIRST_SLICE_PART = 10  # the first slice is this part of the others


def id_slices(
    db: Engine, plan: Plan, key: str, size: int, start: int = 0, slices: int | None = None
) -> Iterator[list[str]]:
    """The event's list `key` a slice of `size` at a time, read from the database by
    position; with `slices`, that many, and `plan.next_start` says where the rest begins.
    The list's first slice is a tenth of the others: its first batch (500 numbers at
    about 200 addresses) leaves without waiting for 2,000 addresses to be resolved."""
    done = 0
    while True:
        step = max(1, size // FIRST_SLICE_PART) if start == 0 else size
        ids = event_ids(db, plan.event_id, key, start, step)
        if not ids:
            return
        yield ids
        start, done = start + step, done + 1
        if len(ids) < step:
            return
        if slices is not None and done >= slices:
            plan.next_start = start
            return


def resolve_in_slices(
    db: Engine, plan: Plan, size: int, start: int = 0, slices: int | None = None
) -> Iterator[list[Recipient]]:
    if plan.event.kind in (EventKind.RESOLVED, EventKind.CANCELLED):
        yield _told(db, plan, size)
        return
    yield from _reached_now(db, plan, size, start, slices)


def _reached_now(
    db: Engine, plan: Plan, size: int, start: int = 0, slices: int | None = None
) -> Iterator[list[Recipient]]:
    event = plan.event
    critical = critical_addresses(event.snapshot)
    for ids in id_slices(db, plan, "addresses", size, start, slices):
        yield resolve_for(
            db,
            service=event.service,
            address_ids=sorted(set(ids)),
            at=event.day,
            settings=plan.settings,
            critical=critical,
        )


def _told(db: Engine, plan: Plan, size: int) -> list[Recipient]:
    """The all-clear and the cancellation go to those who were told of the outage (a
    provider accepted an earlier message), not to whoever it reaches now: not to
    someone who moved in since, and still to a mover whose data was purged since.
    Opt-outs still apply; the language is the one the outage reaches them in now,
    else the utility's default."""
    event = plan.event
    told = told_destinations(db, event.outage_id, before_event=event.id)
    # Another active outage still cuts these addresses off: not over for them.
    for still in id_slices(db, plan, "still_cut_off", size):
        dark = resolve_for(
            db,
            service=event.service,
            address_ids=still,
            at=event.day,
            settings=plan.settings,
            critical=critical_addresses(event.snapshot),
        )
        for recipient in dark:
            told.pop(recipient.destination, None)
    if not told:
        return []
    now = {
        r.destination: r
        for part in _reached_now(db, plan, size)
        for r in part
        if r.destination in told
    }
    blocked = opted_out(db, set(told) - set(now))
    default = plan.settings.default_language
    return [
        now.get(d) or Recipient(d, Channel(c), default, "", RecipientSource.DIRECTORY)
        for d, c in told.items()
        if d not in blocked
    ]
