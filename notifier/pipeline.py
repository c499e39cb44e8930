"""Sending one batch of deliveries: claim → render → send → record.

The notification service (`gis_outage.services.notification`) decides what is sent and
when; this module does the sending for every worker: the embedded worker's channel
threads, Celery's send tasks and a one-off `process_event` all call `send_batch`.

Outcomes are recorded as they arrive (not once per batch), and no more than a window of
messages is ever out and unrecorded (`notifier/recorder.py`): a crash repeats at most
that many, and a database that is away costs no repeat at all.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.links import unsubscribe_url
from gis_outage.model import Channel, DeliveryStatus, is_water_notice
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
from gis_outage.storage.recipients import Finished, claim_deliveries, finish_deliveries
from gis_outage.storage.schema import utcnow

from .channels.base import Outgoing
from .providers import Providers
from .recorder import Recorder
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
    recorder = Recorder(
        db,
        policy.max_attempts,
        # One window in doubt per bind: each bind keeps its own window full.
        limit=settings.notify.smpp_window
        * max(settings.notify.smpp_binds, settings.notify.smpp2_binds),
        every=settings.notify.record_every,
    )
    try:
        chain.send(
            outgoing,
            lambda i, result: recorder.add(i, claimed[i], result),
            admit=recorder.admit,
            release=recorder.release,
        )
    finally:
        stats = recorder.close()
    log.info(
        "event %s: %s batch of %d: %d sent, %d failed, %d to retry",
        event_id, channel, len(claimed), stats.sent, stats.failed, stats.retrying,
        extra={"event_id": event_id, "outage_id": event.get("outage_id"), "channel": channel,
               "sent": stats.sent, "failed": stats.failed, "retrying": stats.retrying},
    )
    return stats


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
