"""The notification service: one outbox row → what to do next, and the periodic jobs.

The embedded worker and the Celery tasks are thin adapters over `handle_outbox_row`;
they differ only in their `Dispatch`, which hands each batch of deliveries to a sender:
the embedded worker's per-channel threads, Celery's send-* queues, or (for a one-off
run) the calling thread. So the lease, the look-again time, "is the event done", the
retry policy and the periodic jobs' cadence are decided here, once.

Crash safety rests on the deliveries table, not on memory:
- a delivery row is inserted (UNIQUE(event_id, destination)) before anything is sent;
- a row is *claimed* before it is sent and recorded `sent` once the provider took it;
- a claim that was never recorded (the worker died) is sent again after its lease; a
  row with `sent_at` set is never claimed again.
A large event is resolved, queued and dispatched a slice of its addresses at a time, so
the first messages leave while the rest of the event is still being resolved.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from typing import cast as typing_cast

from sqlalchemy.engine import Engine

from ..config import Settings
from ..model import DeliveryStatus, EventKind
from ..storage.claims import (
    Finished,
    RetryPolicy,
    finish_deliveries,
    give_up_stale,
    next_attempt_at,
)
from ..storage.deliveries import untried_rows
from ..storage.delivery_records import PendingDelivery
from ..storage.errors import NotFound
from ..storage.events import event_header
from ..storage.outage_records import OutageEvent
from ..storage.outbox import (
    NOTIFY_TASK,
    OutboxRow,
    close_unless_resolving,
    hold_slice,
    mark_processed,
    mark_resolving,
    release_outbox,
    resolved,
)
from ..storage.recipients import event_deliveries, insert_deliveries_once, open_after
from ..storage.schema import utcnow
from .audience import resolve_in_slices
from .policy import Decision, decide, gone_stale
from .recipients import Recipient

log = logging.getLogger(__name__)

ACTOR = "notifier"


@dataclass(frozen=True)
class WorkItem:
    """A delivery to send: ids and a language code, nothing personal (goes to brokers)."""

    delivery_id: int
    channel: str
    language: str


@dataclass
class Plan:
    event: OutageEvent  # its header: no trace lists
    decision: Decision
    settings: Settings
    # Recipients resolved by queue_work, counted per slice (a number listed at addresses
    # in two slices counts twice; it is queued once).
    recipients: int = 0
    inserted: int = 0  # deliveries this run queued
    # Where the event's addresses go on, when this run resolved only its share of them.
    next_start: int | None = None
    # The outbox row's claim this run descends from (its `attempts` then): a follow-up
    # carries it, so a slice of a run that a later claim took over drops out.
    claim: int | None = None

    @property
    def event_id(self) -> int:
        return self.event.id


@dataclass
class SendStats:
    sent: int = 0
    failed: int = 0  # permanent or technical failures
    retrying: int = 0  # temporary failures that will be tried again

    def add(self, other: SendStats | None) -> None:
        if other is not None:
            self.sent += other.sent
            self.failed += other.failed
            self.retrying += other.retrying


@dataclass
class EventReport:
    event_id: int
    decision: Decision
    recipients: int = 0
    inserted: int = 0
    dispatched: int = 0  # deliveries handed to senders in this run
    sent: int = 0  # sent by the time this run ended (a dispatch in this thread)
    failed: int = 0
    retrying: int = 0
    pending: int = 0  # deliveries of the event not final after this run
    next_attempt_at: datetime | None = None
    follow_up: int | None = None  # a follow-up run resolves the addresses from here on

    @property
    def done(self) -> bool:
        return self.decision.action == "skip" or (
            self.decision.action == "send" and self.pending == 0 and self.follow_up is None
        )

    def look_again_at(self, settings: Settings, now: datetime) -> datetime | None:
        """When the event's outbox row is looked at again (None: it is done).

        Never sooner than the recheck interval: the sends just dispatched go on in the
        senders, which close the row themselves when the last one is final.
        """
        if self.decision.action == "defer":
            return self.decision.not_before
        if self.follow_up is not None:
            # The follow-ups hold the row (each extends the lease); should one be lost,
            # the event is looked at again, whole, once the lease has run out.
            return now + settings.notify.outbox_lease
        if self.done:
            return None
        return max(self.next_attempt_at or now, now + settings.notify.recheck)


class Dispatch(Protocol):
    """Hands a batch of one channel's deliveries to whatever sends them."""

    # Never-tried deliveries younger than this are left alone: their send is presumed
    # on its way (a broker queue). None: only `in_flight` is left alone.
    fresh_grace: timedelta | None

    def in_flight(self) -> Collection[int]:
        """Delivery ids handed over by this process and not finished yet."""
        ...

    def __call__(
        self, outbox_id: int | None, plan: Plan, channel: str, items: list[WorkItem]
    ) -> SendStats | None:
        """Send or queue the batch; the stats when it was sent in this call."""
        ...


class SlicedDispatch(Dispatch, Protocol):
    """A dispatch whose runs resolve `slices_per_run` slices of addresses each (an
    event's first look) and hand the rest to a follow-up run (`continue_event`)."""

    slices_per_run: int

    def follow_up(self, outbox_id: int | None, plan: Plan, start: int) -> None:
        """Have `continue_event` run for the event's addresses from position `start`."""
        ...


def retry_policy(settings: Settings) -> RetryPolicy:
    notify = settings.notify
    return RetryPolicy(
        max_attempts=notify.max_attempts,
        lease=notify.lease,
        backoff=tuple(notify.backoff(n) for n in range(1, notify.max_attempts + 1)),
    )


def plan_event(
    db: Engine, settings: Settings, event_id: int, *, now: datetime | None = None
) -> Plan:
    """Decide whether and when the event is messaged; `queue_work` finds to whom. The
    event is read without its trace's lists of ids (`storage.events.event_header`)."""
    event = event_header(db, event_id)
    decision = decide(db, event, settings.notify, settings.timezone, now or utcnow())
    return Plan(event, decision, settings)


def queue_work(
    db: Engine,
    plan: Plan,
    *,
    skip: Collection[int] = (),
    fresh_grace: timedelta | None = None,
    chunk: int = 500,
    address_slice: int | None = None,
    start: int = 0,
    slices: int | None = None,
) -> Iterator[WorkItem]:
    """Resolve the recipients, queue one delivery per destination and yield what is to
    be sent, as it is queued.

    New rows come first, a slice of addresses and a chunk of rows at a time; then the
    event's rows that were open before this run (retries, rows a dead worker left),
    except those in `skip` (being sent by this process) and, with `fresh_grace`,
    never-tried rows younger than that. A destination found again in a later slice (a
    number listed at several addresses) is not queued again: UNIQUE(event_id,
    destination) keeps its first slice's row, language and channel.

    With `slices`, a run resolves only that many slices of addresses from position
    `start` and leaves `plan.next_start` for a follow-up run, unless it is an event's
    look again (rows were open before it, which need the whole event). A share of the
    event also hands over the never-tried rows of its slice's destinations that an
    earlier run queued (a resolve that died between queueing and handing over: its
    share is done again without a row twice; a row a send task holds is claimed once).

    What a run holds is one slice, whatever the size of the event: recipients are
    counted, not kept, and only the destinations of the rows open before the run (none
    on an event's first run) are remembered across slices, for their language.
    """
    event_id = plan.event_id
    # The first slice's messages leave while the next slices are resolved, and each
    # slice's queries stay small.
    address_slice = address_slice or plan.settings.notify.address_slice
    run_started = utcnow()
    # Never-tried rows younger than the grace are presumed on their way (a broker
    # queue): left to the task that holds them, so not read at all.
    held = run_started - fresh_grace if fresh_grace is not None else None
    earlier: set[str] = set()
    if start == 0:
        earlier = {r.destination for r in _open_rows(db, event_id, held) if r.id not in skip}
    if earlier or plan.event.kind in (EventKind.RESOLVED, EventKind.CANCELLED):
        slices = None  # the whole event in this run
    language: dict[str, str] = {}  # of the earlier rows' destinations reached now
    for recipients in resolve_in_slices(db, plan, address_slice, start, slices):
        here: dict[str, Recipient] = {}
        for r in recipients:
            here.setdefault(r.destination, r)
        plan.recipients += len(here)
        for destination in earlier.intersection(here):
            language.setdefault(destination, here[destination].language)
        pairs = [(d, r.channel.value) for d, r in here.items() if d not in earlier]
        for part in range(0, len(pairs), chunk):
            rows = insert_deliveries_once(db, event_id, pairs[part : part + chunk])
            for row in rows:
                plan.inserted += 1
                yield WorkItem(row.id, row.channel, here[row.destination].language)
            if slices is not None and len(rows) < len(pairs[part : part + chunk]):
                new = {row.destination for row in rows}
                again = [d for d, _ in pairs[part : part + chunk] if d not in new]
                for row in untried_rows(db, event_id, again, before=run_started):
                    yield WorkItem(row.id, row.channel, here[row.destination].language)
        del here, pairs
    if earlier:
        yield from _earlier_work(db, event_id, earlier, language, skip, held)


def _open_rows(db: Engine, event_id: int, held: datetime | None) -> list[PendingDelivery]:
    return event_deliveries(db, event_id, open_only=True, tried_or_before=held)


def _earlier_work(
    db: Engine, event_id: int, earlier: set[str], language: dict[str, str],
    skip: Collection[int], held: datetime | None,
) -> Iterator[WorkItem]:  # fmt: skip
    """The rows open before this run that are still open: sent again if their
    destination is still reached, dropped if never tried and no longer reached."""
    gone: list[Finished] = []
    for row in _open_rows(db, event_id, held):
        if row.destination not in earlier or row.id in skip:
            continue  # this run's own, or another run's since it started
        if row.destination not in language:
            # Opted out (or removed) since the row was queued, and never tried: drop it.
            if row.attempts == 0:
                gone.append(Finished(row.id, DeliveryStatus.PERMANENT_FAILURE.value))
            continue
        yield WorkItem(row.id, row.channel, language[row.destination])
    if gone:
        finish_deliveries(db, gone)


def event_progress(
    db: Engine, settings: Settings, event_id: int, *, held_for: timedelta | None = None
) -> tuple[int, datetime | None]:
    """(deliveries not final, when the next of them may be tried); gives up exhausted ones.
    With `held_for` (a dispatch's `fresh_grace`), never-tried rows count from then."""
    policy = retry_policy(settings)
    give_up_stale(db, event_id, policy)
    return next_attempt_at(db, event_id, policy, held_for=held_for)


def notify_event(
    db: Engine,
    settings: Settings,
    event_id: int,
    dispatch: Dispatch,
    *,
    outbox_id: int | None = None,
    now: datetime | None = None,
    start: int = 0,
    claim: int | None = None,
) -> EventReport:
    """Decide, resolve, queue and dispatch one event (or its first share, from address
    position `start`) in batches per channel; `claim`: the outbox row's claim."""
    plan = plan_event(db, settings, event_id, now=now)
    plan.claim = claim
    report = EventReport(event_id, plan.decision)
    if plan.decision.action != "send":
        log.info("event %s: %s (%s)", event_id, plan.decision.action, plan.decision.reason)
        return report
    _queue_and_dispatch(db, plan, dispatch, outbox_id, report, start=start)
    return report


def continue_event(
    db: Engine,
    settings: Settings,
    outbox_id: int | None,
    event_id: int,
    decision: Decision,
    start: int,
    dispatch: SlicedDispatch,
    *,
    now: datetime | None = None,
    claim: int | None = None,
) -> EventReport:
    """A follow-up share of an event whose first run handed on the addresses from
    `start` (with the decision it took, under the row's claim `claim`): resolved,
    queued and dispatched as the first share was; the last share settles the outbox row
    as `handle_outbox_row` does."""
    hold = utcnow() + settings.notify.resolve_hold
    if outbox_id is not None and not hold_slice(db, outbox_id, start, hold_until=hold,
                                                claim=claim):
        # Handed out again (a worker died after it handed on), or the event was taken
        # over by a later claim, or it is past this slice, or done.
        log.info("event %s: the slice from %d is not the event's next; dropped",
                 event_id, start)
        return EventReport(event_id, Decision("skip", "not the next slice", decision.kind))
    event = event_header(db, event_id)
    stale = gone_stale(db, event)
    if stale is not None:  # cancelled or resolved since the first share: resolve no more
        log.info("event %s: the rest from %d not sent: %s", event_id, start, stale)
        report = EventReport(event_id, Decision("skip", stale, decision.kind))
    else:
        report = EventReport(event_id, decision)
        plan = Plan(event, decision, settings, claim=claim)
        _queue_and_dispatch(db, plan, dispatch, outbox_id, report, start=start)
    if outbox_id is not None:
        _settle(db, settings, outbox_id, report, now)
    return report


def _queue_and_dispatch(
    db: Engine, plan: Plan, dispatch: Dispatch, outbox_id: int | None, report: EventReport,
    *, start: int,
) -> None:  # fmt: skip
    settings, event_id = plan.settings, plan.event_id
    # A follow-up slice holds the row for the resolve hold: a lost one is taken over
    # then. A run from the first address may resolve the whole event (a look again),
    # which takes minutes for a national one: it holds the row for the lease.
    slices = getattr(dispatch, "slices_per_run", None)
    resolve_hold = settings.notify.resolve_hold
    hold = resolve_hold if slices is not None and start > 0 else settings.notify.outbox_lease
    if outbox_id is not None:  # no sender closes the row while deliveries are coming
        mark_resolving(db, outbox_id, start, hold_until=utcnow() + hold, claim=plan.claim)
    stats = SendStats()
    batches: dict[str, list[WorkItem]] = defaultdict(list)

    def hand_over(channel: str) -> None:
        items = batches.pop(channel)
        report.dispatched += len(items)
        stats.add(dispatch(outbox_id, plan, channel, items))

    work = queue_work(
        db,
        plan,
        skip=dispatch.in_flight(),
        fresh_grace=dispatch.fresh_grace,
        start=start,
        slices=slices,
    )
    for item in work:
        batches[item.channel].append(item)
        if len(batches[item.channel]) >= settings.notify.batch_for(item.channel):
            hand_over(item.channel)
    for channel in list(batches):
        hand_over(channel)
    report.recipients, report.inserted = plan.recipients, plan.inserted
    report.sent, report.failed, report.retrying = stats.sent, stats.failed, stats.retrying
    if plan.next_start is not None:
        report.follow_up = plan.next_start
        if outbox_id is not None:  # before the follow-up: it may be done before we return
            mark_resolving(db, outbox_id, plan.next_start, hold_until=utcnow() + resolve_hold,
                           claim=plan.claim)
        typing_cast(SlicedDispatch, dispatch).follow_up(outbox_id, plan, plan.next_start)
    else:
        if outbox_id is not None:  # a sender that ends from here on may close the row
            resolved(db, outbox_id)
        # Under Celery the event is looked at again when a retry is due or a never-tried
        # row outlives its grace, not every recheck: a look resolves the whole event.
        report.pending, report.next_attempt_at = event_progress(
            db, settings, event_id, held_for=dispatch.fresh_grace
        )
    log.info(
        "event %s from %d: %d recipients, %d queued, %d handed to senders, %s",
        event_id,
        start,
        report.recipients,
        report.inserted,
        report.dispatched,
        f"the rest from {report.follow_up} on"
        if report.follow_up is not None
        else f"{report.pending} pending",
        extra={
            "event_id": event_id,
            "outage_id": plan.event.outage_id,
            "recipients": report.recipients,
            "dispatched": report.dispatched,
            "pending": report.pending,
        },
    )


def _settle(
    db: Engine, settings: Settings, outbox_id: int, report: EventReport,
    now: datetime | None,
) -> None:  # fmt: skip
    """The outbox row processed (the event is done) or released until its next look;
    left to the follow-up that holds it (`mark_resolving`) when there is one."""
    if report.follow_up is not None:
        return
    again = report.look_again_at(settings, now or utcnow())
    # Another worker that took the event over, or a sender, may have closed it meanwhile.
    with contextlib.suppress(NotFound):
        if again is None:
            mark_processed(db, outbox_id)
        else:
            release_outbox(db, outbox_id, retry_at=again)


def handle_outbox_row(
    db: Engine,
    settings: Settings,
    row: OutboxRow,
    dispatch: Dispatch,
    *,
    now: datetime | None = None,
) -> EventReport | None:
    """Everything one claimed outbox row needs; leaves the row processed (done) or
    released until the time it is to be looked at again (with a follow-up share on
    its way, held until `notify.resolve_hold` has run out)."""
    if row.task != NOTIFY_TASK:
        log.warning("outbox row %s has an unknown task; skipped", row.id)
        mark_processed(db, row.id)
        return None
    try:
        # A row taken over from a run whose next slice never started goes on from there.
        report = notify_event(db, settings, row.event_id, dispatch, outbox_id=row.id, now=now,
                              start=row.resolving_from or 0, claim=row.attempts)
    except Exception:
        # The traceback is kept (the log handler redacts destinations from it).
        log.exception("event %s failed", row.event_id, extra={"event_id": row.event_id})
        retry_at = utcnow() + settings.notify.backoff(int(row.attempts))
        with contextlib.suppress(NotFound):
            release_outbox(db, row.id, retry_at=retry_at)
        return None
    _settle(db, settings, row.id, report, now)
    return report


def close_if_done(
    db: Engine, settings: Settings, outbox_id: int | None, event_id: int,
    *, after: int | None = None,
) -> bool:  # fmt: skip
    """After a sender's batch: the last one to finish closes the event's outbox row.

    With `after` (the batch's highest delivery id), a delivery queued after it that is
    still open answers "not done" at the cost of a few rows: batches go out roughly in
    id order, so only those near the end of an event count its open rows (which costs
    in proportion to the event). A batch that finishes early thus never closes the
    event, and one of the later batches, or the event's next look, does."""
    if after is not None and open_after(db, event_id, after):
        return False
    pending, _ = event_progress(db, settings, event_id)
    if pending == 0 and outbox_id is not None:
        # Not while a run is still resolving the event: more deliveries are coming.
        close_unless_resolving(db, outbox_id)
    return pending == 0


# The periodic jobs live in .periodic; both workers reach them through this module.
from .periodic import (  # noqa: E402
    PERIODIC_JOBS,
    PeriodicJob,
    describe_retention,
    retention,
    schedule_reminders,
)

__all__ = ["PERIODIC_JOBS", "PeriodicJob", "describe_retention", "retention", "schedule_reminders"]
