"""GeoJSON → WKT, checked against shapely where the venv has it."""

from __future__ import annotations

import pytest

from qgis_plugin.core.geojson import is_area, to_wkt

GEOMETRIES = [
    {"type": "Point", "coordinates": [24.95, 60.17]},
    {"type": "LineString", "coordinates": [[0, 0], [1, 1.5]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 0]],
                                        [[1, 1], [2, 1], [2, 2], [1, 1]]]},
    {"type": "MultiPoint", "coordinates": [[0, 0], [1, 1]]},
    {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2, 9], [3, 3, 9]]]},
    {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]],
                                             [[[5, 5], [6, 5], [6, 6], [5, 5]]]]},
    {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]},
]


def test_wkt_text():
    assert to_wkt(GEOMETRIES[0]) == "POINT (24.95 60.17)"
    assert to_wkt(GEOMETRIES[2]) == ("POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))")
    with pytest.raises(ValueError):
        to_wkt({"type": "Circle", "coordinates": [0, 0]})


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: g["type"])
def test_same_geometry_as_shapely(geometry):
    pytest.importorskip("shapely")
    from shapely import force_2d, from_wkt
    from shapely.geometry import shape

    assert from_wkt(to_wkt(geometry)).equals(force_2d(shape(geometry)))


def test_is_area():
    assert is_area(GEOMETRIES[2]) and is_area(GEOMETRIES[5])
    assert not is_area(GEOMETRIES[1]) and not is_area(None)
