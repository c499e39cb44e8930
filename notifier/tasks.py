"""Celery tasks: thin adapters over the notification service, as the embedded worker is.

`drain_outbox` claims outbox rows and hands each to `resolve_event`, which runs
`handle_outbox_row` with a dispatch that queues each batch on its channel's send-*
queue; an event's first look resolves one slice of its addresses and hands the next to
`resolve_slice`, a task per slice (a killed worker loses one slice's progress, done
again without a row twice); `send_batch` sends one batch and closes the event when it
was the last.
Task arguments are ids, channel names, language codes and message kinds: no
destination or text ever goes through the broker or into a task log line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

from celery import Task, signals
from sqlalchemy.engine import Engine

from gis_outage.config import Settings, get_settings, secret
from gis_outage.model import Channel, MessageKind
from gis_outage.services import notification
from gis_outage.services.notification import SendStats
from gis_outage.services.policy import Decision, parse_time
from gis_outage.storage.db import make_engine, try_again_after
from gis_outage.storage.deliveries import apply_receipt, count_unmatched_receipt
from gis_outage.storage.events import event_header
from gis_outage.storage.outage_records import OutageEvent
from gis_outage.storage.outbox import claim_outbox, get_outbox_row

from .celery_app import app, queue_name
from .channels.base import DeliveryReceipt, ReceiptStatus
from .pipeline import Batch, claim_batch, doubt_limit, send_claimed
from .providers import Providers, build_providers
from .receipts import destination_digest, digest_test, opt_out_handler, receipt_destination
from .recorder import Doubt
from .render import RenderConfig
from .sendline import SendLine, until_database

log = logging.getLogger(__name__)

RECEIPT_RETRY_SECONDS = 2.0
DATABASE_RETRIES = 300  # a send task waits this many tries (about 2 s apart) for the database
# A stopping worker process waits this long for its open batches: within the systemd
# unit's TimeoutStopSec (60 s), with room for Celery's own shutdown.
DRAIN_SECONDS = 40.0

_lock = threading.Lock()
_state: dict[str, Any] = {}
_stopping = threading.Event()  # never set: a batch's close waits for the database


def _settings() -> Settings:
    return get_settings()


def _db() -> Engine:
    # Made lazily in each worker process (after the prefork fork, not before).
    with _lock:
        if "db" not in _state:
            _state["db"] = make_engine(_settings().effective_database_url)
        return _state["db"]


def _providers() -> Providers:
    db = _db()
    with _lock:
        if "providers" not in _state:
            settings = _settings()
            _state["providers"] = build_providers(
                settings,
                on_receipt=_queue_receipt,
                on_inbound=opt_out_handler(db, settings.default_region),
                shared_rates=True,  # every worker process sends through the same accounts
            )
        return _state["providers"]


def _queue_receipt(receipt: DeliveryReceipt) -> None:
    """SMPP reader thread → receipts queue; the SMSC is answered once it is queued."""
    if receipt.status is ReceiptStatus.PENDING:
        return
    settings = _settings()
    number = receipt_destination(receipt, settings.default_region)
    digest = destination_digest(_digest_key(settings), number) if number else None
    record_receipt.apply_async(
        (receipt.provider, receipt.provider_message_id, receipt.status.value, time.time(),
         digest),
        queue=queue_name("receipts"),
    )


def _digest_key(settings: Settings) -> str:
    """Shared by every worker of a deployment and not public: the secret key, else the
    database URL (which holds its password)."""
    return secret(settings.portal.secret_key) or settings.effective_database_url


class QueueDispatch:
    """Each batch becomes a send_batch task on its channel's queue; each run resolves one
    slice of addresses and the next slice becomes a resolve_slice task."""

    slices_per_run = 1

    def __init__(self, settings: Settings) -> None:
        self.fresh_grace: timedelta | None = settings.notify.send_task_grace

    def in_flight(self) -> Collection[int]:
        return ()  # what the broker holds is covered by fresh_grace

    def __call__(self, outbox_id: int | None, plan: notification.Plan, channel: str,
                 items: list[notification.WorkItem]) -> None:
        send_batch.apply_async(
            (outbox_id, plan.event_id, channel, [[i.delivery_id, i.language] for i in items],
             *_decision_args(plan.decision)),
            queue=queue_name(f"send-{channel}"),
        )

    def follow_up(self, outbox_id: int | None, plan: notification.Plan, start: int) -> None:
        resolve_slice.apply_async(
            (outbox_id, plan.event_id, start, *_decision_args(plan.decision), plan.claim),
            queue=queue_name("resolve"),
        )


def _decision_args(decision: Decision) -> tuple[str, str | None]:
    previous = decision.previous_ends_at
    return decision.kind.value, previous.isoformat() if previous else None


def _decision(kind: str, previous_ends_at: str | None) -> Decision:
    return Decision("send", "", MessageKind(kind), previous_ends_at=parse_time(previous_ends_at))


def _back_to_queue(task: Task, exc: Exception, what: str) -> None:
    """A task that met the database away goes back to the queue for `away_pause`'s
    moment, freeing its worker meanwhile (`task.retry` raises), up to DATABASE_RETRIES
    times; returns for another error or once the tries are used up."""
    tries = task.request.retries + 1
    pause = try_again_after(exc, tries, give_up=tries > DATABASE_RETRIES)
    if pause is not None:
        log.warning("database unavailable (%s): %s waits", exc.__class__.__name__, what)
        task.retry(countdown=pause)


@app.task(name="notifier.tasks.drain_outbox")
def drain_outbox(limit: int = 50) -> int:
    """Beat: claim waiting outbox rows and hand each event to the resolve queue."""
    rows = claim_outbox(_db(), limit, lease=_settings().notify.outbox_lease)
    for row in rows:
        resolve_event.apply_async((row.id, row.event_id, row.attempts),
                                  queue=queue_name("resolve"))
    return len(rows)


@app.task(name="notifier.tasks.resolve_event")
def resolve_event(outbox_id: int, event_id: int, claim: int | None = None) -> dict[str, Any]:
    """The notification service on one claimed outbox row (`claim`: its attempts when
    the drain claimed it), sends fanned out per channel."""
    db, settings = _db(), _settings()
    row = get_outbox_row(db, outbox_id)
    if claim is not None:  # this run's claim, not a later one's
        row = replace(row, attempts=claim)
    report = notification.handle_outbox_row(db, settings, row, QueueDispatch(settings))
    if report is None:
        return {"action": "failed"}
    return {"action": report.decision.action, "dispatched": report.dispatched}


@app.task(name="notifier.tasks.resolve_slice", bind=True, max_retries=None)
def resolve_slice(
    self: Task,
    outbox_id: int | None,
    event_id: int,
    start: int,
    kind: str,
    previous_ends_at: str | None = None,
    claim: int | None = None,
) -> dict[str, Any]:
    """One slice of a large event's addresses from position `start`, with the decision
    its first look took: resolved, queued and sent on; the next slice is another task.
    Acknowledged once done, so a killed worker's slice is done again (UNIQUE(event_id,
    destination) keeps each row once, and its rows left unsent are handed over)."""
    db, settings = _db(), _settings()
    try:
        report = notification.continue_event(
            db, settings, outbox_id, event_id, _decision(kind, previous_ends_at), start,
            QueueDispatch(settings), claim=claim,
        )
    except Exception as exc:
        _back_to_queue(self, exc, "a slice")
        raise
    return {"dispatched": report.dispatched, "follow_up": report.follow_up}


@lru_cache(maxsize=8)
def _event(event_id: int) -> OutageEvent:
    """Events are never changed once written: a worker reads one once, not per batch,
    and only its header (`storage.events.event_header`): what the texts take, never the
    trace's lists of ids (a national event carries hundreds of thousands)."""
    return event_header(_db(), event_id)


def _line(channel: str) -> SendLine | None:
    """This process's line for SMS batches (None for the other channels: a voice batch
    is the calls placed at once, an e-mail batch one SMTP conversation)."""
    if channel != Channel.SMS.value:
        return None
    with _lock:
        if "line" not in _state:
            _state["line"] = SendLine(doubt_limit(_settings()), name="send-sms-batch")
        return _state["line"]


@signals.worker_process_shutdown.connect
def _finish_open_batches(**_kwargs: Any) -> None:
    """A worker process that stops (a warm shutdown, a recycled child) first sends and
    records what its SMS line has claimed."""
    line = _state.get("line")
    if line is not None and not line.drain(DRAIN_SECONDS):
        log.warning("stopping with %d SMS batches still open; their rows go again after "
                    "their lease", line.open)


@app.task(name="notifier.tasks.send_batch", bind=True, max_retries=None)
def send_batch(
    self: Task,
    outbox_id: int | None,
    event_id: int,
    channel: str,
    items: list[list[Any]],
    kind: str,
    previous_ends_at: str | None = None,
) -> dict[str, int]:
    """Render and send a batch of one channel's deliveries; the last one closes the event.

    An SMS batch is claimed and rendered here and sent on a thread of the process's
    `SendLine`: the task returns once half of it has gone to the binds, so the process
    takes its next batch while the rest goes out, and that batch's thread closes the
    event when it was the last. A database that is away when the batch starts sends the
    task back to the queue for a moment later, rather than leaving the batch to the
    event's next look; while sending, the pipeline holds the outcomes until it is back,
    and the close waits for it."""
    db, settings = _db(), _settings()
    decision = _decision(kind, previous_ends_at)
    work = [notification.WorkItem(int(i), channel, str(language)) for i, language in items]
    last = max((i.delivery_id for i in work), default=None)
    line = _line(channel)
    render_config = RenderConfig.from_settings(settings)

    def claim() -> Batch | SendStats:
        return claim_batch(db, settings, _event(event_id), decision, channel, work,
                           _providers(), render_config=render_config)

    def finish(batch: Batch, doubt: Doubt, handed: Callable[[int], None]) -> None:
        send_claimed(db, settings, batch, doubt=doubt, handed=handed)
        until_database(notification.close_if_done, db, settings, outbox_id, event_id,
                       after=last, stopping=_stopping, what=f"closing event {event_id}")

    try:
        if line is None:
            batch = claim()
            stats = batch if isinstance(batch, SendStats) else send_claimed(db, settings, batch)
        else:
            unclaimed = line.send(claim, finish)
            if unclaimed is None:
                return {"handed": len(work)}  # the line's thread sends and records it
            stats = unclaimed
        notification.close_if_done(db, settings, outbox_id, event_id, after=last)
    except Exception as exc:
        _back_to_queue(self, exc, f"a {channel} batch")
        raise
    return {"sent": stats.sent, "failed": stats.failed, "retrying": stats.retrying}


@app.task(name="notifier.tasks.record_receipt", bind=True, max_retries=None)
def record_receipt(
    self: Task, provider: str, provider_message_id: str, status: str,
    received_at: float | None = None, digest: str | None = None,
) -> bool:
    """A delivery receipt; one that beat the record of its send is tried again shortly,
    for GIS_OUTAGE_NOTIFY_RECEIPT_HOLD_SECONDS, as the embedded worker holds it, then
    counted as unmatched. The destination travels as a keyed digest, never the number."""
    settings = _settings()
    destination = (
        digest_test(_digest_key(settings), digest) if digest else None
    )
    if apply_receipt(_db(), provider, provider_message_id, status, destination=destination,
                     window=timedelta(hours=settings.notify.receipt_window_hours)):
        return True
    held = time.time() - (received_at or time.time())
    if held >= settings.notify.receipt_hold_seconds:
        count_unmatched_receipt(_db(), provider)
        return False
    raise self.retry(countdown=RECEIPT_RETRY_SECONDS)


def _periodic(name: str) -> Any:
    job = next(j for j in notification.PERIODIC_JOBS if j.name == name)
    return job.run(_db(), _settings())


@app.task(name="notifier.tasks.schedule_reminders")
def schedule_reminders() -> int:
    return len(_periodic("day-before-reminders"))


@app.task(name="notifier.tasks.retention")
def retention() -> str:
    """Delivery logs and portal data past their retention period are deleted."""
    return notification.describe_retention(_periodic("retention"), _settings())
