"""The engineer's network layers: which ones, their id fields, what is selected."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProject,
    QgsProviderRegistry,
    QgsVectorLayer,
)

from ..core.models import SERVICES

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
# Layer names of the GeoPackage network interchange (DESIGN.md) the plugin shows.
GPKG_LAYERS = ("links", "devices", "service_points")


@dataclass(frozen=True)
class NetworkLayers:
    links: QgsVectorLayer | None
    links_field: str
    devices: QgsVectorLayer | None = None
    devices_field: str = "id"
    service_points: QgsVectorLayer | None = None
    service_points_field: str = "id"


def selected_ids(layer: QgsVectorLayer | None, field: str) -> list[str]:
    """The id values of the selected features, as text, sorted, without NULLs."""
    if layer is None or not field or layer.fields().indexOf(field) < 0:
        return []
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    request.setSubsetOfAttributes([field], layer.fields())
    ids = {text_value(f[field]) for f in layer.getSelectedFeatures(request)}
    ids.discard("")
    return sorted(ids)


def features_by_id(layer: QgsVectorLayer, field: str, ids: set[str]) -> list[QgsFeature]:
    """The layer's features whose `field` is one of `ids` (one pass over the layer)."""
    if not ids or layer.fields().indexOf(field) < 0:
        return []
    return [f for f in layer.getFeatures() if text_value(f[field]) in ids]


def text_value(value: Any) -> str:
    # NULL comes back as QVariant/None depending on the provider and version.
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def default_id_field(layer: QgsVectorLayer | None) -> str:
    if layer is None:
        return ""
    names = layer.fields().names()
    for candidate in ("id", "ID", "Id"):
        if candidate in names:
            return candidate
    return names[0] if names else ""


def gpkg_path(layer: QgsVectorLayer) -> str | None:
    if layer.providerType() != "ogr":
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    return path if path.lower().endswith(".gpkg") else None


def gpkg_layer_name(layer: QgsVectorLayer) -> str:
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    return parts.get("layerName") or ""


def companion_layers(layer: QgsVectorLayer, project: QgsProject) -> dict[str, QgsVectorLayer]:
    """Project layers read from the same GeoPackage, by their layer name in it."""
    path = gpkg_path(layer)
    if path is None:
        return {}
    found: dict[str, QgsVectorLayer] = {}
    for other in project.mapLayers().values():
        if isinstance(other, QgsVectorLayer) and gpkg_path(other) == path:
            found.setdefault(gpkg_layer_name(other), other)
    return found


def guess_service(layer: QgsVectorLayer | None) -> str | None:
    """'…/district_heating.gpkg' → 'district_heating': the demo's and many utilities' habit."""
    if layer is None:
        return None
    path = gpkg_path(layer) or layer.name()
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    return next((s for s in SERVICES if s in stem), None)


def load_geopackage(path: str, project: QgsProject) -> dict[str, QgsVectorLayer]:
    """Add the network interchange layers of a GeoPackage to the project, in a group."""
    group = project.layerTreeRoot().insertGroup(0, os.path.splitext(os.path.basename(path))[0])
    loaded: dict[str, QgsVectorLayer] = {}
    for name in GPKG_LAYERS:
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if not layer.isValid():
            continue
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        loaded[name] = layer
    return loaded


def area_to_geojson(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> dict:
    """A drawn polygon in map coordinates as the API wants it: GeoJSON in WGS84."""
    wgs84 = QgsGeometry(geometry)
    if crs.isValid() and crs != WGS84:
        wgs84.transform(QgsCoordinateTransform(crs, WGS84, QgsProject.instance()))
    return json.loads(wgs84.asJson(7))
