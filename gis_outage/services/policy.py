"""Whether, and when, an outage event is messaged.

- Electricity outages shorter than a minimum are not messaged; an unplanned one with no
  estimated end is held for that minimum and dropped if it is over by then.
- An update is messaged only when the restoration time moved more than a threshold
  since the estimate residents were last told.
- A resolved outage always gets an all-clear (an electricity outage under the minimum
  only when someone was told of it); a cancellation goes to those who were told.
- Planned works are announced at most N days ahead; planned-works messages wait for
  the end of quiet hours (deferred, never dropped) unless the works start before then.
- A water-quality notice (boil water, do not drink) goes at once; a change from one to
  the other is messaged whatever the estimate did; its lifting goes to those told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from ..config import NotifySettings
from ..model import (
    EventKind,
    MessageKind,
    OutageKind,
    OutageStatus,
    Service,
    is_water_notice,
    message_kind,
)
from ..storage.events import event_headers_for, outage_status
from ..storage.outage_records import OutageEvent
from ..storage.recipients import events_with_deliveries, outage_has_deliveries

Action = Literal["send", "skip", "defer"]


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    kind: MessageKind
    not_before: datetime | None = None  # for "defer"
    previous_ends_at: datetime | None = None  # the estimate residents were last told


def parse_time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# Events that announce an outage: not sent once it is over.
ANNOUNCING = (EventKind.PUBLISHED, EventKind.UPDATED, EventKind.REMINDER, EventKind.EXTENDED)


def gone_stale(db: Engine, event: OutageEvent) -> str | None:
    """Why an event that announces an outage is not to be sent any more (its outage is
    resolved or cancelled now), else None. Asked before each share of a large event,
    so a cancel stops what is not yet resolved."""
    if event.kind not in ANNOUNCING:
        return None
    current = OutageStatus(outage_status(db, event.outage_id))
    if current in (OutageStatus.RESOLVED, OutageStatus.CANCELLED):
        return f"outage is {current.value} now"
    return None


def decide(
    db: Engine,
    event: OutageEvent,
    notifier: NotifySettings,
    timezone: str,
    now: datetime,
) -> Decision:
    event_kind, outage_kind = event.kind, event.outage_kind
    kind = message_kind(event_kind, outage_kind)
    starts, estimated, ended = event.starts_at, event.estimated_end_at, event.ended_at
    outage_id, event_id = event.outage_id, event.id

    def skip(reason: str) -> Decision:
        return Decision("skip", reason, kind)

    # Headers only: an event's trace may list hundreds of thousands of ids.
    earlier = [e for e in event_headers_for(db, outage_id) if e.id < event_id]
    if event_kind is EventKind.CANCELLED and not outage_has_deliveries(
        db, outage_id, before_event=event_id
    ):
        return skip("cancelled before anyone was told")
    stale = gone_stale(db, event)
    if stale is not None:
        return skip(stale)  # e.g. a deferred notice gone stale

    previous = None
    changed = event.changed
    if event_kind is EventKind.UPDATED and is_water_notice(outage_kind) and "kind" in changed:
        # boil water → do not drink (or back): residents must hear it whatever the time
        return Decision(
            "send", "", kind, previous_ends_at=_last_told_estimate(db, outage_id, earlier)
        )
    if event_kind is EventKind.UPDATED:
        if "estimated_end_at" not in changed:
            return skip("no restoration-time change")
        previous = _last_told_estimate(db, outage_id, earlier)
        threshold = timedelta(minutes=notifier.restoration_change_min_minutes)
        if estimated is None and previous is None:
            return skip("no estimate before or after")
        if (
            estimated is not None
            and previous is not None
            and abs(estimated - previous) <= threshold
        ):
            return skip("restoration time moved less than the threshold")

    if event.service is Service.ELECTRICITY:
        minimum = timedelta(minutes=notifier.electricity_min_minutes)
        end = ended or estimated
        if end is not None and end - starts < minimum:
            told = outage_has_deliveries(db, outage_id, before_event=event_id)
            if not (event_kind is EventKind.RESOLVED and told):
                return skip("electricity outage shorter than the minimum")
        if (
            event_kind is EventKind.PUBLISHED
            and outage_kind is OutageKind.UNPLANNED
            and end is None
            and now < starts + minimum
        ):
            return Decision("defer", "held for the minimum duration", kind, starts + minimum)

    not_before = now
    if event_kind is EventKind.PUBLISHED and outage_kind is OutageKind.PLANNED:
        days = notifier.planned_notice_days
        if days is not None and starts - now > timedelta(days=days):
            not_before = _at_hour(starts - timedelta(days=days), notifier.reminder_hour, timezone)
    if outage_kind is OutageKind.PLANNED and kind is not MessageKind.RESOLVED:
        quiet_end = quiet_hours_end(not_before, notifier, timezone)
        if quiet_end is not None and starts > quiet_end:
            not_before = quiet_end
    if not_before > now:
        return Decision("defer", "planned works: later or outside quiet hours", kind, not_before)
    return Decision("send", "", kind, previous_ends_at=previous)


def _last_told_estimate(
    db: Engine, outage_id: int, earlier: list[OutageEvent]
) -> datetime | None:
    """The estimate of the latest earlier event that was messaged (else the published)."""
    told = events_with_deliveries(db, outage_id)
    candidates = [
        e
        for e in earlier
        if e.kind in (EventKind.PUBLISHED, EventKind.UPDATED, EventKind.REMINDER)
    ]
    messaged = [e for e in candidates if e.id in told]
    source = (
        messaged[-1]
        if messaged
        else next((e for e in candidates if e.kind is EventKind.PUBLISHED), None)
    )
    if source is None:
        return None
    return source.estimated_end_at


def _at_hour(when: datetime, hour: int, timezone: str) -> datetime:
    """`when`'s local date at `hour`:00 (a daytime hour for a notice)."""
    local = when.astimezone(ZoneInfo(timezone))
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the usual case: across midnight


def quiet_hours_end(when: datetime, notifier: NotifySettings, timezone: str) -> datetime | None:
    """When the quiet hours `when` falls in end; None when `when` is not in them."""
    start, end = notifier.quiet_hours_start, notifier.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(timezone)
    local = when.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
