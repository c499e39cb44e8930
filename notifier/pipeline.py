"""From an outage event to sent messages: decide → resolve → queue → render → send → record.

Crash safety rests on the deliveries table, not on memory:
- a delivery row is inserted (UNIQUE(event_id, destination)) before anything is sent;
- a row is *claimed* before it is sent and recorded `sent` once the provider took it;
- a claim that was never recorded (the worker died) is sent again after its lease; a
  row with `sent_at` set is never claimed again.
So a crash can only repeat the messages a provider accepted in the moment between its
answer and our record of it (outcomes are written in small groups as they arrive), and
running an event twice, or on two workers at once, sends nothing twice.

A large event is resolved, queued and sent a slice of its addresses at a time, each
slice's rows committed before they are sent: the first messages leave while the rest
of the event is still being resolved.

Embedded mode runs `process_event`; Celery runs `plan_event` + `queue_work` on the
resolve queue and `send_deliveries` on the send-* queues. They are the same functions.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings, get_settings
from gis_outage.model import DeliveryStatus
from gis_outage.storage.deliveries import SentParts, record_sends
from gis_outage.storage.outages import get_event
from gis_outage.storage.recipients import (
    Finished,
    RetryPolicy,
    claim_deliveries,
    event_deliveries,
    finish_deliveries,
    give_up_stale,
    insert_deliveries_once,
    next_attempt_at,
    open_delivery_ids,
)
from gis_outage.storage.schema import utcnow

from .channels.base import Outcome, SendResult
from .policy import Decision, decide, parse_time
from .providers import Outgoing, Providers
from .recipients import Recipient, resolve_for
from .render import MessageContext, RenderConfig, Rendered, render
from .settings import NotifierSettings, get_notifier_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkItem:
    """A delivery to send: ids and a language code, nothing personal (goes to brokers)."""

    delivery_id: int
    channel: str
    language: str


# Addresses resolved per slice: the first slice's messages leave while the next
# slices are resolved, and each slice's queries stay small.
ADDRESS_SLICE = 2000


@dataclass
class Plan:
    event: dict[str, Any]
    decision: Decision
    settings: Settings
    notifier: NotifierSettings
    recipients: list[Recipient] = field(default_factory=list)  # filled by queue_work
    inserted: int = 0  # deliveries this run queued


@dataclass
class EventReport:
    event_id: int
    decision: Decision
    recipients: int = 0
    inserted: int = 0
    sent: int = 0
    failed: int = 0  # permanent or technical failures in this run
    retrying: int = 0  # temporary failures that will be tried again
    pending: int = 0  # deliveries of the event not final after this run
    next_attempt_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.decision.action == "skip" or (
            self.decision.action == "send" and self.pending == 0
        )

    @property
    def retry_at(self) -> datetime | None:
        """When the event's outbox row should be looked at again (None: done)."""
        if self.decision.action == "defer":
            return self.decision.not_before
        return None if self.done else self.next_attempt_at


@dataclass
class SendStats:
    sent: int = 0
    failed: int = 0
    retrying: int = 0

    def add(self, other: SendStats) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retrying += other.retrying


def retry_policy(notifier: NotifierSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=notifier.max_attempts,
        lease=notifier.lease,
        backoff=tuple(notifier.backoff(n) for n in range(1, notifier.max_attempts + 1)),
    )


def plan_event(
    db: Engine,
    event_id: int,
    *,
    settings: Settings | None = None,
    notifier: NotifierSettings | None = None,
    now: datetime | None = None,
) -> Plan:
    """Decide whether and when the event is messaged; `queue_work` finds to whom."""
    settings = settings or get_settings()
    notifier = notifier or get_notifier_settings()
    event = get_event(db, event_id)
    decision = decide(db, event, notifier, settings.timezone, now or utcnow())
    return Plan(event, decision, settings, notifier)


def _resolve_in_slices(db: Engine, plan: Plan, size: int) -> Iterator[list[Recipient]]:
    """The event's recipients (`notifier.recipients.resolve_recipients`), a slice of its
    affected addresses at a time."""
    outage = plan.event["payload"]["outage"]
    at = plan.event["created_at"]
    addresses = sorted({str(a) for a in (outage.get("affected") or {}).get("addresses") or []})
    for start in range(0, len(addresses), size):
        yield resolve_for(
            db,
            service=outage["service"],
            address_ids=addresses[start : start + size],
            at=at.date() if isinstance(at, datetime) else at,
            settings=plan.settings,
            notifier=plan.notifier,
        )


def queue_work(
    db: Engine,
    plan: Plan,
    *,
    fresh_grace: timedelta | None = None,
    chunk: int = 500,
    address_slice: int = ADDRESS_SLICE,
) -> Iterator[WorkItem]:
    """Resolve the recipients, queue one delivery per destination and yield what is to
    be sent, as it is queued.

    New rows come first, a slice of addresses and a chunk of rows at a time, so sending
    starts before a large event is fully resolved; then the event's older rows that are
    not final (retries, rows a dead worker left). A destination found again in a later
    slice (a number listed at several addresses) keeps its first slice's language and
    channel: the UNIQUE(event, destination) row is already there. With `fresh_grace`,
    never-tried rows younger than that are left out: their send task is presumed on its
    way through a broker queue.
    """
    event_id = int(plan.event["id"])
    language: dict[str, str] = {}
    run_started = utcnow()
    yielded: set[int] = set()
    for recipients in _resolve_in_slices(db, plan, address_slice):
        new = [r for r in recipients if r.destination not in language]
        language.update((r.destination, r.language) for r in new)
        plan.recipients += new
        pairs = [(r.destination, r.channel.value) for r in new]
        for start in range(0, len(pairs), chunk):
            for row in insert_deliveries_once(db, event_id, pairs[start : start + chunk]):
                plan.inserted += 1
                yielded.add(row["id"])
                yield WorkItem(row["id"], row["channel"], language[row["destination"]])
    # The event's other open rows. Usually there are none: the rows just queued are
    # all this run's, so only their ids are read to find out.
    if all(i in yielded for i in open_delivery_ids(db, event_id)):
        return
    gone: list[Finished] = []
    for row in event_deliveries(db, event_id, open_only=True):
        if row["id"] in yielded:
            continue
        if row["destination"] not in language:
            # Opted out (or removed) since the row was queued, and never tried: drop it.
            if row["attempts"] == 0:
                gone.append(Finished(row["id"], DeliveryStatus.PERMANENT_FAILURE.value))
            continue
        fresh = row["created_at"] >= run_started - (fresh_grace or timedelta(0))
        if fresh_grace is not None and row["attempts"] == 0 and fresh:
            continue
        yield WorkItem(row["id"], row["channel"], language[row["destination"]])
    if gone:
        finish_deliveries(db, gone)


def prepare_event(
    db: Engine,
    event_id: int,
    *,
    settings: Settings | None = None,
    notifier: NotifierSettings | None = None,
    now: datetime | None = None,
    fresh_grace: timedelta | None = None,
) -> tuple[Plan, list[WorkItem]]:
    """`plan_event` and all of `queue_work` at once."""
    plan = plan_event(db, event_id, settings=settings, notifier=notifier, now=now)
    if plan.decision.action != "send":
        return plan, []
    return plan, list(queue_work(db, plan, fresh_grace=fresh_grace))


def message_context(
    event: dict[str, Any],
    language: str,
    decision: Decision,
    notifier: NotifierSettings,
    now: datetime,
) -> MessageContext:
    snap = event["payload"]["outage"]
    texts = snap.get("texts") or {}
    affected = snap.get("affected") or {}
    map_url = (
        f"{notifier.public_url.rstrip('/')}/?outage={snap['id']}" if notifier.public_url else None
    )
    return MessageContext(
        utility_name=notifier.utility_name,
        streets=list(affected.get("streets") or []),
        starts_at=parse_time(snap["starts_at"]),
        ends_at=parse_time(snap.get("estimated_end_at")),
        previous_ends_at=decision.previous_ends_at,
        resolved_at=parse_time(snap.get("ended_at")),
        cause=texts.get(language) or snap.get("cause"),
        map_url=map_url,
        contact_phone=notifier.contact_phone,
        unsubscribe_url=notifier.opt_out_url,
        reference=str(snap["id"]),
        now=now,
    )


class _Renderer:
    """Messages differ only by language and channel: render each pair once."""

    def __init__(self, plan_event: dict[str, Any], decision: Decision, notifier, config):
        self.event, self.decision, self.notifier, self.config = (
            plan_event,
            decision,
            notifier,
            config,
        )
        self.service = plan_event["payload"]["outage"]["service"]
        self.cache: dict[tuple[str, str], Rendered] = {}

    def __call__(self, language: str, channel: str) -> Rendered:
        key = (language, channel)
        if key not in self.cache:
            used = language if language in self.config.languages else self.config.default_language
            context = message_context(self.event, used, self.decision, self.notifier, utcnow())
            self.cache[key] = render(
                self.decision.kind, self.service, used, channel, context, config=self.config
            )
        return self.cache[key]


class RecordError(RuntimeError):
    """Send outcomes could not be written; the rows are sent again after their lease."""


class _Recorder:
    """Writes send outcomes on its own thread, a few at a time, while sending goes on.

    Recording as results arrive (not once per batch) is what keeps the repeats after a
    crash small: only outcomes not yet written are lost, and those messages go again.
    The thread wakes when `every` outcomes are waiting, or after `wait` seconds with
    fewer, not once per outcome.
    """

    def __init__(self, db: Engine, max_attempts: int, every: int = 20, wait: float = 0.01):
        self.db, self.max_attempts, self.every, self.wait = db, max_attempts, every, wait
        self.stats = SendStats()
        self.error: str | None = None
        self._waiting: list[tuple[dict[str, Any], SendResult]] = []
        self._outstanding = 0  # outcomes handed over and not yet written
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="delivery-recorder", daemon=True)
        self._thread.start()

    def add(self, row: dict[str, Any], result: SendResult) -> None:
        with self._changed:
            self._waiting.append((row, result))
            self._outstanding += 1
            if len(self._waiting) in (1, self.every):  # the first starts the clock
                self._changed.notify_all()

    def wait_below(self, limit: int, timeout: float = 30.0) -> None:
        """Back-pressure: wait until at most `limit` outcomes are unwritten, so what a
        crash can repeat stays bounded (a batch plus `limit`) however slow the disk."""
        with self._changed:
            self._changed.wait_for(lambda: self._outstanding <= limit, timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closing or self._waiting)
                self._changed.wait_for(
                    lambda: self._closing or len(self._waiting) >= self.every, timeout=self.wait
                )
                pending, self._waiting = self._waiting, []
                closing = self._closing
            self._flush(pending)
            if closing:
                with self._changed:
                    if not self._waiting:
                        return

    def _flush(self, pending: list[tuple[dict[str, Any], SendResult]]) -> None:
        if not pending:
            return
        rows, results = zip(*pending, strict=True)
        finished, parts, stats = _finished(list(rows), results, self.max_attempts)
        try:
            record_sends(self.db, finished, parts)
        except Exception as exc:  # the class name only: parameters hold destinations
            self.error = exc.__class__.__name__
            log.error("recording %d send outcomes failed: %s", len(finished), self.error)
        else:
            self.stats.add(stats)
        with self._changed:
            self._outstanding -= len(pending)
            self._changed.notify_all()

    def close(self) -> SendStats:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()
        if self.error is not None:
            raise RecordError(f"recording send outcomes failed: {self.error}")
        return self.stats


def send_deliveries(
    db: Engine,
    event: dict[str, Any],
    decision: Decision,
    work: Iterable[WorkItem],
    providers: Providers,
    *,
    notifier: NotifierSettings | None = None,
    render_config: RenderConfig | None = None,
    on_batch_done: Callable[[], None] | None = None,
) -> SendStats:
    """Claim, render, send and record the given deliveries, a batch per channel at a time."""
    notifier = notifier or get_notifier_settings()
    render_config = render_config or RenderConfig.from_settings()
    policy = retry_policy(notifier)
    renderer = _Renderer(event, decision, notifier, render_config)
    event_id = int(event["id"])
    unsent = SendStats()
    recorder = _Recorder(db, policy.max_attempts, every=notifier.record_every)

    def send(channel: str, items: list[WorkItem]) -> None:
        chain = providers.get(channel)
        languages = {i.delivery_id: i.language for i in items}
        ids = list(languages)
        claimed = claim_deliveries(db, event_id, policy, ids=ids, limit=len(ids))
        if not claimed:
            return  # sent, final, or held by another worker
        if chain is None:
            # No provider for the channel: say so in the delivery, don't retry forever.
            log.error("no provider for %s; %d deliveries failed", channel, len(claimed))
            failed = DeliveryStatus.TECHNICAL_FAILURE.value
            finish_deliveries(db, [Finished(r["id"], failed) for r in claimed])
            unsent.failed += len(claimed)
            return
        outgoing = [
            Outgoing(
                delivery_id=r["id"],
                event_id=event_id,
                destination=r["destination"],
                message=renderer(languages[r["id"]], channel),
                unsubscribe_url=notifier.opt_out_url,
            )
            for r in claimed
        ]
        chain.send(outgoing, lambda i, result: recorder.add(claimed[i], result))
        recorder.wait_below(notifier.record_every)
        if on_batch_done is not None:
            on_batch_done()

    waiting: dict[str, list[WorkItem]] = defaultdict(list)
    try:
        for item in work:  # may be a generator that is still queueing the event
            batch = waiting[item.channel]
            batch.append(item)
            if len(batch) >= notifier.batch_for(item.channel):
                send(item.channel, waiting.pop(item.channel))
        for channel in list(waiting):
            send(channel, waiting.pop(channel))
    finally:
        stats = recorder.close()
    stats.add(unsent)
    return stats


def _finished(
    claimed: list[dict[str, Any]], results: Iterable[SendResult], max_attempts: int
) -> tuple[list[Finished], list[SentParts], SendStats]:
    stats = SendStats()
    out = []
    parts = []
    for row, result in zip(claimed, results, strict=True):
        if result.outcome is Outcome.ACCEPTED:
            status = DeliveryStatus.SENT
            stats.sent += 1
            if len(result.part_ids) > 1:  # receipts come per part
                parts.append(SentParts(row["id"], result.provider, result.part_ids))
        elif result.outcome is Outcome.PERMANENT_FAILURE:
            status = DeliveryStatus.PERMANENT_FAILURE
            stats.failed += 1
        elif row["attempts"] >= max_attempts:
            status = DeliveryStatus.TECHNICAL_FAILURE  # out of retries
            stats.failed += 1
        else:
            status = DeliveryStatus.TEMPORARY_FAILURE
            stats.retrying += 1
        out.append(Finished(row["id"], status.value, result.provider, result.provider_message_id))
    return out, parts, stats


def event_progress(
    db: Engine, event_id: int, notifier: NotifierSettings
) -> tuple[int, datetime | None]:
    """(deliveries not final, when the next of them may be tried); gives up exhausted ones."""
    policy = retry_policy(notifier)
    give_up_stale(db, event_id, policy)
    return next_attempt_at(db, event_id, policy)


def process_event(
    db: Engine,
    event_id: int,
    providers: Providers,
    *,
    settings: Settings | None = None,
    notifier: NotifierSettings | None = None,
    render_config: RenderConfig | None = None,
    now: datetime | None = None,
    on_batch_done: Callable[[], None] | None = None,
) -> EventReport:
    """Everything for one event in this process; safe to run again or concurrently."""
    settings = settings or get_settings()
    notifier = notifier or get_notifier_settings()
    render_config = render_config or RenderConfig.from_settings(settings)
    plan = plan_event(db, event_id, settings=settings, notifier=notifier, now=now)
    report = EventReport(event_id, plan.decision)
    if plan.decision.action != "send":
        log.info("event %s: %s (%s)", event_id, plan.decision.action, plan.decision.reason)
        return report
    stats = send_deliveries(
        db,
        plan.event,
        plan.decision,
        queue_work(db, plan),
        providers,
        notifier=notifier,
        render_config=render_config,
        on_batch_done=on_batch_done,
    )
    report.recipients, report.inserted = len(plan.recipients), plan.inserted
    report.sent, report.failed, report.retrying = stats.sent, stats.failed, stats.retrying
    report.pending, report.next_attempt_at = event_progress(db, event_id, notifier)
    log.info(
        "event %s: %d recipients, %d sent, %d failed, %d to retry, %d pending",
        event_id,
        report.recipients,
        report.sent,
        report.failed,
        report.retrying,
        report.pending,
        extra={
            "event_id": event_id,
            "outage_id": plan.event.get("outage_id"),
            "recipients": report.recipients,
            "sent": report.sent,
            "failed": report.failed,
            "retrying": report.retrying,
            "pending": report.pending,
        },
    )
    return report
