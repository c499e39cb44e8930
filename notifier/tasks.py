"""Celery tasks: thin adapters over the notification service, as the embedded worker is.

`drain_outbox` claims outbox rows and hands each to `resolve_event`, which runs
`handle_outbox_row` with a dispatch that queues each batch on its channel's send-*
queue; `send_batch` sends one batch and closes the event when it was the last.
Task arguments are ids, channel names, language codes and message kinds: no
destination or text ever goes through the broker or into a task log line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from datetime import timedelta
from functools import lru_cache
from typing import Any

from celery import Task
from sqlalchemy.engine import Engine

from gis_outage.config import Settings, get_settings, secret
from gis_outage.model import MessageKind
from gis_outage.services import notification
from gis_outage.services.policy import Decision, parse_time
from gis_outage.storage.db import database_unavailable, make_engine
from gis_outage.storage.deliveries import apply_receipt, count_unmatched_receipt
from gis_outage.storage.outages import get_event
from gis_outage.storage.outbox import claim_outbox, get_outbox_row

from .celery_app import app, queue_name
from .channels.base import DeliveryReceipt, ReceiptStatus
from .pipeline import send_batch as send_one_batch
from .providers import Providers, build_providers
from .receipts import destination_digest, digest_test, opt_out_handler, receipt_destination
from .render import RenderConfig

log = logging.getLogger(__name__)

RECEIPT_RETRY_SECONDS = 2.0
DATABASE_RETRIES = 300  # a send task waits this many tries (2 s apart) for the database

_lock = threading.Lock()
_state: dict[str, Any] = {}


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
    """Each batch becomes a send_batch task on its channel's queue."""

    def __init__(self, settings: Settings) -> None:
        self.fresh_grace: timedelta | None = settings.notify.send_task_grace

    def in_flight(self) -> Collection[int]:
        return ()  # what the broker holds is covered by fresh_grace

    def __call__(self, outbox_id: int | None, plan: notification.Plan, channel: str,
                 items: list[notification.WorkItem]) -> None:
        previous = plan.decision.previous_ends_at
        send_batch.apply_async(
            (outbox_id, plan.event_id, channel, [[i.delivery_id, i.language] for i in items],
             plan.decision.kind.value, previous.isoformat() if previous else None),
            queue=queue_name(f"send-{channel}"),
        )


@app.task(name="notifier.tasks.drain_outbox")
def drain_outbox(limit: int = 50) -> int:
    """Beat: claim waiting outbox rows and hand each event to the resolve queue."""
    rows = claim_outbox(_db(), limit, lease=_settings().notify.outbox_lease)
    for row in rows:
        resolve_event.apply_async((row["id"], row["event_id"]), queue=queue_name("resolve"))
    return len(rows)


@app.task(name="notifier.tasks.resolve_event")
def resolve_event(outbox_id: int, event_id: int) -> dict[str, Any]:
    """The notification service on one claimed outbox row, sends fanned out per channel."""
    db, settings = _db(), _settings()
    row = get_outbox_row(db, outbox_id)
    report = notification.handle_outbox_row(db, settings, row, QueueDispatch(settings))
    if report is None:
        return {"action": "failed"}
    return {"action": report.decision.action, "dispatched": report.dispatched}


# What a trace lists in an event's outage: the resolve task reads them, a send never
# does (its texts take the streets and times), so the cached copy drops them.
_TRACE_LISTS = ("addresses", "service_points", "links", "isolated_links", "still_cut_off")


@lru_cache(maxsize=8)
def _event(event_id: int) -> dict[str, Any]:
    """Events are never changed once written: a worker reads one once, not per batch,
    and keeps it without its lists of ids (a national event carries hundreds of
    thousands of address ids)."""
    event = get_event(_db(), event_id)
    affected = event["payload"]["outage"].get("affected")
    if isinstance(affected, dict):
        for key in _TRACE_LISTS:
            affected.pop(key, None)
    return event


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

    A database that is away when the batch starts (or ends) sends the task back to the
    queue for a moment later, rather than leaving the batch to the event's next look;
    while sending, the pipeline holds the outcomes until it is back."""
    db, settings = _db(), _settings()
    decision = Decision(
        "send", "", MessageKind(kind), previous_ends_at=parse_time(previous_ends_at)
    )
    work = [notification.WorkItem(int(i), channel, str(language)) for i, language in items]
    try:
        stats = send_one_batch(
            db, settings, _event(event_id), decision, channel, work, _providers(),
            render_config=RenderConfig.from_settings(settings),
        )
        last = max((i.delivery_id for i in work), default=None)
        notification.close_if_done(db, settings, outbox_id, event_id, after=last)
    except Exception as exc:
        if not database_unavailable(exc) or self.request.retries >= DATABASE_RETRIES:
            raise
        log.warning("database unavailable (%s): a %s batch waits", exc.__class__.__name__,
                    channel)
        raise self.retry(countdown=min(2.0, 0.2 * 2 ** self.request.retries)) from None
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
