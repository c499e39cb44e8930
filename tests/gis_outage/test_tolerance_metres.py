"""Snap tolerances are metres whatever the CRS; odd inputs are warned about; the
tolerance is stored with the network version and every engine built from it uses it."""

from __future__ import annotations

import os
import subprocess
import sys

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from gis_outage.network import NetworkError, build_network
from gis_outage.storage.networks import current_network_version
from gis_outage.trace import TraceEngine
from gis_outage.tracing import TraceEngines

from .test_network_validation import write

X0, Y0 = 385_000.0, 6_672_000.0  # Helsinki in EPSG:3067


def chain(gap_m: float, crs: str = "EPSG:3067", sources: bool = True) -> dict:
    """S1 — L1 — (gap) — L2 — L3 without node ids; V1 on L2; a house on L2 and L3."""
    def p(x: float) -> tuple[float, float]:
        return (X0 + x, Y0)
    out = {
        "links": gpd.GeoDataFrame(
            {"id": ["L1", "L2", "L3"]},
            geometry=[LineString([p(0), p(100)]), LineString([p(100 + gap_m), p(200)]),
                      LineString([p(200), p(300)])], crs="EPSG:3067"),
        "devices": gpd.GeoDataFrame({"id": ["V1"], "link_id": ["L2"]},
                                    geometry=[Point(p(110))], crs="EPSG:3067"),
        "service_points": gpd.GeoDataFrame(
            {"id": ["SP2", "SP3"], "link_id": ["L2", "L3"]},
            geometry=[Point(p(150)), Point(p(250))], crs="EPSG:3067"),
    }
    if sources:
        out["sources"] = gpd.GeoDataFrame({"id": ["S1"]}, geometry=[Point(p(0))],
                                          crs="EPSG:3067")
    return {name: gdf.to_crs(crs) for name, gdf in out.items()}


@pytest.mark.parametrize("crs", ["EPSG:3067", "EPSG:4326", "EPSG:3857", "EPSG:2393"])
@pytest.mark.parametrize(("gap_m", "tolerance_m", "joined"),
                         [(0.05, 0.01, False), (0.05, 0.1, True), (0.005, 0.01, True)])
def test_the_tolerance_is_metres_in_every_crs(crs, gap_m, tolerance_m, joined):
    net = build_network(chain(gap_m, crs), snap_tolerance_m=tolerance_m)
    assert len(net.node_ids) == (4 if joined else 5)
    # Apart, L2 and L3 were never supplied: nothing is cut off.
    expected = ["SP2", "SP3"] if joined else []
    engine = TraceEngine(net)
    assert engine.operate_trace(["V1"]).affected_service_points == expected
    assert engine.break_trace(["L1"]).affected_service_points == expected
    assert net.warnings == []


def test_a_projected_extent_labelled_geographic_is_warned_about():
    layers = chain(0.0)
    for name, gdf in layers.items():
        layers[name] = gdf.set_crs("EPSG:4326", allow_override=True)
    net = build_network(layers)
    [warning] = [str(w) for w in net.warnings]
    assert warning.startswith("links: the CRS WGS 84 is geographic but the coordinates")
    assert "look projected" in warning


def test_no_sources_and_nothing_supplied_are_warned_about():
    net = build_network(chain(0.0, sources=False))
    assert [str(w) for w in TraceEngine(net).warnings] == [
        "sources: there are no sources: nothing is supplied, so no trace finds anything cut off"
    ]
    layers = chain(0.0)
    layers["devices"] = gpd.GeoDataFrame(
        {"id": ["V0"], "link_id": ["L1"], "node_id": [None], "normally_passes": [False]},
        geometry=[Point(X0 + 1, Y0)], crs="EPSG:3067")
    warnings = [str(w) for w in TraceEngine(build_network(layers)).warnings]
    assert warnings == ["sources: no link is supplied in normal operation: every source is "
                        "cut off by a device that does not pass supply"]


def test_most_links_unsupplied_is_warned_about():
    # A line of 12 links from the source; a closed device after the third cuts off nine.
    links = gpd.GeoDataFrame(
        {"id": [f"L{i}" for i in range(12)]},
        geometry=[LineString([(X0 + 10 * i, Y0), (X0 + 10 * i + 10, Y0)]) for i in range(12)],
        crs="EPSG:3067")
    layers = {
        "links": links,
        "sources": gpd.GeoDataFrame({"id": ["S1"]}, geometry=[Point(X0, Y0)], crs="EPSG:3067"),
        "devices": gpd.GeoDataFrame(
            {"id": ["V0"], "link_id": ["L3"], "normally_passes": [False]},
            geometry=[Point(X0 + 31, Y0)], crs="EPSG:3067"),
    }
    warnings = [str(w) for w in TraceEngine(build_network(layers)).warnings]
    assert warnings == ["links: most links are not supplied in normal operation: 9 of 12 "
                        "(check the sources and the devices that do not pass supply)"]
    layers["devices"]["normally_passes"] = [True]
    assert TraceEngine(build_network(layers)).warnings == []


def test_most_links_unconnected_is_warned_about():
    links = gpd.GeoDataFrame(
        {"id": [f"L{i}" for i in range(12)]},
        geometry=[LineString([(X0 + 10 * i, Y0), (X0 + 10 * i + 5, Y0)]) for i in range(12)],
        crs="EPSG:3067")
    [warning] = [str(w) for w in build_network({"links": links}).warnings
                 if w.layer == "links"]
    assert warning.startswith("links: most links are not connected: the largest connected "
                              "part has 1 of 12 links")


def test_a_source_off_the_network_names_the_distance_in_metres():
    layers = chain(0.0, crs="EPSG:4326")
    layers["sources"] = layers["sources"].to_crs("EPSG:3067").translate(3.0).to_crs("EPSG:4326")
    layers["sources"] = gpd.GeoDataFrame({"id": ["S1"]}, geometry=layers["sources"])
    with pytest.raises(NetworkError) as err:
        build_network(layers)
    [problem] = [str(p) for p in err.value.problems]
    assert problem.startswith("sources 'S1': has no node_id and is not on a link end "
                              "(the nearest is 3 m away")


def cli(*args: str, db_url: str, tolerance: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env |= {"GIS_OUTAGE_DATABASE_URL": db_url, "GIS_OUTAGE_NETWORK_SNAP_TOLERANCE_M": tolerance}
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args],
                          capture_output=True, text=True, check=False, env=env)


def test_the_version_keeps_its_tolerance_and_the_server_uses_it(db_engine, tmp_path):
    path = write(chain(0.05, "EPSG:4326"), tmp_path / "chain.gpkg")
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", str(path), "--service", "water", db_url=url, tolerance="0.1")
    assert out.returncode == 0, out.stderr
    assert "4 nodes" in out.stdout
    assert current_network_version(db_engine, "water").snap_tolerance_m == 0.1
    # A server configured otherwise still builds the topology the import checked.
    loaded = TraceEngines(db_engine, snap_tolerance_m=0.01).get("water")
    assert len(loaded.network.node_ids) == 4
    assert loaded.network.snap_tolerance_m == 0.1
    assert loaded.engine.break_trace(["L1"]).affected_service_points == ["SP2", "SP3"]
