"""Server address and API token; stored in QGIS's authentication database."""

from __future__ import annotations

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ..core.client import ApiClient
from ..core.errors import ApiError
from ..integration import credentials
from ..integration.i18n import tr
from ..integration.network import qgis_transport
from ..integration.tasks import TaskRunner


class SettingsDialog(QDialog):
    saved = pyqtSignal()

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Outage server settings"))
        self._runner = runner
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://outages.example.org")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.Password)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.clicked.connect(self.test_connection)

        form = QFormLayout()
        form.addRow(tr("Server address"), self.url)
        form.addRow(tr("API token"), self.token)
        note = QLabel(tr("The token is kept in the QGIS authentication database, "
                         "protected by your master password."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.test_button)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        stored = credentials.load_connection()
        if stored is not None:
            self.url.setText(stored.url)
            self.token.setText(stored.token)

    def test_connection(self) -> None:
        try:
            client = ApiClient(self.url.text(), self.token.text(), timeout=15,
                               transport=qgis_transport)
        except ApiError as exc:
            self.status.setText(exc.plain(tr))
            return
        self.status.setText(tr("Connecting…"))
        self.test_button.setEnabled(False)
        self._runner.start(tr("Testing the outage server connection"),
                           lambda: client.list_outages(("draft",)), self._tested)

    def _tested(self, value, error: ApiError | None) -> None:
        self.test_button.setEnabled(True)
        if error is not None:
            self.status.setText(error.plain(tr))
        else:
            self.status.setText(tr("Connected: the server accepted the token."))

    def save(self) -> None:
        try:
            credentials.save_connection(self.url.text(), self.token.text())
        except credentials.CredentialError as exc:
            self.status.setText(tr("Could not store the token: {reason}").format(reason=exc))
            return
        self.saved.emit()
        self.accept()
