"""Reading the interchange layers from a GeoPackage or a folder of files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from .network_problems import NetworkError, Problem

LAYERS = ("links", "devices", "sources", "service_points", "addresses")
FOLDER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")


def read_layers(path: str | Path) -> dict[str, gpd.GeoDataFrame]:
    """Read the interchange layers from a GeoPackage or a folder of files named by layer."""
    path = Path(path)
    if not path.exists():
        raise NetworkError([Problem(str(path), None, "file not found")])
    try:
        if path.is_dir():
            return _read_folder(path)
        names = {row[0] for row in pyogrio.list_layers(path)}
        return {name: _read(path, layer=name) for name in LAYERS if name in names}
    except NetworkError:
        raise
    except Exception as exc:  # GDAL's messages are clear enough to pass on
        raise NetworkError([Problem(str(path), None, f"cannot read: {exc}")]) from None


def _read_folder(folder: Path) -> dict[str, gpd.GeoDataFrame]:
    layers = {}
    for name in LAYERS:
        for suffix in FOLDER_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if candidate.exists():
                layers[name] = _read(candidate)
                break
    return layers


def _read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=layer, engine="pyogrio")
