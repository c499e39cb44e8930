"""The field state of the network as one temporary memory layer, "Field state".

Like the trace's result layers (result_layers.py) the geometries come from the engineer's
own device layer, in its CRS, by its id field; the attributes are the server's: id,
finding, passes, note, who, when and the outages holding the device. Each refresh
replaces the layer (found again by a custom property, whatever its translated name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsMarkerSymbol,
    QgsMemoryProviderUtils,
    QgsPalLayerSettings,
    QgsProject,
    QgsRendererCategory,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QVariant

from ..core.field import DeviceState
from .i18n import tr
from .network_layers import NetworkLayers, features_by_id, text_value

LAYER_PROPERTY = "gis_outage/field_state"
OTHER = "other"  # the style's category for a device without a finding
FIELDS = (("id", QVariant.String), ("finding", QVariant.String), ("passes", QVariant.Bool),
          ("note", QVariant.String), ("who", QVariant.String), ("when", QVariant.String),
          ("outages", QVariant.String))


@dataclass
class FieldStateLayer:
    layer: QgsVectorLayer | None = None
    shown: int = 0
    # device ids the server listed that the chosen device layer does not hold
    missing: list[str] = field(default_factory=list)


def field_state_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in FIELDS:
        fields.append(QgsField(name, kind))
    return fields


def _marker(name: str, color: str, size: str) -> QgsMarkerSymbol:
    return QgsMarkerSymbol.createSimple({"name": name, "color": color, "size": size,
                                         "outline_color": "0,0,0", "outline_width": "0.5"})


def _renderer() -> QgsCategorizedSymbolRenderer:
    """Inoperable red, not found orange, anything else (by hand, held) blue."""
    categories = [
        QgsRendererCategory("inoperable", _marker("cross_fill", "220,20,60", "5.5"),
                            tr("Inoperable")),
        QgsRendererCategory("not_found", _marker("triangle", "255,150,0", "5.5"),
                            tr("Not found")),
        QgsRendererCategory(OTHER, _marker("square", "30,110,220", "4.5"),
                            tr("Set by hand or held by an outage")),
    ]
    return QgsCategorizedSymbolRenderer(f"coalesce(\"finding\", '{OTHER}')", categories)


def show_field_state(states: list[DeviceState], network: NetworkLayers,
                     project: QgsProject) -> FieldStateLayer:
    """Replace the previous "Field state" layer with these devices (none drawn without a
    device layer: every device is then missing)."""
    remove_field_state_layer(project)
    out = FieldStateLayer()
    source, id_field = network.devices, network.devices_field
    if source is None or source.fields().indexOf(id_field) < 0:
        out.missing = [s.device_id for s in states]
        return out
    by_id = {s.device_id: s for s in states}
    fields = field_state_fields()
    layer = QgsMemoryProviderUtils.createMemoryLayer(
        tr("Field state"), fields, source.wkbType(), source.crs())
    copies, found = [], set()
    for feature in features_by_id(source, id_field, set(by_id)):
        state = by_id[text_value(feature[id_field])]
        found.add(state.device_id)
        copy = QgsFeature(fields)
        copy.setGeometry(feature.geometry())
        copy.setAttributes([state.device_id, state.finding, state.passes, state.note,
                            state.who, state.when,
                            ", ".join(str(o) for o in state.outages) or None])
        copies.append(copy)
    layer.dataProvider().addFeatures(copies)
    layer.updateExtents()
    layer.setRenderer(_renderer())
    labels = QgsPalLayerSettings()
    labels.fieldName = "id"
    labels.enabled = True
    layer.setLabeling(QgsVectorLayerSimpleLabeling(labels))
    layer.setLabelsEnabled(True)
    layer.setCustomProperty(LAYER_PROPERTY, True)
    project.addMapLayer(layer, False)
    project.layerTreeRoot().insertLayer(0, layer)
    out.layer, out.shown = layer, len(copies)
    out.missing = sorted(set(by_id) - found)
    return out


def field_state_layers(project: QgsProject) -> list[QgsVectorLayer]:
    return [x for x in project.mapLayers().values() if x.customProperty(LAYER_PROPERTY)]


def remove_field_state_layer(project: QgsProject) -> None:
    layers = field_state_layers(project)
    if layers:
        project.removeMapLayers([x.id() for x in layers])
