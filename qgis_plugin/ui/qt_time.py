"""QDateTime ↔ aware datetime: the API wants time zones, Qt edits local time."""

from __future__ import annotations

from datetime import datetime, timezone

from qgis.PyQt.QtCore import QDateTime


def to_datetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=timezone.utc)


def to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def local_text(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""
