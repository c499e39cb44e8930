"""The engineer's dock: network and selection → trace → outage form → outage list.

Every server call goes through `self.runner` (QgsTask), so QGIS stays responsive;
answers come back on the GUI thread and errors are shown in plain words.
"""

from __future__ import annotations

from typing import Any

from qgis.core import Qgis, QgsCoordinateReferenceSystem, QgsGeometry, QgsProject, QgsWkbTypes
from qgis.gui import QgsDockWidget, QgsRubberBand
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QColor, QDesktopServices
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..core.client import ApiClient
from ..core.errors import NOT_CONFIGURED, ApiError
from ..core.models import AREA, BREAK, OPERATE, Outage, OutageDraft, Selection, TraceResult
from ..integration import credentials
from ..integration.i18n import tr
from ..integration.network import qgis_transport
from ..integration.network_layers import NetworkLayers, area_to_geojson, load_geopackage
from ..integration.result_layers import ResultLayers, show_trace
from ..integration.tasks import TaskRunner
from .area_tool import DrawAreaTool
from .field_actions import FieldActions
from .field_state import FieldStateView
from .labels import critical_label, status_label
from .network_panel import NetworkPanel
from .outage_form import OutageForm
from .outage_list import (
    CANCEL,
    CREW_SHEET,
    FIELD_ACTIONS,
    PUBLISH,
    RESOLVE,
    RESTORATION,
    OutageList,
)
from .restoration_dialog import RestorationDialog
from .settings_dialog import SettingsDialog

ERROR_STYLE = "color: #b00020"


class OutageDock(QgsDockWidget):
    def __init__(self, iface, parent=None) -> None:
        super().__init__(tr("Outages"), parent)
        self.setObjectName("GisOutageDock")
        self.iface = iface
        self.runner = TaskRunner()
        self.trace_result: TraceResult | None = None
        self.trace_selection: Selection | None = None
        self.result_layers: ResultLayers | None = None
        self.area: QgsGeometry | None = None
        self.area_crs = QgsCoordinateReferenceSystem()
        self.outage_form: OutageForm | None = None
        self.last_outage: Outage | None = None  # the one the form last saved or published
        self.settings_dialog: SettingsDialog | None = None
        self.restoration_dialog: RestorationDialog | None = None
        self._area_tool: DrawAreaTool | None = None
        self._area_band: QgsRubberBand | None = None
        self._listed = False  # the outage list is loaded when the dock is first shown
        self._build()
        self.field = FieldActions(self)  # stuck device, restore part, back-feed, findings
        self.field_state = FieldStateView(self)  # the "Field state" layer
        self.visibilityChanged.connect(self._shown)

    # --- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        self.server_label = QLabel()
        self.server_label.setWordWrap(True)
        settings_button = QPushButton(tr("Settings…"))
        settings_button.clicked.connect(self.open_settings)
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_label, 1)
        server_row.addWidget(settings_button)

        self.network = NetworkPanel()
        self.network.draw_area_requested.connect(self.start_drawing)
        self.network.load_requested.connect(self.choose_geopackage)
        self.trace_button = QPushButton(tr("Trace"))
        self.trace_button.clicked.connect(self.trace)
        self.result_label = QLabel(tr("No trace yet."))
        self.result_label.setWordWrap(True)
        self.new_outage_button = QPushButton(tr("New outage from this trace…"))
        self.new_outage_button.setEnabled(False)
        self.new_outage_button.clicked.connect(self.open_outage_form)
        network_box = QGroupBox(tr("Network and selection"))
        network_layout = QVBoxLayout(network_box)
        network_layout.addWidget(self.network)
        network_layout.addWidget(self.trace_button)
        network_layout.addWidget(self.result_label)
        network_layout.addWidget(self.new_outage_button)
        self.findings_button = QPushButton(tr("Device findings…"))
        self.findings_button.clicked.connect(
            lambda: self.field.findings(self.network.service_name))
        network_layout.addWidget(self.findings_button)
        self.field_state_button = QPushButton(tr("Show field state"))
        self.field_state_button.setToolTip(tr(
            "Draw the devices set by hand, found inoperable or not found, or held by an "
            "outage as the layer \"Field state\""))
        self.field_state_button.clicked.connect(lambda: self.field_state.refresh())
        network_layout.addWidget(self.field_state_button)

        self.outage_list = OutageList()
        self.outage_list.refresh_requested.connect(self.refresh_outages)
        self.outage_list.action_requested.connect(self.outage_action)
        outages_box = QGroupBox(tr("Outages"))
        QVBoxLayout(outages_box).addWidget(self.outage_list)

        self.message = QLabel()
        self.message.setWordWrap(True)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(server_row)
        layout.addWidget(network_box)
        layout.addWidget(outages_box, 1)
        layout.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.show_server()

    # --- messages --------------------------------------------------------------------
    def show_message(self, text: str, level: int = Qgis.Info) -> None:
        self.message.setStyleSheet(ERROR_STYLE if level == Qgis.Critical else "")
        self.message.setText(text)
        bar = self.iface.messageBar() if self.iface is not None else None
        if bar is not None:
            bar.pushMessage(tr("Outages"), text, level, 8 if level != Qgis.Critical else 0)

    def show_error(self, error: ApiError) -> None:
        self.show_message(error.plain(tr), Qgis.Critical)

    def confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, tr("Outages"), question)
        return answer == QMessageBox.Yes

    # --- server ----------------------------------------------------------------------
    def client(self) -> ApiClient:
        connection = credentials.load_connection()
        if connection is None:
            raise ApiError(NOT_CONFIGURED)
        return ApiClient(connection.url, connection.token, transport=qgis_transport)

    def show_server(self) -> None:
        url = credentials.stored_url()
        self.server_label.setText(
            tr("Server: {url}").format(url=url) if url else tr("No outage server set up yet.")
        )

    def _shown(self, visible: bool) -> None:
        # Not at QGIS start: reading the token may ask for the master password.
        if visible and not self._listed and credentials.auth_config_id():
            self.refresh_outages()

    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.runner, self)
            self.settings_dialog.saved.connect(self._settings_saved)
        self.settings_dialog.open()
        return self.settings_dialog

    def _settings_saved(self) -> None:
        self.show_server()
        self.refresh_outages()

    def _run(self, description: str, work, done) -> bool:
        """Start `work(client)` in the background; False (and a message) if not set up."""
        try:
            client = self.client()
        except ApiError as exc:
            self.show_error(exc)
            return False
        self.runner.start(description, lambda: work(client), done)
        return True

    # --- selection and trace ---------------------------------------------------------
    def choose_geopackage(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Network GeoPackage"), "", tr("GeoPackage (*.gpkg)"))
        if path:
            self.load_geopackage(path)

    def load_geopackage(self, path: str) -> dict:
        layers = load_geopackage(path, QgsProject.instance())
        if "links" not in layers:
            self.show_message(tr("{path} has no 'links' layer.").format(path=path), Qgis.Warning)
        self.network.use_layers(layers)
        return layers

    def start_drawing(self) -> None:
        canvas = self.iface.mapCanvas()
        if self._area_tool is None:
            self._area_tool = DrawAreaTool(canvas)
            self._area_tool.area_drawn.connect(self._area_drawn)
        canvas.setMapTool(self._area_tool)
        self.show_message(tr("Click the corners of the area on the map; right-click to finish."))

    def _area_drawn(self, geometry: QgsGeometry) -> None:
        canvas = self.iface.mapCanvas()
        self.set_area(geometry, canvas.mapSettings().destinationCrs())
        canvas.unsetMapTool(self._area_tool)

    def set_area(self, geometry: QgsGeometry | None, crs: QgsCoordinateReferenceSystem) -> None:
        """The drawn area (None clears it), in `crs`; shown on the map until replaced."""
        self.area, self.area_crs = geometry, crs
        if self._area_band is not None:
            self._area_band.reset(QgsWkbTypes.PolygonGeometry)
        if geometry is not None and self.iface is not None:
            if self._area_band is None:
                self._area_band = QgsRubberBand(self.iface.mapCanvas(),
                                                QgsWkbTypes.PolygonGeometry)
                self._area_band.setColor(QColor(255, 120, 0, 60))
                self._area_band.setStrokeColor(QColor(255, 120, 0))
            self._area_band.setToGeometry(geometry, crs)
            self.network.set_mode(AREA)
        self.network.set_has_area(geometry is not None)

    def current_selection(self) -> Selection:
        mode = self.network.mode
        if mode == BREAK:
            return Selection(BREAK, tuple(self.network.selected_links()))
        if mode == OPERATE:
            return Selection(OPERATE, tuple(self.network.selected_devices()))
        polygon = area_to_geojson(self.area, self.area_crs) if self.area else None
        return Selection(AREA, polygon=polygon)

    def trace(self) -> bool:
        selection = self.current_selection()
        if selection.is_empty:
            self.show_message({
                BREAK: tr("Select the broken links on the links layer first."),
                OPERATE: tr("Select the operated devices on the devices layer first."),
                AREA: tr("Draw the outage area first."),
            }[selection.mode], Qgis.Warning)
            return False
        service = self.network.service_name
        network = self.network.network()  # as chosen now, not when the answer comes
        started = self._run(tr("Tracing the outage"), lambda c: c.trace(service, selection),
                            lambda value, error: self._traced(selection, network, value, error))
        if started:
            self.trace_button.setEnabled(False)
            self.result_label.setText(tr("Tracing…"))
        return started

    def _traced(self, selection: Selection, network: NetworkLayers,
                result: TraceResult | None, error: ApiError | None) -> None:
        self.trace_button.setEnabled(True)
        if error is not None:
            self.result_label.setText(tr("The trace failed."))
            self.show_error(error)
            return
        self.trace_result, self.trace_selection = result, selection
        self.result_layers = show_trace(result, network, QgsProject.instance())
        self.result_label.setText(self._result_text(result, self.result_layers))
        self.new_outage_button.setEnabled(True)
        self.show_message(tr("Trace done: {customers} customers without supply.").format(
            customers=result.customers))

    @staticmethod
    def _result_text(result: TraceResult, layers: ResultLayers) -> str:
        # Critical customers first, most critical first, as the server lists them.
        lines = [tr("Critical: {point} ({category}) at {address}").format(
            point=point, category=critical_label(category), address=address or "–")
            for point, category, address in result.critical_customers]
        lines += [
            tr("Isolated links: {n}").format(n=len(result.isolated_links)),
            tr("Links without supply: {n}").format(n=len(result.affected_links)),
            tr("Devices to operate: {n}").format(n=len(result.devices_to_operate)),
            tr("Affected service points: {n}").format(n=len(result.affected_service_points)),
            tr("Addresses: {n}, customers: {customers}").format(
                n=len(result.affected_addresses), customers=result.customers),
            tr("Streets: {streets}").format(streets=", ".join(result.streets) or "–"),
        ]
        for name, count in layers.missing.items():
            lines.append(tr("{layer}: {n} not found in the chosen layer").format(
                layer=name, n=count))
        lines += [f"⚠ {warning}" for warning in result.warnings]
        return "\n".join(lines)

    # --- new outage ------------------------------------------------------------------
    def open_outage_form(self) -> OutageForm | None:
        if self.trace_result is None or self.trace_selection is None:
            return None
        if self.outage_form is not None:
            self.outage_form.close()
            self.outage_form.deleteLater()
        self.outage_form = OutageForm(self.trace_selection, self.trace_result, self)
        self.outage_form.submitted.connect(self.submit_outage)
        self.outage_form.open()
        return self.outage_form

    def submit_outage(self, draft: OutageDraft, publish: bool) -> None:
        def work(client: ApiClient) -> tuple[Outage, ApiError | None]:
            outage = client.create_outage(draft)
            if not publish:
                return outage, None
            try:
                return client.publish(outage.id, outage.version), None
            except ApiError as exc:  # the draft exists: say so rather than lose it
                return outage, exc

        if not self._run(tr("Publishing the outage") if publish else tr("Saving the outage"),
                         work, self._submitted) and self.outage_form is not None:
            self.outage_form.set_busy(False)

    def _submitted(self, value: tuple[Outage, ApiError | None] | None,
                   error: ApiError | None) -> None:
        form = self.outage_form
        if error is not None:
            if form is not None:
                form.show_problem(error.plain(tr))
            self.show_error(error)
            return
        outage, publish_error = value
        if publish_error is not None:
            self.show_message(tr("Outage {id} was saved as a draft but not published: "
                                 "{reason}").format(id=outage.id,
                                                    reason=publish_error.plain(tr)),
                              Qgis.Critical)
        elif outage.status == "published":
            self.show_message(tr("Outage {id} is published.").format(id=outage.id),
                              Qgis.Success)
        else:
            self.show_message(tr("Outage {id} is saved as a draft.").format(id=outage.id),
                              Qgis.Success)
        if form is not None:
            form.accept()
        self.last_outage = outage
        self.refresh_outages(select=outage.id)

    # --- outage list -----------------------------------------------------------------
    def refresh_outages(self, select: int | None = None) -> bool:
        self._listed = True
        statuses = self.outage_list.statuses
        self.outage_list.set_busy(True)

        def done(outages: list[Outage] | None, error: ApiError | None) -> None:
            self.outage_list.set_busy(False)
            if error is not None:
                self.show_error(error)
                return
            self.outage_list.set_outages(outages)
            if select:
                self.outage_list.select(select)

        started = self._run(tr("Loading outages"), lambda c: c.list_outages(statuses), done)
        if not started:
            self.outage_list.set_busy(False)
        return started

    def outage_action(self, action: str, outage: Outage) -> None:
        if action == RESTORATION:
            self._ask_restoration(outage)
            return
        if action == CREW_SHEET:
            self.open_crew_sheet(outage)
            return
        if action in FIELD_ACTIONS:
            self.field.start(action, outage)
            return
        question = {
            PUBLISH: tr("Publish outage {id}? Residents are notified."),
            RESOLVE: tr("Supply is back for outage {id}? Residents get the all-clear."),
            CANCEL: tr("Cancel outage {id}? Residents already notified are told."),
        }[action].format(id=outage.id)
        if not self.confirm(question):
            return
        calls: dict[str, Any] = {
            PUBLISH: lambda c: c.publish(outage.id, outage.version),
            RESOLVE: lambda c: c.resolve(outage.id, outage.version),
            CANCEL: lambda c: c.cancel(outage.id, outage.version),
        }
        self._change(outage, calls[action])

    def open_crew_sheet(self, outage: Outage) -> None:
        """The printable crew sheet in the browser (it asks for the token, as the console)."""
        try:
            url = self.client().crew_sheet_url(outage.id)
        except ApiError as error:
            self.show_error(error)
            return
        QDesktopServices.openUrl(QUrl(url))

    def _ask_restoration(self, outage: Outage) -> None:
        dialog = RestorationDialog(outage, self)
        dialog.accepted.connect(lambda: self._change(
            outage, lambda c: c.update_outage(outage.id, outage.version,
                                              estimated_end_at=dialog.value()),
            tr("Outage {id}: the restoration time is changed.")))
        self.restoration_dialog = dialog
        dialog.open()

    def _change(self, outage: Outage, call, success: str | None = None) -> None:
        def done(changed: Outage | None, error: ApiError | None) -> None:
            self.outage_list.set_busy(False)
            if error is not None:
                self.show_error(error)
            else:
                text = success or tr("Outage {id} is now: {status}.")
                self.show_message(text.format(id=changed.id,
                                              status=status_label(changed.status)),
                                  Qgis.Success)
            self.refresh_outages(select=outage.id)

        self.outage_list.set_busy(True)
        if not self._run(tr("Changing outage {id}").format(id=outage.id), call, done):
            self.outage_list.set_busy(False)

    # --- teardown --------------------------------------------------------------------
    def shutdown(self) -> None:
        """Before the plugin unloads: no callbacks into deleted widgets, no stray tools."""
        self.runner.stop_all()
        self.field.shutdown()
        self.field_state.shutdown()
        self.network.stop_watching()
        canvas = self.iface.mapCanvas() if self.iface is not None else None
        if canvas is not None and self._area_tool is not None:
            canvas.unsetMapTool(self._area_tool)
        if self._area_band is not None and canvas is not None:
            canvas.scene().removeItem(self._area_band)
            self._area_band = None
        for dialog in (self.outage_form, self.settings_dialog, self.restoration_dialog):
            if dialog is not None:
                dialog.close()

