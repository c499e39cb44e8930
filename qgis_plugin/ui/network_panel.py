"""Which layers hold the network, their id fields, and what the engineer selected."""

from __future__ import annotations

import contextlib

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QWidget,
)

from ..core.models import AREA, BREAK, OPERATE, SERVICES
from ..integration.i18n import tr
from ..integration.network_layers import (
    NetworkLayers,
    companion_layers,
    default_id_field,
    guess_service,
    selected_ids,
)
from .labels import service_label


class LayerPicker:
    """A layer combo with its id-field combo."""

    def __init__(self, filters, allow_empty: bool) -> None:
        self.layer = QgsMapLayerComboBox()
        self.layer.setFilters(filters)
        self.layer.setAllowEmptyLayer(allow_empty)
        self.field = QgsFieldComboBox()
        self.layer.layerChanged.connect(self._layer_changed)
        self._layer_changed(self.layer.currentLayer())

    def _layer_changed(self, layer) -> None:
        self.field.setLayer(layer)
        if layer is not None:
            self.field.setField(default_id_field(layer))

    def set_layer(self, layer: QgsVectorLayer | None) -> None:
        self.layer.setLayer(layer)
        self._layer_changed(layer)

    def current(self) -> QgsVectorLayer | None:
        layer = self.layer.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None


class NetworkPanel(QWidget):
    selection_changed = pyqtSignal()
    draw_area_requested = pyqtSignal()
    load_requested = pyqtSignal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.service = QComboBox()
        for name in SERVICES:
            self.service.addItem(service_label(name), name)
        self.links = LayerPicker(QgsMapLayerProxyModel.LineLayer, allow_empty=False)
        self.devices = LayerPicker(QgsMapLayerProxyModel.PointLayer, allow_empty=True)
        self.service_points = LayerPicker(QgsMapLayerProxyModel.PointLayer, allow_empty=True)
        self.load_button = QPushButton(tr("Load network GeoPackage…"))
        self.load_button.clicked.connect(self.load_requested.emit)

        self.modes = QButtonGroup(self)
        self.break_radio = QRadioButton()
        self.operate_radio = QRadioButton()
        self.area_radio = QRadioButton()
        for mode, radio in ((BREAK, self.break_radio), (OPERATE, self.operate_radio),
                            (AREA, self.area_radio)):
            radio.setProperty("mode", mode)
            self.modes.addButton(radio)
        self.break_radio.setChecked(True)
        self.draw_button = QPushButton(tr("Draw area"))
        self.draw_button.clicked.connect(self.draw_area_requested.emit)
        self.has_area = False

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(tr("Service")), 0, 0)
        grid.addWidget(self.service, 0, 1, 1, 2)
        for row, (label, picker) in enumerate(
            ((tr("Links"), self.links), (tr("Devices"), self.devices),
             (tr("Service points"), self.service_points)), start=1):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(picker.layer, row, 1)
            grid.addWidget(picker.field, row, 2)
        grid.addWidget(self.load_button, 4, 1, 1, 2)
        grid.addWidget(self.break_radio, 5, 0, 1, 3)
        grid.addWidget(self.operate_radio, 6, 0, 1, 3)
        grid.addWidget(self.area_radio, 7, 0, 1, 2)
        grid.addWidget(self.draw_button, 7, 2)
        grid.setColumnStretch(1, 1)

        self._watched: list[QgsVectorLayer] = []
        self.links.layer.layerChanged.connect(self._links_changed)
        self.devices.layer.layerChanged.connect(lambda _: self._watch())
        self._links_changed(self.links.current())

    # --- state ---------------------------------------------------------------------
    @property
    def mode(self) -> str:
        button = self.modes.checkedButton()
        return button.property("mode") if button else BREAK

    def set_mode(self, mode: str) -> None:
        {BREAK: self.break_radio, OPERATE: self.operate_radio,
         AREA: self.area_radio}[mode].setChecked(True)

    @property
    def service_name(self) -> str:
        return self.service.currentData()

    def network(self) -> NetworkLayers:
        return NetworkLayers(
            links=self.links.current(), links_field=self.links.field.currentField(),
            devices=self.devices.current(), devices_field=self.devices.field.currentField(),
            service_points=self.service_points.current(),
            service_points_field=self.service_points.field.currentField(),
        )

    def selected_links(self) -> list[str]:
        return selected_ids(self.links.current(), self.links.field.currentField())

    def selected_devices(self) -> list[str]:
        return selected_ids(self.devices.current(), self.devices.field.currentField())

    def set_has_area(self, has_area: bool) -> None:
        self.has_area = has_area
        self.refresh_counts()

    def refresh_counts(self) -> None:
        self.break_radio.setText(tr("Selected links broke ({count} selected)").format(
            count=len(self.selected_links())))
        self.operate_radio.setText(tr("Selected devices were operated ({count} selected)")
                                   .format(count=len(self.selected_devices())))
        self.area_radio.setText(tr("Drawn area") if self.has_area
                                else tr("Drawn area (none yet)"))
        self.selection_changed.emit()

    # --- layers --------------------------------------------------------------------
    def use_layers(self, layers: dict[str, QgsVectorLayer]) -> None:
        """Pick layers by their interchange names: links, devices, service_points."""
        if "links" in layers:
            self.links.set_layer(layers["links"])
        for name, picker in (("devices", self.devices), ("service_points", self.service_points)):
            if name in layers:
                picker.set_layer(layers[name])
        self._watch()

    def _links_changed(self, layer) -> None:
        if isinstance(layer, QgsVectorLayer):
            # The same GeoPackage's devices and service points are nearly always wanted.
            found = companion_layers(layer, QgsProject.instance())
            for name, picker in (("devices", self.devices),
                                 ("service_points", self.service_points)):
                if name in found and picker.current() is None:
                    picker.set_layer(found[name])
            service = guess_service(layer)
            if service:
                self.service.setCurrentIndex(SERVICES.index(service))
        self._watch()

    def _watch(self) -> None:
        """Follow the selections of the chosen layers to keep the counts right."""
        self.stop_watching()
        self._watched = [x for x in (self.links.current(), self.devices.current()) if x]
        for layer in self._watched:
            layer.selectionChanged.connect(self.refresh_counts)
        self.refresh_counts()

    def stop_watching(self) -> None:
        for layer in self._watched:
            with contextlib.suppress(TypeError, RuntimeError):  # not connected, or deleted
                layer.selectionChanged.disconnect(self.refresh_counts)
        self._watched = []
