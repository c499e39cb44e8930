"""The periodic jobs of the notifier (day-before reminders, retention) and their cadence,
which the embedded worker and Celery beat both follow."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from ..config import Settings
from ..model import OutageKind, OutageStatus
from ..storage.outages import add_reminder_once, list_outages
from ..storage.retention import RetentionResult, run_retention
from ..storage.schema import utcnow

log = logging.getLogger(__name__)
ACTOR = "notifier"


def schedule_reminders(db: Engine, settings: Settings, *, now: datetime | None = None) -> list[int]:
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
    for outage in list_outages(db, status=OutageStatus.PUBLISHED, header=True):
        if outage.kind != OutageKind.PLANNED:
            continue
        if outage.starts_at.astimezone(zone).date() != tomorrow:
            continue
        event_id = add_reminder_once(
            db,
            outage.id,
            announced_before=tomorrow - timedelta(days=1),
            zone=zone,
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
