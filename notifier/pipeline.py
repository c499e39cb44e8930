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
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

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
from gis_outage.services.policy import Decision
from gis_outage.storage.claims import Finished, claim_deliveries, finish_deliveries
from gis_outage.storage.delivery_records import PendingDelivery
from gis_outage.storage.outage_records import OutageEvent
from gis_outage.storage.schema import utcnow

from .channels.base import Outgoing
from .providers import ProviderChain, Providers
from .recorder import Doubt, Recorder
from .render import MessageContext, RenderConfig, Rendered, render

log = logging.getLogger(__name__)


def message_context(
    event: OutageEvent,
    language: str,
    decision: Decision,
    settings: Settings,
    now: datetime,
) -> MessageContext:
    snap = event.snapshot
    outage_kind = event.outage_kind
    return MessageContext(
        utility_name=settings.utility_name,
        streets=event.streets,
        starts_at=event.starts_at,
        ends_at=event.estimated_end_at,
        previous_ends_at=decision.previous_ends_at,
        resolved_at=event.ended_at,
        cause=localized_cause(snap.get("texts"), snap.get("cause"), language),
        map_url=settings.outage_url(event.outage_id),
        website=settings.website,
        contact_phone=settings.notify.contact_phone,
        unsubscribe_url=settings.opt_out_url,
        reference=str(event.outage_id),
        notice=outage_kind.value if is_water_notice(outage_kind) else None,
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

    def __init__(self, event: OutageEvent, decision: Decision, settings: Settings,
                 config: RenderConfig) -> None:
        self.event, self.decision, self.settings, self.config = event, decision, settings, config
        self.service = event.service
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


@dataclass
class Batch:
    """A claimed and rendered batch of one channel's deliveries, ready to send."""

    event: OutageEvent
    channel: str
    claimed: list[PendingDelivery]
    outgoing: list[Outgoing] = field(repr=False)
    chain: ProviderChain

    @property
    def event_id(self) -> int:
        return self.event.id


def claim_batch(
    db: Engine,
    settings: Settings,
    event: OutageEvent,
    decision: Decision,
    channel: str,
    items: list[WorkItem],
    providers: Providers,
    *,
    render_config: RenderConfig | None = None,
) -> Batch | SendStats:
    """Claim and render one batch; its figures instead when nothing is left to send."""
    render_config = render_config or RenderConfig.from_settings(settings)
    policy = retry_policy(settings)
    event_id = event.id
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
        finish_deliveries(db, [Finished(r.id, failed) for r in claimed])
        return SendStats(failed=len(claimed))
    renderer = _Renderer(event, decision, settings, render_config)
    outgoing = [
        _personal(
            Outgoing(
                delivery_id=r.id,
                event_id=event_id,
                destination=r.destination,
                message=renderer(languages[r.id], channel),
                unsubscribe_url=settings.opt_out_url,
            ),
            settings,
        )
        for r in claimed
    ]
    return Batch(event, channel, claimed, outgoing, chain)


def doubt_limit(settings: Settings) -> int:
    """Messages a sender of a channel may have in doubt: one window per bind, each bind
    keeping its own window full."""
    notify = settings.notify
    return notify.smpp_window * max(notify.smpp_binds, notify.smpp2_binds)


def send_claimed(
    db: Engine,
    settings: Settings,
    batch: Batch,
    *,
    doubt: Doubt | None = None,
    handed: Callable[[int], None] | None = None,
) -> SendStats:
    """Send a claimed batch and record each outcome as it comes.

    `doubt`: the places in doubt this batch shares with the sender's other open batch
    (`notifier/sendline.py`); `handed(n)` is told each time another of the batch's
    messages goes to a provider for the first time (n so far)."""
    policy = retry_policy(settings)
    recorder = Recorder(
        db, policy.max_attempts, limit=doubt_limit(settings),
        every=settings.notify.record_every, doubt=doubt,
    )  # fmt: skip
    admit: Callable[[int, bool], bool] = recorder.admit
    if handed is not None:
        seen: set[int] = set()

        def admit(index: int, block: bool) -> bool:
            if not recorder.admit(index, block):
                return False
            if index not in seen:
                seen.add(index)
                handed(len(seen))
            return True

    claimed = batch.claimed
    try:
        batch.chain.send(
            batch.outgoing,
            lambda i, result: recorder.add(i, claimed[i], result),
            admit=admit,
            release=recorder.release,
        )
    finally:
        stats = recorder.close()
    event_id, channel = batch.event_id, batch.channel
    log.info(
        "event %s: %s batch of %d: %d sent, %d failed, %d to retry",
        event_id, channel, len(claimed), stats.sent, stats.failed, stats.retrying,
        extra={"event_id": event_id, "outage_id": batch.event.outage_id,
               "channel": channel, "sent": stats.sent, "failed": stats.failed,
               "retrying": stats.retrying},
    )  # fmt: skip
    return stats


def send_batch(
    db: Engine,
    settings: Settings,
    event: OutageEvent,
    decision: Decision,
    channel: str,
    items: list[WorkItem],
    providers: Providers,
    *,
    render_config: RenderConfig | None = None,
) -> SendStats:
    """Claim, render, send and record one batch of one channel's deliveries."""
    batch = claim_batch(db, settings, event, decision, channel, items, providers,
                        render_config=render_config)
    if isinstance(batch, SendStats):
        return batch
    return send_claimed(db, settings, batch)


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
