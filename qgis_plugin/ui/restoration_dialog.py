"""Ask for a new estimated restoration time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from qgis.PyQt.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ..core.models import Outage
from ..integration.i18n import tr
from .qt_time import to_datetime, to_qdatetime

DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


class RestorationDialog(QDialog):
    def __init__(self, outage: Outage, parent=None) -> None:
        super().__init__(parent)
        self.outage = outage
        self.setWindowTitle(tr("Restoration time of outage {id}").format(id=outage.id))
        current = outage.estimated_end_at or datetime.now(timezone.utc) + timedelta(hours=2)
        self.time = QDateTimeEdit(to_qdatetime(current))
        self.time.setCalendarPopup(True)
        self.time.setDisplayFormat(DATETIME_FORMAT)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(tr("Residents of a published outage are told the new time."))
        note.setWordWrap(True)
        layout.addWidget(QLabel(tr("Supply is expected back at")))
        layout.addWidget(self.time)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def value(self) -> datetime:
        return to_datetime(self.time.dateTime())
