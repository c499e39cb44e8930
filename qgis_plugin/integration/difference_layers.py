"""A field change's difference as temporary memory layers, in one group until confirmed.

Like the trace's result layers (result_layers.py) the geometries come from the engineer's
own network layers, in their CRS: devices by their id field, addresses as the service
points whose `address_id` names them (the interchange's column). The group is removed on
confirm and on cancel; a new preview replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeature,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsMemoryProviderUtils,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)

from ..core.field import Difference
from .i18n import tr
from .network_layers import NetworkLayers, features_by_id, text_value
from .result_layers import _label

GROUP_NAME = "gis-outage preview"
ADDRESS_FIELD = "address_id"  # service points' address column (the interchange's name)


@dataclass
class DifferenceLayers:
    devices_added: QgsVectorLayer | None = None
    devices_removed: QgsVectorLayer | None = None
    backfeed_devices: QgsVectorLayer | None = None
    addresses_added: QgsVectorLayer | None = None
    supplied_again: QgsVectorLayer | None = None
    still_cut_off: QgsVectorLayer | None = None
    work_links: QgsVectorLayer | None = None
    # ids the difference named that the chosen layers do not hold: a layer/server mismatch
    missing: dict[str, int] = field(default_factory=dict)

    def layers(self) -> list[QgsVectorLayer]:
        """Bottom to top as drawn."""
        return [x for x in (self.work_links, self.still_cut_off, self.supplied_again,
                            self.addresses_added, self.devices_removed, self.devices_added,
                            self.backfeed_devices) if x is not None]


def _marker(name: str, color: str, size: str = "4", outline: str = "0,0,0") -> QgsMarkerSymbol:
    return QgsMarkerSymbol.createSimple({"name": name, "color": color, "size": size,
                                         "outline_color": outline, "outline_width": "0.5"})


def show_difference(difference: Difference, network: NetworkLayers, project: QgsProject,
                    backfeed: tuple[str, ...] = ()) -> DifferenceLayers:
    """Replace the previous preview's layers with this difference's. `backfeed`: the
    devices a back-feed would operate (drawn as their own layer)."""
    remove_difference_layers(project)
    out = DifferenceLayers()
    devices, points = network.devices, network.service_points
    out.devices_added = _copy(
        tr("+ Devices to operate"), devices, network.devices_field, difference.devices_added,
        out, _marker("diamond", "0,170,70", "5.5"))
    out.devices_removed = _copy(
        tr("− Devices to operate"), devices, network.devices_field,
        difference.devices_removed, out, _marker("cross2", "120,120,120", "5", "90,90,90"))
    if backfeed:
        out.backfeed_devices = _copy(
            tr("Back-feed: device to operate"), devices, network.devices_field, backfeed,
            out, _marker("star", "160,40,200", "6"))
    for layer in (out.devices_added, out.devices_removed, out.backfeed_devices):
        if layer is not None:
            _label(layer, network.devices_field)
    out.addresses_added = _copy(
        tr("+ Affected addresses"), points, ADDRESS_FIELD, difference.addresses_added, out,
        _marker("circle", "220,20,60", "3.5", "255,255,255"), by_address=True)
    out.supplied_again = _copy(
        tr("Addresses supplied again"), points, ADDRESS_FIELD, difference.supplied_again,
        out, _marker("circle", "30,170,90", "3.5", "255,255,255"), by_address=True)
    if difference.still_cut_off:
        out.still_cut_off = _copy(
            tr("− Addresses, still cut off by another outage"), points, ADDRESS_FIELD,
            difference.still_cut_off, out, _marker("circle", "150,150,150", "3"),
            by_address=True)
    out.work_links = _copy(
        tr("Work area after the change"), network.links, network.links_field,
        difference.work_links, out,
        QgsLineSymbol.createSimple({"line_color": "220,20,60", "line_width": "1.2",
                                    "line_style": "dash"}))

    group = project.layerTreeRoot().insertGroup(0, GROUP_NAME)
    for layer in out.layers():  # each inserted on top of the previous
        project.addMapLayer(layer, False)
        group.insertLayer(0, layer)
    return out


def extent_in(layers: DifferenceLayers, crs: QgsCoordinateReferenceSystem,
              project: QgsProject) -> QgsRectangle | None:
    """The box around every preview feature in `crs` (the map's), None if there is none."""
    extent: QgsRectangle | None = None
    for layer in layers.layers():
        if not layer.featureCount():
            continue
        box = layer.extent()
        if crs.isValid() and layer.crs() != crs:
            try:
                box = QgsCoordinateTransform(layer.crs(), crs, project).transformBoundingBox(box)
            except QgsCsException:
                continue
        if extent is None:
            extent = QgsRectangle(box)
        else:
            extent.combineExtentWith(box)
    return extent


def remove_difference_layers(project: QgsProject) -> None:
    root = project.layerTreeRoot()
    for group in [g for g in root.children() if g.name() == GROUP_NAME]:
        project.removeMapLayers(group.findLayerIds())
        root.removeChildNode(group)


def _copy(name: str, source: QgsVectorLayer | None, id_field: str, ids: tuple[str, ...],
          out: DifferenceLayers, symbol, by_address: bool = False) -> QgsVectorLayer | None:
    """The source's features whose `id_field` is in `ids`, as a memory layer in the
    source's CRS (None without a source layer; what is not found is counted)."""
    if source is None or source.fields().indexOf(id_field) < 0:
        if ids:
            out.missing[name] = len(ids)
        return None
    layer = QgsMemoryProviderUtils.createMemoryLayer(
        name, source.fields(), source.wkbType(), source.crs())
    features = features_by_id(source, id_field, set(ids))
    copies = []
    for feature in features:
        copy = QgsFeature(layer.fields())
        copy.setGeometry(feature.geometry())
        copy.setAttributes(feature.attributes())
        copies.append(copy)
    layer.dataProvider().addFeatures(copies)
    layer.updateExtents()
    found = {text_value(f[id_field]) for f in features} if by_address else None
    lost = len(set(ids) - found) if found is not None else len(ids) - len(features)
    if lost > 0:
        out.missing[name] = lost
    layer.renderer().setSymbol(symbol)
    return layer
