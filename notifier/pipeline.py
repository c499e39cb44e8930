"""Sending one batch of deliveries: claim → render → send → record.

The notification service (`gis_outage.services.notification`) decides what is sent and
when; this module does the sending for every worker: the embedded worker's channel
threads, Celery's send tasks and a one-off `process_event` all call `send_batch`.

Outcomes are recorded as they arrive (not once per batch), so a crash repeats only the
messages a provider accepted in the moment between its answer and our record of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.links import unsubscribe_url
from gis_outage.model import Channel, DeliveryStatus, Outcome, is_water_notice
from gis_outage.public import localized_cause
from gis_outage.services.notification import (
    EventReport,
    Plan,
    SendStats,
    WorkItem,
    notify_event,
    retry_policy,
)
from gis_outage.services.policy import Decision, parse_time
from gis_outage.storage.deliveries import SentParts, record_sends
from gis_outage.storage.recipients import Finished, claim_deliveries, finish_deliveries
from gis_outage.storage.schema import utcnow

from .channels.base import Outgoing, SendResult
from .providers import Providers
from .render import MessageContext, RenderConfig, Rendered, render

log = logging.getLogger(__name__)


def message_context(
    event: dict[str, Any],
    language: str,
    decision: Decision,
    settings: Settings,
    now: datetime,
) -> MessageContext:
    snap = event["payload"]["outage"]
    affected = snap.get("affected") or {}
    return MessageContext(
        utility_name=settings.utility_name,
        streets=list(affected.get("streets") or []),
        starts_at=parse_time(snap["starts_at"]),
        ends_at=parse_time(snap.get("estimated_end_at")),
        previous_ends_at=decision.previous_ends_at,
        resolved_at=parse_time(snap.get("ended_at")),
        cause=localized_cause(snap.get("texts"), snap.get("cause"), language),
        map_url=settings.outage_url(snap["id"]),
        website=settings.website,
        contact_phone=settings.notify.contact_phone,
        unsubscribe_url=settings.opt_out_url,
        reference=str(snap["id"]),
        notice=snap["kind"] if is_water_notice(snap["kind"]) else None,
        now=now,
    )


def _personal(item: Outgoing, settings: Settings) -> Outgoing:
    """An e-mail gets its own signed one-click opt-out link in `List-Unsubscribe` and in
    the footer, in place of the portal's page (rendered once per language); a utility's
    own opt-out page (`notify.unsubscribe_url`) stays as it is."""
    if item.message.channel is not Channel.EMAIL or settings.notify.unsubscribe_url:
        return item
    link, generic = unsubscribe_url(item.destination, settings), settings.opt_out_url
    message = replace(
        item.message,
        text=item.message.text.replace(generic, link),
        html=item.message.html.replace(generic, link) if item.message.html else None,
    )
    return replace(item, message=message, unsubscribe_url=link)


class _Renderer:
    """Messages differ only by language and channel: render each pair once."""

    def __init__(self, event: dict[str, Any], decision: Decision, settings: Settings,
                 config: RenderConfig) -> None:
        self.event, self.decision, self.settings, self.config = event, decision, settings, config
        self.service = event["payload"]["outage"]["service"]
        self.cache: dict[tuple[str, str], Rendered] = {}

    def __call__(self, language: str, channel: str) -> Rendered:
        key = (language, channel)
        if key not in self.cache:
            used = language if language in self.config.languages else self.config.default_language
            context = message_context(self.event, used, self.decision, self.settings, utcnow())
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


def send_batch(
    db: Engine,
    settings: Settings,
    event: dict[str, Any],
    decision: Decision,
    channel: str,
    items: list[WorkItem],
    providers: Providers,
    *,
    render_config: RenderConfig | None = None,
) -> SendStats:
    """Claim, render, send and record one batch of one channel's deliveries."""
    render_config = render_config or RenderConfig.from_settings(settings)
    policy = retry_policy(settings)
    event_id = int(event["id"])
    languages = {i.delivery_id: i.language for i in items}
    ids = list(languages)
    claimed = claim_deliveries(db, event_id, policy, ids=ids, limit=len(ids))
    if not claimed:
        return SendStats()  # sent, final, or held by another worker
    chain = providers.get(channel)
    if chain is None:
        # No provider for the channel: say so in the delivery, don't retry forever.
        log.error("no provider for %s; %d deliveries failed", channel, len(claimed))
        failed = DeliveryStatus.TECHNICAL_FAILURE.value
        finish_deliveries(db, [Finished(r["id"], failed) for r in claimed])
        return SendStats(failed=len(claimed))
    renderer = _Renderer(event, decision, settings, render_config)
    outgoing = [
        _personal(
            Outgoing(
                delivery_id=r["id"],
                event_id=event_id,
                destination=r["destination"],
                message=renderer(languages[r["id"]], channel),
                unsubscribe_url=settings.opt_out_url,
            ),
            settings,
        )
        for r in claimed
    ]
    recorder = _Recorder(db, policy.max_attempts, every=settings.notify.record_every)
    try:
        chain.send(outgoing, lambda i, result: recorder.add(claimed[i], result))
    finally:
        stats = recorder.close()
    log.info(
        "event %s: %s batch of %d: %d sent, %d failed, %d to retry",
        event_id, channel, len(claimed), stats.sent, stats.failed, stats.retrying,
        extra={"event_id": event_id, "outage_id": event.get("outage_id"), "channel": channel,
               "sent": stats.sent, "failed": stats.failed, "retrying": stats.retrying},
    )
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


class InlineDispatch:
    """Sends each batch in the calling thread: for a one-off run of an event."""

    fresh_grace: timedelta | None = None

    def __init__(self, db: Engine, settings: Settings, providers: Providers,
                 render_config: RenderConfig | None = None) -> None:
        self.db, self.settings, self.providers = db, settings, providers
        self.render_config = render_config or RenderConfig.from_settings(settings)

    def in_flight(self) -> Collection[int]:
        return ()

    def __call__(self, outbox_id: int | None, plan: Plan, channel: str,
                 items: list[WorkItem]) -> SendStats:
        return send_batch(self.db, self.settings, plan.event, plan.decision, channel, items,
                          self.providers, render_config=self.render_config)


def process_event(
    db: Engine,
    settings: Settings,
    event_id: int,
    providers: Providers,
    *,
    now: datetime | None = None,
) -> EventReport:
    """Everything for one event in this thread; safe to run again or concurrently."""
    return notify_event(db, settings, event_id, InlineDispatch(db, settings, providers), now=now)
