"""The dock's field actions on an active outage: stuck device, restore part, back-feed,
device findings.

Each change goes to the server twice, through the dock's task runner (QgsTask), so QGIS
stays responsive: first without `confirm` (the difference, drawn on the map as preview
layers and summed up in a dialog), then, if the engineer confirms, with `confirm` true.
Confirm redraws the outage as the server now stores it and refreshes the list; Cancel
only removes the preview layers. Errors are the server's words (error.plain).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qgis.core import Qgis, QgsProject, QgsRectangle

from ..core.client import ApiClient
from ..core.errors import ApiError
from ..core.field import BACKFEED, RESTORE, STUCK, Difference, Suggestion, outage_trace
from ..core.models import PUBLISHED, RESOLVED, Outage
from ..integration.difference_layers import (
    DifferenceLayers,
    extent_in,
    remove_difference_layers,
    show_difference,
)
from ..integration.i18n import tr
from ..integration.result_layers import remove_trace_layers, show_trace
from .field_dialogs import BackfeedDialog, FindingDialog, RestoreDialog, StuckDialog
from .field_preview import PreviewDialog

# call(client, confirm, expected_version) → the API's answer
# {"confirmed", "difference"[, "outage"]}
Call = Callable[[ApiClient, bool, "int | None"], Any]


class FieldActions:
    def __init__(self, dock) -> None:
        self.dock = dock
        self.dialog = None  # the request being asked for
        self.preview: PreviewDialog | None = None
        self.layers: DifferenceLayers | None = None
        self.difference: Difference | None = None
        self.answer: dict | None = None  # the last confirmed answer
        self.saved_findings: list[dict] | None = None  # the server's device states

    # --- asking ----------------------------------------------------------------------
    def start(self, action: str, outage: Outage) -> None:
        net = self.dock.network
        self._close_dialog()
        # The requests are read from the widgets here, on the GUI thread: the calls run
        # in a QgsTask's thread, which must not touch widgets.
        if action == STUCK:
            dialog = StuckDialog(outage, net.selected_devices, self.dock)
            dialog.accepted.connect(lambda: self._stuck(outage, dialog))
        elif action == RESTORE:
            dialog = RestoreDialog(outage, net.selected_links, net.selected_devices, self.dock)
            dialog.accepted.connect(lambda: self._restore(outage, dialog))
        else:
            dialog = BackfeedDialog(outage, self.dock)
            dialog.reload_requested.connect(lambda: self.load_suggestions(outage, dialog))
            dialog.accepted.connect(lambda: self._apply_backfeed(outage, dialog))
            self.load_suggestions(outage, dialog)
        self.dialog = dialog
        dialog.open()

    def _stuck(self, outage: Outage, dialog: StuckDialog) -> None:
        devices = dialog.devices.ids()
        self.preview_change(outage, STUCK, lambda c, ok, v: c.stuck(outage.id, devices, ok, v))

    def _restore(self, outage: Outage, dialog: RestoreDialog) -> None:
        links, devices = dialog.links.ids(), dialog.devices.ids()
        everything = dialog.everything.isChecked()
        self.preview_change(outage, RESTORE, lambda c, ok, v: c.restore(
            outage.id, links, devices, everything, ok, v))

    def load_suggestions(self, outage: Outage, dialog: BackfeedDialog) -> None:
        radial = dialog.radial_choice
        dialog.set_suggestions([], tr("Loading suggestions…"))
        dialog.asked += 1
        asked = dialog.asked

        def done(found: list[dict] | None, error: ApiError | None) -> None:
            if asked != dialog.asked:  # the radial option changed meanwhile: a newer ask
                return
            if error is not None:
                dialog.set_suggestions([], error.plain(tr))
                self.dock.show_error(error)
                return
            dialog.set_suggestions([Suggestion.from_json(s) for s in found])

        self.dock._run(tr("Back-feed suggestions for outage {id}").format(id=outage.id),
                       lambda c: c.backfeed_suggestions(outage.id, radial), done)

    def _apply_backfeed(self, outage: Outage, dialog: BackfeedDialog) -> None:
        chosen, radial = dialog.chosen(), dialog.radial_choice
        self.preview_change(outage, BACKFEED,
                            lambda c, ok, v: c.backfeed(outage.id, chosen.device, radial, ok, v),
                            backfeed=(chosen.device,))

    def findings(self, service: str) -> None:
        self._close_dialog()
        dialog = FindingDialog(service, self.dock.network.selected_devices, self.dock)
        dialog.accepted.connect(lambda: self._set_findings(dialog))
        self.dialog = dialog
        dialog.open()

    def _set_findings(self, dialog: FindingDialog) -> None:
        devices, finding = dialog.devices.ids(), dialog.finding.currentData() or None
        note, service = dialog.note.text().strip() or None, dialog.service

        def work(client: ApiClient) -> list[dict]:
            return [client.set_device(service, d, finding=finding, note=note) for d in devices]

        def done(saved: list[dict] | None, error: ApiError | None) -> None:
            if error is not None:
                self.dock.show_error(error)
                return
            self.saved_findings = saved
            self.dock.show_message(tr("Saved for {n} devices: {finding}.").format(
                n=len(devices), finding=dialog.finding.currentText()), Qgis.Success)
            if self.dock.field_state.is_shown():
                self.dock.field_state.refresh()

        self.dock._run(tr("Saving device findings"), work, done)

    # --- preview, confirm, cancel ------------------------------------------------------
    def preview_change(self, outage: Outage, action: str, call: Call,
                       backfeed: tuple[str, ...] = ()) -> bool:
        network = self.dock.network.network()  # as chosen now, not when the answer comes
        self.discard()

        def done(answer: dict | None, error: ApiError | None) -> None:
            self.dock.outage_list.set_busy(False)
            if error is not None:
                self.dock.show_error(error)
                return
            self.difference = Difference.from_json(answer["difference"])
            project = QgsProject.instance()
            self.layers = show_difference(self.difference, network, project, backfeed)
            self._show_on_map(self.layers)
            self.preview = PreviewDialog(outage.id, action, self.difference, self.layers,
                                         outage.status == PUBLISHED, self.dock)
            self.preview.accepted.connect(lambda: self._confirm(outage, call, network))
            self.preview.rejected.connect(self.discard)
            self.preview.open()

        self.dock.outage_list.set_busy(True)
        started = self.dock._run(tr("Previewing the change to outage {id}").format(
            id=outage.id), lambda c: call(c, False, None), done)
        if not started:
            self.dock.outage_list.set_busy(False)
        return started

    def _show_on_map(self, layers: DifferenceLayers) -> None:
        """Zoom out, if need be, so the map shows every feature of the difference."""
        canvas = self.dock.iface.mapCanvas() if self.dock.iface is not None else None
        if canvas is None:
            return
        extent = extent_in(layers, canvas.mapSettings().destinationCrs(),
                           QgsProject.instance())
        visible = canvas.extent()
        if extent is None or visible.contains(extent):
            return
        wanted = QgsRectangle(visible)
        wanted.combineExtentWith(extent.buffered(max(extent.width(), extent.height()) * 0.1))
        canvas.setExtent(wanted)
        canvas.refresh()

    def _confirm(self, outage: Outage, call: Call, network) -> None:
        self.preview = None
        # Stored only if the outage is still as previewed (else 409, nothing stored).
        version = self.difference.outage_version if self.difference is not None else None

        def done(answer: dict | None, error: ApiError | None) -> None:
            self.dock.outage_list.set_busy(False)
            self.discard()
            if error is not None:
                self.dock.show_error(error)
            else:
                self.answer = answer
                self._show_outage(answer["outage"], network)
                if self.dock.field_state.is_shown():
                    self.dock.field_state.refresh()
            self.dock.refresh_outages(select=outage.id)

        self.dock.outage_list.set_busy(True)
        if not self.dock._run(tr("Changing outage {id}").format(id=outage.id),
                              lambda c: call(c, True, version), done):
            self.dock.outage_list.set_busy(False)
            self.discard()

    def _show_outage(self, stored: dict, network) -> None:
        """The outage as the server now stores it: its layers replace the trace's."""
        project = QgsProject.instance()
        if stored["status"] == RESOLVED:  # nothing left to draw
            remove_trace_layers(project)
            self.dock.result_layers = None
            self.dock.show_message(tr("Outage {id} is resolved: nothing is left.").format(
                id=stored["id"]), Qgis.Success)
            return
        now = outage_trace(stored)
        self.dock.result_layers = show_trace(now, network, project)
        self.dock.show_message(
            tr("Outage {id} is changed: {customers} customers without supply now.").format(
                id=stored["id"], customers=now.customers), Qgis.Success)

    def discard(self) -> None:
        """Remove the preview layers (cancel, after confirm, before a new preview)."""
        preview, self.preview = self.preview, None
        if preview is not None:
            preview.close()  # its rejected signal comes back here, with nothing left to do
        self.layers = None
        remove_difference_layers(QgsProject.instance())

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None

    def shutdown(self) -> None:
        self._close_dialog()
        self.discard()
