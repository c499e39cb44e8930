"""A label under a message text that counts SMS parts as the engineer types."""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QLabel, QPlainTextEdit

from ..core.sms import GSM7, count_sms
from ..integration.i18n import tr


class SmsCounter(QLabel):
    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__()
        self._editor = editor
        # The notifier's template wraps this text (service, streets, times), so the
        # count here is for this text alone; the server has no preview of the whole SMS.
        self.setToolTip(tr("Counts this text only. The message template adds the "
                           "service, streets and times around it."))
        editor.textChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        count = count_sms(self._editor.toPlainText())
        encoding = tr("GSM-7") if count.encoding == GSM7 else tr("UCS-2, special characters")
        self.setText(tr("{characters} characters · {fragments} SMS ({encoding})").format(
            characters=count.characters, fragments=count.fragments, encoding=encoding))
        self.fragments = count.fragments
