"""`convert-epanet` on models a user may have: broken, truncated, garbage, empty, without
coordinates, in a CRS of their own; GeoPackages as version 1.2; a CRS without an EPSG
code imports and traces."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import CRS

from gis_outage.storage.networks import current_network_version, load_network_layers
from gis_outage.tracing import TraceEngines

wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.library.model_library.get_filepath("Net3"))
# A transverse Mercator of its own: no EPSG code describes it.
LOCAL_TM = ("+proj=tmerc +lat_0=0 +lon_0=25.5 +k=1 +x_0=1500000 +y_0=0 +ellps=GRS80 "
            "+units=m +no_defs")


def cli(*args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    if db_url:
        env["GIS_OUTAGE_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args],
                          capture_output=True, text=True, check=False, env=env)


def without_coordinates(path: Path) -> Path:
    text = NET3.read_text()
    start = text.index("[COORDINATES]")
    path.write_text(text[:start] + text[text.index("[", start + 1):])
    return path


BAD_MODELS = {
    "truncated": (lambda p: p.write_text(NET3.read_text()[:3000]),
                  "not a readable EPANET model (broken or truncated?)"),
    "garbage": (lambda p: p.write_bytes(b"garbage\x00\x01 blah\n[PIPES]\nfoo bar\n"),
                "not a readable EPANET model (broken or truncated?): (Error 201) syntax error"),
    "binary": (lambda p: p.write_bytes(bytes(range(256)) * 8),
               "not a readable EPANET model (broken or truncated?)"),
    "empty": (lambda p: p.write_text(""), "the model has no pipes, pumps or valves"),
    "no coordinates": (without_coordinates,
                       "the model has no [COORDINATES]; pass --allow-no-coordinates"),
}


@pytest.mark.parametrize("name", list(BAD_MODELS))
def test_a_model_that_cannot_be_converted_is_one_line_exit_2_and_nothing_written(
    tmp_path, name
):
    write, message = BAD_MODELS[name]
    model = tmp_path / "model.inp"
    write(model)
    out = cli("convert-epanet", str(model), str(tmp_path / "out.gpkg"))
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {model}: {message}"), out.stderr
    assert not (tmp_path / "out.gpkg").exists()


def test_missing_model_and_unknown_crs_are_one_line_exit_2(tmp_path):
    out = cli("convert-epanet", str(tmp_path / "nope.inp"), str(tmp_path / "out.gpkg"))
    assert (out.returncode, out.stderr.strip()) == (2, f"error: {tmp_path / 'nope.inp'}: "
                                                    "file not found")
    out = cli("convert-epanet", str(NET3), str(tmp_path / "out.gpkg"), "--crs", "EPSG:99999")
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: --crs 'EPSG:99999' is not a CRS pyproj knows "
                                  "(try EPSG:3067)")
    assert not (tmp_path / "out.gpkg").exists()


def test_a_model_without_coordinates_converts_schematically_when_asked(tmp_path):
    model = without_coordinates(tmp_path / "model.inp")
    out = cli("convert-epanet", str(model), str(tmp_path / "out.gpkg"), "--allow-no-coordinates")
    assert out.returncode == 0, out.stderr
    links = gpd.read_file(tmp_path / "out.gpkg", layer="links")
    assert links.crs is None
    # Every node has its own place: links are drawn between them, not stacked at 0,0.
    assert (links.length > 0).sum() >= len(links) - 3


def test_crs_units_in_column_names_and_geopackage_1_2(tmp_path):
    out = cli("convert-epanet", str(NET3), str(tmp_path / "net3.gpkg"), "--crs", "EPSG:3067")
    assert out.returncode == 0, out.stderr
    info = pyogrio.read_info(tmp_path / "net3.gpkg", layer="links")
    assert info["crs"] == "EPSG:3067"
    assert {"length_m", "diameter_mm"} <= set(info["fields"])
    assert not {"length", "diameter"} & set(info["fields"])
    with sqlite3.connect(tmp_path / "net3.gpkg") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    links = gpd.read_file(tmp_path / "net3.gpkg", layer="links").set_index("id")
    pipe = wntr.network.WaterNetworkModel(str(NET3)).get_link("101")
    assert links.loc["101", "diameter_mm"] == pytest.approx(pipe.diameter * 1000)
    assert links.loc["101", "length_m"] == pytest.approx(pipe.length)


def test_a_crs_without_an_epsg_code_imports_and_traces(db_engine, tmp_path):
    converted = tmp_path / "net3.gpkg"
    assert cli("convert-epanet", str(NET3), str(converted), "--crs", LOCAL_TM).returncode == 0
    assert CRS.from_user_input(pyogrio.read_info(converted, layer="links")["crs"]).to_epsg() \
        is None
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", str(converted), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    version = current_network_version(db_engine, "water")
    assert version.srid == 0 and version.crs_wkt
    stored = load_network_layers(db_engine, "water")["links"]
    assert CRS.from_user_input(stored.crs).equals(CRS.from_proj4(LOCAL_TM), ignore_axis_order=True)
    from_file = cli("trace", "--network", str(converted), "--break", "101", "--json")
    traced = TraceEngines(db_engine).get("water").engine.break_trace(["101"])
    import json

    assert json.loads(from_file.stdout) == traced.to_json()


def _pandapower_json(path: Path) -> Path:
    pp = pytest.importorskip("pandapower")
    pn = pytest.importorskip("pandapower.networks")
    pp.to_json(pn.example_simple(), str(path))
    return path


def _empty_net(path: Path) -> Path:
    pp = pytest.importorskip("pandapower")
    pp.to_json(pp.create_empty_network(), str(path))
    return path


BAD_NETS = {
    "missing": ("net.json", lambda p: None, "file not found"),
    "truncated": ("net.json", lambda p: p.write_text(_pandapower_json(p).read_text()[:2000]),
                  "not a readable pandapower net (broken or truncated?)"),
    "garbage": ("net.json", lambda p: p.write_bytes(b"\x00\x01garbage{"),
                "not a readable pandapower net (broken or truncated?)"),
    "other json": ("net.json", lambda p: p.write_text('{"type": "FeatureCollection"}'),
                   "not a readable pandapower net"),
    "empty net": ("net.json", _empty_net, "the net has no buses or no lines"),
    "pickle": ("net.p", lambda p: p.write_bytes(b"\x80\x04K\x01."),
               "pickle files are not read (they can run code)"),
}


@pytest.mark.parametrize("name", list(BAD_NETS))
def test_a_pandapower_file_that_cannot_be_converted_is_one_line_exit_2(tmp_path, name):
    filename, write, message = BAD_NETS[name]
    source = tmp_path / filename
    write(source)
    out = cli("convert-pandapower", str(source), str(tmp_path / "out.gpkg"))
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {source}: {message}"), out.stderr
    assert not (tmp_path / "out.gpkg").exists()
