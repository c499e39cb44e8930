"""GeoJSON ↔ WKT for the geometries the API exchanges (public area, drawn area).

QGIS 3.22 has no direct GeoJSON-geometry reader, and WKT is what every QGIS version
reads with QgsGeometry.fromWkt, so the conversion lives here and is tested without Qt.
"""

from __future__ import annotations

from typing import Any

Position = list[float]


def _xy(position: Position) -> str:
    return f"{position[0]!r} {position[1]!r}"


def _ring(ring: list[Position]) -> str:
    return "(" + ", ".join(_xy(p) for p in ring) + ")"


def _polygon(rings: list[list[Position]]) -> str:
    return "(" + ", ".join(_ring(r) for r in rings) + ")"


def to_wkt(geometry: dict[str, Any]) -> str:
    """WKT of a GeoJSON geometry object (2D; a third coordinate is dropped)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Point":
        return f"POINT ({_xy(coords)})"
    if kind == "LineString":
        return f"LINESTRING {_ring(coords)}"
    if kind == "Polygon":
        return f"POLYGON {_polygon(coords)}"
    if kind == "MultiPoint":
        return "MULTIPOINT (" + ", ".join(f"({_xy(p)})" for p in coords) + ")"
    if kind == "MultiLineString":
        return "MULTILINESTRING (" + ", ".join(_ring(line) for line in coords) + ")"
    if kind == "MultiPolygon":
        return "MULTIPOLYGON (" + ", ".join(_polygon(p) for p in coords) + ")"
    if kind == "GeometryCollection":
        parts = ", ".join(to_wkt(g) for g in geometry.get("geometries", []))
        return f"GEOMETRYCOLLECTION ({parts})"
    raise ValueError(f"not a GeoJSON geometry type: {kind!r}")


def is_area(geometry: dict[str, Any] | None) -> bool:
    return bool(geometry) and geometry.get("type") in ("Polygon", "MultiPolygon")
