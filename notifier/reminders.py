"""Day-before reminders for planned works, written as `reminder` events.

Once a day from the reminder hour (utility time), every published planned outage that
starts tomorrow gets one reminder event, which the outbox then delivers like any other.
Works published only the day before (or later) get none: their notice is fresh.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.model import EventKind, OutageKind, OutageStatus
from gis_outage.storage.db import write_transaction
from gis_outage.storage.outages import add_reminder, list_outages
from gis_outage.storage.schema import outage_events, outages, utcnow

log = logging.getLogger(__name__)
ACTOR = "notifier"


def schedule_reminders(
    db: Engine, *, timezone: str, reminder_hour: int, now: datetime | None = None
) -> list[int]:
    """Write the reminder events that are due; returns their ids."""
    now = now or utcnow()
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    if local.hour < reminder_hour:
        return []
    tomorrow = local.date() + timedelta(days=1)
    written = []
    for outage in list_outages(db, status=OutageStatus.PUBLISHED):
        if outage["kind"] != OutageKind.PLANNED:
            continue
        if outage["starts_at"].astimezone(zone).date() != tomorrow:
            continue
        event_id = _remind_once(db, outage["id"], before=tomorrow - timedelta(days=1), zone=zone)
        if event_id is not None:
            written.append(event_id)
    if written:
        log.info("wrote %d day-before reminders", len(written))
    return written


def _remind_once(db: Engine, outage_id: int, before, zone: ZoneInfo) -> int | None:
    with write_transaction(db) as conn:
        # Lock the outage row (PostgreSQL; SQLite's write lock is already ours), so two
        # schedulers cannot both see "no reminder yet".
        conn.execute(sa.select(outages.c.id).where(outages.c.id == outage_id).with_for_update())
        events = conn.execute(
            sa.select(outage_events.c.kind, outage_events.c.created_at).where(
                outage_events.c.outage_id == outage_id
            )
        ).all()
        if any(kind == EventKind.REMINDER for kind, _ in events):
            return None
        published = [at for kind, at in events if kind == EventKind.PUBLISHED]
        if not published or min(published).astimezone(zone).date() >= before:
            return None  # announced only the day before: no reminder needed
        return add_reminder(conn, outage_id, ACTOR)
