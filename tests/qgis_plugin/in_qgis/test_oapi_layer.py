"""The public outages as QGIS reads them: its own OAPIF provider and GDAL's, against the
demo server. Outage ids are attributes, the extent is the outages', dates are dates."""

from __future__ import annotations

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsVectorLayer  # noqa: E402


def _outages(server) -> dict:
    listed = server.public_outages()
    assert listed["features"], "the demo publishes outages"
    return listed


def test_qgis_oapif_layer_has_ids_and_the_outages_extent(server) -> None:
    listed = _outages(server)
    layer = QgsVectorLayer(f"url='{server.url}/oapi' typename='outages'", "outages", "OAPIF")
    assert layer.isValid()
    assert layer.fields().field("id").typeName() == "Integer"
    assert layer.fields().field("starts_at").typeName() == "DateTime"
    ids = sorted(f["id"] for f in layer.getFeatures())
    assert ids == sorted(f["id"] for f in listed["features"])  # not QGIS's own numbering
    points = [xy for f in listed["features"] if f["geometry"]
              for xy in _positions(f["geometry"]["coordinates"])]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    extent = layer.extent()  # what "zoom to layer" shows
    assert [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()] == (
        pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=1e-6))


def test_gdal_in_qgis_types_every_date(server) -> None:
    _outages(server)
    layer = QgsVectorLayer(f"OAPIF:{server.url}/oapi|layername=outages", "outages", "ogr")
    assert layer.isValid()
    for name in ("starts_at", "estimated_end_at", "ended_at", "updated_at"):
        assert layer.fields().field(name).typeName() == "DateTime", name
    assert layer.fields().field("id").typeName() == "Integer"


def _positions(coordinates) -> list[tuple[float, float]]:
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [(coordinates[0], coordinates[1])]
    return [xy for part in coordinates for xy in _positions(part)]
