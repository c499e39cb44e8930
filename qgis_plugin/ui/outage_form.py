"""The outage form: service, planned or not, times, cause and the texts per language."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.models import KINDS, LANGUAGES, MAX_CAUSE, SERVICES, OutageDraft, Selection, TraceResult
from ..integration.i18n import tr
from .labels import draft_problem, kind_label, language_label, service_label
from .qt_time import to_datetime, to_qdatetime
from .sms_counter import SmsCounter

DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


def _next_quarter(now: datetime) -> datetime:
    now = now.replace(second=0, microsecond=0)
    return now + timedelta(minutes=(15 - now.minute % 15) % 15)


class OutageForm(QDialog):
    """Emits `submitted(draft, publish)`; the dock sends it and closes the form."""

    submitted = pyqtSignal(object, bool)

    def __init__(self, selection: Selection, trace: TraceResult, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New outage"))
        self.selection = selection

        self.service = QComboBox()
        for name in SERVICES:
            self.service.addItem(service_label(name), name)
        self.service.setCurrentIndex(SERVICES.index(trace.service))
        self.service.setEnabled(False)  # the trace was made on this service's network
        self.kind = QComboBox()
        for name in KINDS:
            self.kind.addItem(kind_label(name), name)
        self.kind.setCurrentIndex(KINDS.index("unplanned"))
        start = _next_quarter(datetime.now(timezone.utc))
        self.starts_at = self._time_edit(start)
        self.estimated_end_at = self._time_edit(start + timedelta(hours=4))
        self.end_known = QCheckBox(tr("known"))
        self.end_known.setChecked(True)
        self.end_known.toggled.connect(self.estimated_end_at.setEnabled)
        end_row = QHBoxLayout()
        end_row.addWidget(self.estimated_end_at, 1)
        end_row.addWidget(self.end_known)
        self.cause = QLineEdit()
        self.cause.setMaxLength(MAX_CAUSE)
        self.cause.setPlaceholderText(tr("e.g. Water main leak"))

        self.texts: dict[str, QPlainTextEdit] = {}
        self.counters: dict[str, SmsCounter] = {}
        tabs = QTabWidget()
        for lang in LANGUAGES:
            editor = QPlainTextEdit()
            editor.setPlaceholderText(tr("What residents read about the cause and what to do"))
            counter = SmsCounter(editor)
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.addWidget(editor)
            page_layout.addWidget(counter)
            tabs.addTab(page, language_label(lang))
            self.texts[lang], self.counters[lang] = editor, counter

        summary = QLabel(tr("{customers} customers; streets: {streets}").format(
            customers=trace.customers, streets=", ".join(trace.streets) or "–"))
        summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")

        form = QFormLayout()
        form.addRow(tr("Service"), self.service)
        form.addRow(tr("Kind"), self.kind)
        form.addRow(tr("Starts"), self.starts_at)
        form.addRow(tr("Estimated end"), end_row)
        form.addRow(tr("Cause"), self.cause)
        self.save_button = QPushButton(tr("Save as draft"))
        self.publish_button = QPushButton(tr("Publish"))
        self.publish_button.setDefault(True)
        close_button = QPushButton(tr("Close"))
        self.save_button.clicked.connect(lambda: self._submit(publish=False))
        self.publish_button.clicked.connect(lambda: self._submit(publish=True))
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (close_button, self.save_button, self.publish_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("Message text per language")))
        layout.addWidget(tabs, 1)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

    @staticmethod
    def _time_edit(value: datetime) -> QDateTimeEdit:
        edit = QDateTimeEdit(to_qdatetime(value))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(DATETIME_FORMAT)
        return edit

    def draft(self) -> OutageDraft:
        return OutageDraft(
            service=self.service.currentData(),
            kind=self.kind.currentData(),
            starts_at=to_datetime(self.starts_at.dateTime()),
            estimated_end_at=(to_datetime(self.estimated_end_at.dateTime())
                              if self.end_known.isChecked() else None),
            cause=self.cause.text(),
            texts={lang: editor.toPlainText() for lang, editor in self.texts.items()},
            selection=self.selection,
        )

    def _submit(self, publish: bool) -> None:
        draft = self.draft()
        problems = draft.problems()
        if problems:
            self.problem.setText("\n".join(draft_problem(p) for p in problems))
            return
        self.problem.clear()
        self.set_busy(True)
        self.submitted.emit(draft, publish)

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.publish_button.setEnabled(not busy)

    def show_problem(self, text: str) -> None:
        self.set_busy(False)
        self.problem.setText(text)
