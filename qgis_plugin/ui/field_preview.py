"""The difference of a field change, summed up beside its preview layers: Confirm or Cancel.

Not modal, so the engineer can pan and zoom the map over the preview layers meanwhile.
"""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ..core.field import BACKFEED, RESTORE, STUCK, Difference
from ..integration.difference_layers import DifferenceLayers
from ..integration.i18n import tr
from .labels import critical_label


def _listed(ids: tuple[str, ...], most: int = 12) -> str:
    shown = ", ".join(ids[:most])
    return shown + (" …" if len(ids) > most else "")


def summary_lines(difference: Difference, layers: DifferenceLayers | None = None) -> list[str]:
    d = difference
    lines = [tr("Critical customer newly affected: {point} ({category}) at {address}").format(
        point=p, category=critical_label(c), address=a or "–") for p, c, a in d.critical_added]
    lines += [tr("Critical customer no longer affected: {point} ({category})").format(
        point=p, category=critical_label(c)) for p, c, _ in d.critical_removed]
    lines += [
        tr("+ Devices to operate: {n} {ids}").format(n=len(d.devices_added),
                                                    ids=_listed(d.devices_added)),
        tr("− Devices to operate: {n} {ids}").format(n=len(d.devices_removed),
                                                    ids=_listed(d.devices_removed)),
        tr("+ Affected addresses: {n}").format(n=len(d.addresses_added)),
        tr("Addresses supplied again: {n}").format(n=len(d.supplied_again)),
    ]
    if d.still_cut_off:
        lines.append(tr("No longer in this outage but still cut off by another: {n}").format(
            n=len(d.still_cut_off)))
    lines.append(tr("Customers: {before} → {after} ({change:+d})").format(
        before=d.customers_before, after=d.customers_after, change=d.customers_change))
    lines.append(tr("Work area after the change: {n} links").format(n=len(d.work_links)))
    if layers is not None:
        lines += [tr("{layer}: {n} not found in the chosen layer").format(layer=name, n=n)
                  for name, n in layers.missing.items()]
    if d.changes_nothing:
        lines.append(tr("This changes nothing for the outage's addresses."))
    return lines


class PreviewDialog(QDialog):
    def __init__(self, outage_id: int, action: str, difference: Difference,
                 layers: DifferenceLayers | None, published: bool, parent=None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.difference = difference
        self.setWindowTitle({
            STUCK: tr("Stuck device: outage {id}"),
            RESTORE: tr("Restore part: outage {id}"),
            BACKFEED: tr("Back-feed: outage {id}"),
        }[action].format(id=outage_id))
        self.summary = QLabel("\n".join(summary_lines(difference, layers)))
        self.summary.setWordWrap(True)
        self.note = note = QLabel(
            tr("The map shows the difference. On confirm the newly affected get the start "
               "message and those supplied again the all-clear.") if published else
            tr("The map shows the difference. The outage is a draft: nobody is told yet."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.confirm_button = buttons.button(QDialogButtonBox.Ok)
        self.confirm_button.setText(tr("Confirm"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(note)
        layout.addWidget(buttons)
