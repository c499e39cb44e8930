"""Celery tasks: thin wrappers around the pipeline functions the embedded worker uses.

Task arguments are ids, channel names, language codes and message kinds: no
destination or text ever goes through the broker or into a task log line.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from datetime import timedelta
from functools import lru_cache
from typing import Any

from celery import Task
from sqlalchemy.engine import Engine

from gis_outage.config import get_settings
from gis_outage.storage.db import make_engine
from gis_outage.storage.deliveries import apply_receipt
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outages import get_event
from gis_outage.storage.outbox import claim_outbox, mark_processed, release_outbox
from gis_outage.storage.recipients import next_attempt_at
from gis_outage.storage.schema import utcnow

from . import reminders
from .celery_app import app, queue_name
from .channels.base import DeliveryReceipt, DeliveryStatus
from .pipeline import (
    WorkItem,
    event_progress,
    plan_event,
    queue_work,
    retry_policy,
    send_deliveries,
)
from .policy import Decision, parse_time
from .providers import Providers, build_providers
from .receipts import opt_out_handler
from .render import MessageKind, RenderConfig
from .settings import NotifierSettings, get_notifier_settings

log = logging.getLogger(__name__)

RESOLVE_LEASE = timedelta(minutes=5)  # the outbox row is ours while its sends go out
RECHECK = timedelta(seconds=30)  # then look again: retries, or a lost send task

_lock = threading.Lock()
_state: dict[str, Any] = {}


def _db() -> Engine:
    # Made lazily in each worker process (after the prefork fork, not before).
    with _lock:
        if "db" not in _state:
            _state["db"] = make_engine(get_settings().effective_database_url)
        return _state["db"]


def _notifier() -> NotifierSettings:
    # Map links and the opt-out page under the map server's address, as in embedded mode.
    return get_notifier_settings().under(get_settings().public_url)


def _providers() -> Providers:
    with _lock:
        if "providers" not in _state:
            settings = get_settings()
            db = _state.get("db") or make_engine(settings.effective_database_url)
            _state["db"] = db
            _state["providers"] = build_providers(
                _notifier(),
                settings.data_dir,
                on_receipt=_queue_receipt,
                on_inbound=opt_out_handler(db, settings.default_region),
            )
        return _state["providers"]


def _queue_receipt(receipt: DeliveryReceipt) -> None:
    """SMPP reader thread → receipts queue; the SMSC is answered once it is queued."""
    if receipt.status is DeliveryStatus.PENDING:
        return
    record_receipt.apply_async(
        (receipt.provider, receipt.provider_message_id, receipt.status.value),
        queue=queue_name("receipts"),
    )


@app.task(name="notifier.tasks.drain_outbox")
def drain_outbox(limit: int = 50) -> int:
    """Beat: claim waiting outbox rows and hand each event to the resolve queue."""
    rows = claim_outbox(_db(), limit, lease=RESOLVE_LEASE)
    for row in rows:
        resolve_event.apply_async((row["id"], row["event_id"]), queue=queue_name("resolve"))
    return len(rows)


@app.task(name="notifier.tasks.resolve_event")
def resolve_event(outbox_id: int, event_id: int) -> dict[str, Any]:
    """Decide, resolve and queue deliveries, fanning the sends out per channel as they
    are queued (the first batch leaves before a large event is fully queued)."""
    db, notifier = _db(), _notifier()
    plan = plan_event(db, event_id, notifier=notifier)
    decision = plan.decision
    if decision.action == "skip":
        mark_processed(db, outbox_id)
        return {"action": "skip", "reason": decision.reason}
    if decision.action == "defer":
        release_outbox(db, outbox_id, retry_at=decision.not_before)
        return {"action": "defer"}
    previous = decision.previous_ends_at.isoformat() if decision.previous_ends_at else None
    batches = 0

    def fan_out(channel: str, items: list[list[Any]]) -> None:
        nonlocal batches
        send_batch.apply_async(
            (outbox_id, event_id, channel, items, decision.kind.value, previous),
            queue=queue_name(f"send-{channel}"),
        )
        batches += 1

    waiting: dict[str, list[list[Any]]] = defaultdict(list)
    for item in queue_work(db, plan, fresh_grace=notifier.send_task_grace):
        waiting[item.channel].append([item.delivery_id, item.language])
        if len(waiting[item.channel]) >= notifier.batch_size:
            fan_out(item.channel, waiting.pop(item.channel))
    for channel in list(waiting):
        fan_out(channel, waiting.pop(channel))
    pending, next_at = event_progress(db, event_id, notifier)
    if pending == 0:
        mark_processed(db, outbox_id)
    else:
        release_outbox(db, outbox_id, retry_at=max(next_at or utcnow(), utcnow() + RECHECK))
    return {"action": "send", "recipients": len(plan.recipients), "batches": batches}


@lru_cache(maxsize=8)
def _event(event_id: int) -> dict[str, Any]:
    """Events are never changed once written: a worker reads one once, not per batch
    (a large one carries tens of thousands of address ids)."""
    return get_event(_db(), event_id)


@app.task(name="notifier.tasks.send_batch")
def send_batch(
    outbox_id: int,
    event_id: int,
    channel: str,
    items: list[list[Any]],
    kind: str,
    previous_ends_at: str | None = None,
) -> dict[str, int]:
    """Render and send a batch of deliveries of one channel."""
    db, notifier = _db(), _notifier()
    decision = Decision(
        "send", "", MessageKind(kind), previous_ends_at=parse_time(previous_ends_at)
    )
    work = [WorkItem(int(i), channel, str(language)) for i, language in items]
    stats = send_deliveries(
        db,
        _event(event_id),
        decision,
        work,
        _providers(),
        notifier=notifier,
        render_config=RenderConfig.from_settings(get_settings()),
    )
    pending, _ = next_attempt_at(db, event_id, retry_policy(notifier))
    if pending == 0:
        with contextlib.suppress(NotFound):
            mark_processed(db, outbox_id)  # the last batch closes the event
    return {"sent": stats.sent, "failed": stats.failed, "retrying": stats.retrying}


@app.task(name="notifier.tasks.record_receipt", bind=True, max_retries=15)
def record_receipt(self: Task, provider: str, provider_message_id: str, status: str) -> bool:
    """A delivery receipt; one that beat the record of its send is tried again shortly
    (for 30 s: sends are recorded within a fraction of a second)."""
    if apply_receipt(_db(), provider, provider_message_id, status):
        return True
    raise self.retry(countdown=2)


@app.task(name="notifier.tasks.schedule_reminders")
def schedule_reminders() -> int:
    settings, notifier = get_settings(), _notifier()
    return len(
        reminders.schedule_reminders(
            _db(), timezone=settings.timezone, reminder_hour=notifier.reminder_hour
        )
    )


@app.task(name="notifier.tasks.retention")
def retention() -> str:
    """Delivery logs and portal data past their retention period are deleted."""
    from gis_outage.portal_cli import retention as delete_expired

    return delete_expired(engine=_db())
