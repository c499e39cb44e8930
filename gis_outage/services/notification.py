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
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from ..config import Settings
from ..model import Channel, DeliveryStatus, EventKind, OutageKind, OutageStatus, RecipientSource
from ..storage.errors import NotFound
from ..storage.outages import add_reminder_once, get_event, list_outages
from ..storage.outbox import NOTIFY_TASK, mark_processed, release_outbox
from ..storage.recipients import (
    Finished,
    RetryPolicy,
    event_deliveries,
    finish_deliveries,
    give_up_stale,
    insert_deliveries_once,
    next_attempt_at,
    open_after,
    opted_out,
    told_destinations,
)
from ..storage.retention import RetentionResult, run_retention
from ..storage.schema import utcnow
from .policy import Decision, decide
from .recipients import Recipient, critical_addresses, resolve_for

log = logging.getLogger(__name__)

# Addresses resolved per slice: the first slice's messages leave while the next
# slices are resolved, and each slice's queries stay small.
ADDRESS_SLICE = 2000
ACTOR = "notifier"


@dataclass(frozen=True)
class WorkItem:
    """A delivery to send: ids and a language code, nothing personal (goes to brokers)."""

    delivery_id: int
    channel: str
    language: str


@dataclass
class Plan:
    event: dict[str, Any]
    decision: Decision
    settings: Settings
    # Recipients resolved by queue_work, counted per slice (a number listed at addresses
    # in two slices counts twice; it is queued once).
    recipients: int = 0
    inserted: int = 0  # deliveries this run queued

    @property
    def event_id(self) -> int:
        return int(self.event["id"])


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

    @property
    def done(self) -> bool:
        return self.decision.action == "skip" or (
            self.decision.action == "send" and self.pending == 0
        )

    def look_again_at(self, settings: Settings, now: datetime) -> datetime | None:
        """When the event's outbox row is looked at again (None: it is done).

        Never sooner than the recheck interval: the sends just dispatched go on in the
        senders, which close the row themselves when the last one is final.
        """
        if self.decision.action == "defer":
            return self.decision.not_before
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
    """Decide whether and when the event is messaged; `queue_work` finds to whom."""
    event = get_event(db, event_id)
    decision = decide(db, event, settings.notify, settings.timezone, now or utcnow())
    return Plan(event, decision, settings)


def _resolve_in_slices(db: Engine, plan: Plan, size: int) -> Iterator[list[Recipient]]:
    if EventKind(plan.event["kind"]) in (EventKind.RESOLVED, EventKind.CANCELLED):
        yield _told(db, plan, size)
        return
    yield from _reached_now(db, plan, size)


def _reached_now(db: Engine, plan: Plan, size: int) -> Iterator[list[Recipient]]:
    outage = plan.event["payload"]["outage"]
    addresses = sorted({str(a) for a in (outage.get("affected") or {}).get("addresses") or []})
    critical = critical_addresses(outage)
    for start in range(0, len(addresses), size):
        yield resolve_for(
            db,
            service=outage["service"],
            address_ids=addresses[start : start + size],
            at=_day(plan.event["created_at"]),
            settings=plan.settings,
            critical=critical,
        )


def _day(at: Any) -> Any:
    return at.date() if isinstance(at, datetime) else at


def _told(db: Engine, plan: Plan, size: int) -> list[Recipient]:
    """The all-clear and the cancellation go to those who were told of the outage (a
    provider accepted an earlier message), not to whoever it reaches now: not to
    someone who moved in since, and still to a mover whose data was purged since.
    Opt-outs still apply; the language is the one the outage reaches them in now,
    else the utility's default."""
    told = told_destinations(db, int(plan.event["outage_id"]), before_event=plan.event_id)
    outage = plan.event["payload"]["outage"]
    still = (outage.get("affected") or {}).get("still_cut_off") or []
    if still:  # another active outage still cuts these addresses off: not over for them
        dark = resolve_for(db, service=outage["service"], address_ids=[str(a) for a in still],
                           at=_day(plan.event["created_at"]), settings=plan.settings,
                           critical=critical_addresses(outage))
        for recipient in dark:
            told.pop(recipient.destination, None)
    if not told:
        return []
    now = {r.destination: r for part in _reached_now(db, plan, size) for r in part
           if r.destination in told}
    blocked = opted_out(db, set(told) - set(now))
    default = plan.settings.default_language
    return [
        now.get(d) or Recipient(d, Channel(c), default, "", RecipientSource.DIRECTORY)
        for d, c in told.items() if d not in blocked
    ]


def queue_work(
    db: Engine,
    plan: Plan,
    *,
    skip: Collection[int] = (),
    fresh_grace: timedelta | None = None,
    chunk: int = 500,
    address_slice: int = ADDRESS_SLICE,
) -> Iterator[WorkItem]:
    """Resolve the recipients, queue one delivery per destination and yield what is to
    be sent, as it is queued.

    New rows come first, a slice of addresses and a chunk of rows at a time; then the
    event's rows that were open before this run (retries, rows a dead worker left),
    except those in `skip` (being sent by this process) and, with `fresh_grace`,
    never-tried rows younger than that. A destination found again in a later slice (a
    number listed at several addresses) is not queued again: UNIQUE(event_id,
    destination) keeps its first slice's row, language and channel.

    What a run holds is one slice, whatever the size of the event: recipients are
    counted, not kept, and only the destinations of the rows open before the run (none
    on an event's first run) are remembered across slices, for their language.
    """
    event_id = plan.event_id
    run_started = utcnow()
    # Never-tried rows younger than the grace are presumed on their way (a broker
    # queue): left to the task that holds them, so not read at all.
    held = run_started - fresh_grace if fresh_grace is not None else None
    earlier = {r["destination"] for r in _open_rows(db, event_id, held) if r["id"] not in skip}
    language: dict[str, str] = {}  # of the earlier rows' destinations reached now
    for recipients in _resolve_in_slices(db, plan, address_slice):
        here: dict[str, Recipient] = {}
        for r in recipients:
            here.setdefault(r.destination, r)
        plan.recipients += len(here)
        for destination in earlier.intersection(here):
            language.setdefault(destination, here[destination].language)
        pairs = [(d, r.channel.value) for d, r in here.items() if d not in earlier]
        for start in range(0, len(pairs), chunk):
            for row in insert_deliveries_once(db, event_id, pairs[start : start + chunk]):
                plan.inserted += 1
                yield WorkItem(row["id"], row["channel"], here[row["destination"]].language)
        del here, pairs
    if earlier:
        yield from _earlier_work(db, event_id, earlier, language, skip, held)


def _open_rows(db: Engine, event_id: int, held: datetime | None) -> list[dict[str, Any]]:
    return event_deliveries(db, event_id, open_only=True, tried_or_before=held)


def _earlier_work(
    db: Engine, event_id: int, earlier: set[str], language: dict[str, str],
    skip: Collection[int], held: datetime | None,
) -> Iterator[WorkItem]:  # fmt: skip
    """The rows open before this run that are still open: sent again if their
    destination is still reached, dropped if never tried and no longer reached."""
    gone: list[Finished] = []
    for row in _open_rows(db, event_id, held):
        if row["destination"] not in earlier or row["id"] in skip:
            continue  # this run's own, or another run's since it started
        if row["destination"] not in language:
            # Opted out (or removed) since the row was queued, and never tried: drop it.
            if row["attempts"] == 0:
                gone.append(Finished(row["id"], DeliveryStatus.PERMANENT_FAILURE.value))
            continue
        yield WorkItem(row["id"], row["channel"], language[row["destination"]])
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
) -> EventReport:
    """Decide, resolve, queue and dispatch one event in batches per channel."""
    plan = plan_event(db, settings, event_id, now=now)
    report = EventReport(event_id, plan.decision)
    if plan.decision.action != "send":
        log.info("event %s: %s (%s)", event_id, plan.decision.action, plan.decision.reason)
        return report
    stats = SendStats()
    batches: dict[str, list[WorkItem]] = defaultdict(list)

    def hand_over(channel: str) -> None:
        items = batches.pop(channel)
        report.dispatched += len(items)
        stats.add(dispatch(outbox_id, plan, channel, items))

    work = queue_work(db, plan, skip=dispatch.in_flight(), fresh_grace=dispatch.fresh_grace)
    for item in work:
        batches[item.channel].append(item)
        if len(batches[item.channel]) >= settings.notify.batch_for(item.channel):
            hand_over(item.channel)
    for channel in list(batches):
        hand_over(channel)
    report.recipients, report.inserted = plan.recipients, plan.inserted
    report.sent, report.failed, report.retrying = stats.sent, stats.failed, stats.retrying
    # Under Celery the event is looked at again when a retry is due or a never-tried
    # row outlives its grace, not every recheck: a look resolves the whole event again.
    report.pending, report.next_attempt_at = event_progress(
        db, settings, event_id, held_for=dispatch.fresh_grace
    )
    log.info(
        "event %s: %d recipients, %d queued, %d handed to senders, %d pending",
        event_id, report.recipients, report.inserted, report.dispatched, report.pending,
        extra={
            "event_id": event_id,
            "outage_id": plan.event.get("outage_id"),
            "recipients": report.recipients,
            "dispatched": report.dispatched,
            "pending": report.pending,
        },
    )
    return report


def handle_outbox_row(
    db: Engine,
    settings: Settings,
    row: dict[str, Any],
    dispatch: Dispatch,
    *,
    now: datetime | None = None,
) -> EventReport | None:
    """Everything one claimed outbox row needs; leaves the row processed (done) or
    released until the time it is to be looked at again."""
    if row["task"] != NOTIFY_TASK:
        log.warning("outbox row %s has an unknown task; skipped", row["id"])
        mark_processed(db, row["id"])
        return None
    try:
        report = notify_event(db, settings, row["event_id"], dispatch, outbox_id=row["id"],
                              now=now)
    except Exception:
        # The traceback is kept (the log handler redacts destinations from it).
        log.exception("event %s failed", row["event_id"], extra={"event_id": row["event_id"]})
        retry_at = utcnow() + settings.notify.backoff(int(row["attempts"]))
        with contextlib.suppress(NotFound):
            release_outbox(db, row["id"], retry_at=retry_at)
        return None
    again = report.look_again_at(settings, now or utcnow())
    # Another worker that took the event over, or a sender, may have closed it meanwhile.
    with contextlib.suppress(NotFound):
        if again is None:
            mark_processed(db, row["id"])
        else:
            release_outbox(db, row["id"], retry_at=again)
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
        with contextlib.suppress(NotFound):
            mark_processed(db, outbox_id)
    return pending == 0


# -- periodic jobs ---------------------------------------------------------------------


def schedule_reminders(
    db: Engine, settings: Settings, *, now: datetime | None = None
) -> list[int]:
    """Day-before reminders for planned works, as `reminder` events.

    From the reminder hour (utility time), every published planned outage that starts
    tomorrow gets one reminder event, which the outbox then delivers like any other.
    Works announced only the day before (or later) get none: their notice is fresh.
    """
    now = now or utcnow()
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    if local.hour < settings.notify.reminder_hour:
        return []
    tomorrow = local.date() + timedelta(days=1)
    written = []
    for outage in list_outages(db, status=OutageStatus.PUBLISHED):
        if outage["kind"] != OutageKind.PLANNED:
            continue
        if outage["starts_at"].astimezone(zone).date() != tomorrow:
            continue
        event_id = add_reminder_once(
            db, outage["id"], announced_before=tomorrow - timedelta(days=1), zone=zone,
            actor=ACTOR,
        )
        if event_id is not None:
            written.append(event_id)
    if written:
        log.info("wrote %d day-before reminders", len(written))
    return written


def retention(db: Engine, settings: Settings, *, now: datetime | None = None) -> RetentionResult:
    """Delete delivery logs and portal data past their retention period."""
    days = settings.retention.delivery_log_days
    return run_retention(db, delivery_log_age=timedelta(days=days), now=now)


def describe_retention(result: RetentionResult, settings: Settings) -> str:
    return (
        f"deleted {result.deliveries} delivery logs older than "
        f"{settings.retention.delivery_log_days} days, {result.challenges} expired PINs, "
        f"{result.sessions} expired sessions, {result.rate_events} rate-limit events, "
        f"{result.unverified_logins} unverified logins"
    )


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[Engine, Settings], object]


# The cadence both workers follow: the embedded worker runs each job when it is due,
# Celery beat's schedule is built from this table.
PERIODIC_JOBS = (
    PeriodicJob("day-before-reminders", 60.0, schedule_reminders),
    PeriodicJob("retention", 24 * 3600.0, retention),
)
