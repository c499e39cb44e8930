"""A trace's answer as memory layers in the project, in one group that each trace replaces.

The API answers with ids; the geometries come from the engineer's own network layers,
so the result lines up with what they selected. The public area comes as GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsFields,
    QgsFillSymbol,
    QgsGeometry,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsMemoryProviderUtils,
    QgsPalLayerSettings,
    QgsProject,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.geojson import to_wkt
from ..core.models import TraceResult
from .i18n import tr
from .network_layers import WGS84, NetworkLayers, features_by_id

GROUP_NAME = "gis-outage trace"


@dataclass
class ResultLayers:
    isolated_links: QgsVectorLayer | None = None
    devices_to_operate: QgsVectorLayer | None = None
    service_points: QgsVectorLayer | None = None
    public_area: QgsVectorLayer | None = None
    # ids the answer named that the chosen layer does not hold: a layer/server mismatch
    missing: dict[str, int] = field(default_factory=dict)

    def layers(self) -> list[QgsVectorLayer]:
        return [x for x in (self.public_area, self.isolated_links, self.service_points,
                            self.devices_to_operate) if x is not None]


def show_trace(result: TraceResult, network: NetworkLayers, project: QgsProject) -> ResultLayers:
    """Replace the previous trace's layers with this one's."""
    remove_trace_layers(project)
    out = ResultLayers()
    out.isolated_links = _copy(
        tr("Isolated links"), network.links, network.links_field, result.isolated_links, out,
        QgsLineSymbol.createSimple({"line_color": "220,20,60", "line_width": "1.4"}),
    )
    out.devices_to_operate = _copy(
        tr("Devices to operate"), network.devices, network.devices_field,
        result.devices_to_operate, out,
        QgsMarkerSymbol.createSimple({"name": "diamond", "color": "255,200,0", "size": "5",
                                      "outline_color": "0,0,0", "outline_width": "0.6"}),
    )
    if out.devices_to_operate is not None:
        _label(out.devices_to_operate, network.devices_field)
    out.service_points = _copy(
        tr("Affected service points"), network.service_points, network.service_points_field,
        result.affected_service_points, out,
        QgsMarkerSymbol.createSimple({"name": "circle", "color": "30,110,220", "size": "3",
                                      "outline_color": "255,255,255", "outline_width": "0.4"}),
    )
    out.public_area = _public_area(result)

    group = project.layerTreeRoot().insertGroup(0, GROUP_NAME)
    for layer in reversed(out.layers()):  # the first-added is drawn at the bottom
        project.addMapLayer(layer, False)
        group.insertLayer(0, layer)
    return out


def remove_trace_layers(project: QgsProject) -> None:
    root = project.layerTreeRoot()
    for group in [g for g in root.children() if g.name() == GROUP_NAME]:
        project.removeMapLayers(group.findLayerIds())
        root.removeChildNode(group)


def _copy(name, source, id_field, ids, out, symbol) -> QgsVectorLayer | None:
    if source is None:
        if ids:
            out.missing[name] = len(ids)
        return None
    layer = QgsMemoryProviderUtils.createMemoryLayer(
        name, source.fields(), source.wkbType(), source.crs()
    )
    features = features_by_id(source, id_field, set(ids))
    copies = []
    for feature in features:
        copy = QgsFeature(layer.fields())
        copy.setGeometry(feature.geometry())
        copy.setAttributes(feature.attributes())
        copies.append(copy)
    layer.dataProvider().addFeatures(copies)
    layer.updateExtents()
    if len(features) < len(ids):
        out.missing[name] = len(ids) - len(features)
    layer.renderer().setSymbol(symbol)
    return layer


def _label(layer: QgsVectorLayer, id_field: str) -> None:
    settings = QgsPalLayerSettings()
    settings.fieldName = id_field
    settings.enabled = True
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def public_area_fields() -> QgsFields:
    """The attributes of the public area layer (the dock's and Processing's)."""
    fields = QgsFields()
    fields.append(QgsField("service", QVariant.String))
    fields.append(QgsField("customers", QVariant.Int))
    fields.append(QgsField("streets", QVariant.String))
    return fields


def _public_area(result: TraceResult) -> QgsVectorLayer | None:
    if not result.public_area:
        return None
    fields = public_area_fields()
    layer = QgsMemoryProviderUtils.createMemoryLayer(
        tr("Public area"), fields, QgsWkbTypes.MultiPolygon, WGS84
    )
    feature = QgsFeature(fields)
    geometry = QgsGeometry.fromWkt(to_wkt(result.public_area))
    geometry.convertToMultiType()
    feature.setGeometry(geometry)
    feature.setAttributes([result.service, result.customers, ", ".join(result.streets)])
    layer.dataProvider().addFeatures([feature])
    layer.updateExtents()
    layer.renderer().setSymbol(QgsFillSymbol.createSimple(
        {"color": "255,140,0,70", "outline_color": "255,120,0", "outline_width": "0.7"}
    ))
    return layer
