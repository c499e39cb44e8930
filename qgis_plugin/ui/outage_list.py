"""The outages with status and delivery figures, and the actions on the selected one."""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.field import BACKFEED, RESTORE, STUCK
from ..core.models import ACTIVE, CANCELLED, PUBLISHED, RESOLVED, Outage, delivery_summary
from ..integration.i18n import tr
from .labels import delivery_label, kind_label, service_label, status_label
from .qt_time import local_text

PUBLISH, RESTORATION, RESOLVE, CANCEL = "publish", "restoration", "resolve", "cancel"
CREW_SHEET = "crew_sheet"
FIELD_ACTIONS = (STUCK, RESTORE, BACKFEED)  # on an active outage, previewed on the map


class OutageList(QWidget):
    refresh_requested = pyqtSignal()
    action_requested = pyqtSignal(str, object)  # action, Outage

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.outages: list[Outage] = []
        self.which = QComboBox()
        self.which.addItem(tr("Draft and published"), ACTIVE)
        self.which.addItem(tr("All"), ())
        self.which.currentIndexChanged.connect(lambda _: self.refresh_requested.emit())
        self.refresh_button = QPushButton(tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh_requested.emit)

        headers = [tr("Id"), tr("Service"), tr("Kind"), tr("Status"), tr("Starts"),
                   tr("Estimated end"), tr("Customers"), tr("Area"), tr("Messages"),
                   tr("Created by")]
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._enable_actions)

        self.buttons = {
            PUBLISH: QPushButton(tr("Publish")),
            RESTORATION: QPushButton(tr("Restoration time…")),
            RESOLVE: QPushButton(tr("Resolve")),
            CANCEL: QPushButton(tr("Cancel outage")),
            CREW_SHEET: QPushButton(tr("Crew sheet")),
            STUCK: QPushButton(tr("Report stuck device…")),
            RESTORE: QPushButton(tr("Restore part…")),
            BACKFEED: QPushButton(tr("Back-feed…")),
        }
        for action, button in self.buttons.items():
            button.clicked.connect(lambda _=False, a=action: self._request(a))

        top = QHBoxLayout()
        top.addWidget(self.which, 1)
        top.addWidget(self.refresh_button)
        actions, field = QHBoxLayout(), QHBoxLayout()
        for action, button in self.buttons.items():
            (field if action in FIELD_ACTIONS else actions).addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(field)
        self._enable_actions()

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.which.currentData() or ())

    def set_outages(self, outages: list[Outage]) -> None:
        selected = self.selected()
        self.outages = sorted(outages, key=lambda o: -o.id)
        self.table.setRowCount(len(self.outages))
        for row, outage in enumerate(self.outages):
            cells = [str(outage.id), service_label(outage.service), kind_label(outage.kind),
                     status_label(outage.status), local_text(outage.starts_at),
                     local_text(outage.ended_at or outage.estimated_end_at),
                     str(outage.customers), outage.area_description,
                     delivery_summary(outage.deliveries, delivery_label), outage.created_by]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 6):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        if selected is not None:
            self.select(selected.id)
        self._enable_actions()

    def select(self, outage_id: int) -> bool:
        for row, outage in enumerate(self.outages):
            if outage.id == outage_id:
                self.table.selectRow(row)
                return True
        return False

    def selected(self) -> Outage | None:
        rows = self.table.selectionModel().selectedRows()
        return self.outages[rows[0].row()] if rows else None

    def set_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)
        self._enable_actions(busy)

    def _enable_actions(self, busy: bool = False) -> None:
        outage = None if busy else self.selected()
        self.buttons[PUBLISH].setEnabled(bool(outage and outage.can(PUBLISHED)))
        self.buttons[RESTORATION].setEnabled(bool(outage and outage.editable))
        self.buttons[RESOLVE].setEnabled(bool(outage and outage.can(RESOLVED)))
        self.buttons[CANCEL].setEnabled(bool(outage and outage.can(CANCELLED)))
        self.buttons[CREW_SHEET].setEnabled(outage is not None)
        for action in FIELD_ACTIONS:
            self.buttons[action].setEnabled(bool(outage and outage.editable))

    def _request(self, action: str) -> None:
        outage = self.selected()
        if outage is not None:
            self.action_requested.emit(action, outage)
