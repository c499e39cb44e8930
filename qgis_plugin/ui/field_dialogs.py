"""What the engineer asks of an outage in the field: the ids, chosen on the map or typed.

Each dialog only gathers the request; `field_actions.FieldActions` previews it on the map
and asks the server. Ids are typed (comma- or space-separated) or taken from the features
selected on the network layers with "Use the selection".
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from ..core.field import FINDINGS, Suggestion, parse_ids
from ..core.models import Outage
from ..integration.i18n import tr

Ids = Callable[[], list[str]]


class _IdsField:
    """A line edit of ids with a button that fills it from a layer's selection."""

    def __init__(self, selected: Ids) -> None:
        self.edit = QLineEdit()
        self.button = QPushButton(tr("Use the selection"))
        self.button.clicked.connect(lambda: self.edit.setText(", ".join(selected())))
        self.edit.setText(", ".join(selected()))

    def ids(self) -> list[str]:
        return parse_ids(self.edit.text())


class _Dialog(QDialog):
    def __init__(self, title: str, note: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.grid = QGridLayout()
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(tr("Preview on the map"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        text = QLabel(note)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addLayout(self.grid)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def check(self) -> str:
        """'' when the request can go, else what is missing."""
        return ""

    def _ok(self) -> None:
        problem = self.check()
        self.problem.setText(problem)
        if not problem:
            self.accept()


class StuckDialog(_Dialog):
    def __init__(self, outage: Outage, selected_devices: Ids, parent=None) -> None:
        super().__init__(
            tr("Stuck device on outage {id}").format(id=outage.id),
            tr("Devices that will not operate: the outage is planned again without them, "
               "and they stay inoperable for later traces once confirmed."), parent)
        self.devices = _IdsField(selected_devices)
        self.grid.addWidget(QLabel(tr("Devices")), 0, 0)
        self.grid.addWidget(self.devices.edit, 0, 1)
        self.grid.addWidget(self.devices.button, 0, 2)

    def check(self) -> str:
        return "" if self.devices.ids() else tr("Select or type at least one device.")


class RestoreDialog(_Dialog):
    def __init__(self, outage: Outage, selected_links: Ids, selected_devices: Ids,
                 parent=None) -> None:
        super().__init__(
            tr("Restore part of outage {id}").format(id=outage.id),
            tr("Links of the work area that are repaired and devices of the outage operated "
               "back to normal; addresses supplied again get the all-clear on confirm."),
            parent)
        self.links = _IdsField(selected_links)
        self.devices = _IdsField(selected_devices)
        self.everything = QCheckBox(tr("Everything: the whole work area and every device"))
        self.everything.toggled.connect(self._toggle)
        for row, (label, ids) in enumerate(((tr("Links"), self.links),
                                            (tr("Devices"), self.devices))):
            self.grid.addWidget(QLabel(label), row, 0)
            self.grid.addWidget(ids.edit, row, 1)
            self.grid.addWidget(ids.button, row, 2)
        self.grid.addWidget(self.everything, 2, 0, 1, 3)

    def _toggle(self, on: bool) -> None:
        for ids in (self.links, self.devices):
            ids.edit.setEnabled(not on)
            ids.button.setEnabled(not on)

    def check(self) -> str:
        if self.everything.isChecked() or self.links.ids() or self.devices.ids():
            return ""
        return tr("Select or type links or devices, or restore everything.")


class BackfeedDialog(_Dialog):
    """The server's suggestions, most customers restored first; `reload_requested` asks
    for them again (with the radial option as now set)."""

    reload_requested = pyqtSignal()

    def __init__(self, outage: Outage, parent=None) -> None:
        super().__init__(
            tr("Back-feed for outage {id}").format(id=outage.id),
            tr("Devices whose operation feeds part of the outage back from another source "
               "without feeding a work area, most customers first."), parent)
        self.electricity = outage.service == "electricity"
        self.radial = QCheckBox(tr("Keep the network radial (no two sources meshed)"))
        self.radial.setChecked(self.electricity)
        self.radial.setVisible(self.electricity)
        self.radial.toggled.connect(lambda _: self.reload_requested.emit())
        self.list = QListWidget()
        self.status = QLabel(tr("Loading suggestions…"))
        self.grid.addWidget(self.radial, 0, 0)
        self.grid.addWidget(self.list, 1, 0)
        self.grid.addWidget(self.status, 2, 0)
        self.suggestions: list[Suggestion] = []
        self.asked = 0  # suggestions asked for so far: only the last answer is shown

    @property
    def radial_choice(self) -> bool | None:
        """None: the server's default (radial for electricity); False overrides."""
        return self.radial.isChecked() if self.electricity else None

    def set_suggestions(self, suggestions: list[Suggestion] | None, problem: str = "") -> None:
        self.suggestions = list(suggestions or [])
        self.list.clear()
        for s in self.suggestions:
            text = tr("{device}: {customers} customers supplied again").format(
                device=s.device, customers=s.customers)
            if s.meshed:
                text += " · " + tr("meshes two feeders")
            self.list.addItem(QListWidgetItem(text))
        if self.suggestions:
            self.list.setCurrentRow(0)
        self.status.setText(problem or ("" if self.suggestions else
                                        tr("No device feeds this outage back.")))

    def chosen(self) -> Suggestion | None:
        row = self.list.currentRow()
        return self.suggestions[row] if 0 <= row < len(self.suggestions) else None

    def check(self) -> str:
        return "" if self.chosen() is not None else tr("Choose a suggestion.")


class FindingDialog(_Dialog):
    """A device found inoperable or not found, or the finding cleared: no preview, the
    next trace uses it."""

    def __init__(self, service: str, selected_devices: Ids, parent=None) -> None:
        super().__init__(
            tr("Device findings"),
            tr("Devices found inoperable or not found stay so for every later trace until "
               "cleared. Saving sets the device's whole field state: a position set by hand "
               "goes back to normal."), parent)
        self.buttons.button(QDialogButtonBox.Ok).setText(tr("Save"))
        self.service = service
        self.devices = _IdsField(selected_devices)
        self.finding = QComboBox()
        for value, label in ((FINDINGS[0], tr("Inoperable")), (FINDINGS[1], tr("Not found")),
                             ("", tr("Clear the finding"))):
            self.finding.addItem(label, value)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.grid.addWidget(QLabel(tr("Devices")), 0, 0)
        self.grid.addWidget(self.devices.edit, 0, 1)
        self.grid.addWidget(self.devices.button, 0, 2)
        self.grid.addWidget(QLabel(tr("Finding")), 1, 0)
        self.grid.addWidget(self.finding, 1, 1, 1, 2)
        self.grid.addWidget(QLabel(tr("Note")), 2, 0)
        self.grid.addWidget(self.note, 2, 1, 1, 2)

    def check(self) -> str:
        return "" if self.devices.ids() else tr("Select or type at least one device.")
