"""A link drawn at one point (a pump, a transformer) is valid where from_node/to_node
say what it joins: kept and listed as a warning by validation, trace, import, storage
and the engineer API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.network import NetworkError, build_network
from gis_outage.storage.networks import current_network_version, load_network_layers
from gis_outage.storage.users import create_token, create_user
from gis_outage.trace import TraceEngine
from map_server.app import create_app

from .networks import layers
from .test_network_validation import write

WARNING = "links 'PUMP': line has zero length; kept, joined by from_node/to_node"


def pumped(with_node_ids: bool = True) -> dict[str, gpd.GeoDataFrame]:
    r"""S1 at n0 -L1- n1 =PUMP= n1p -L2- n2 -L3- n3, in Helsinki (EPSG:3067).

    PUMP joins n1 and n1p, drawn at one point. A valve V1 on PUMP at n1, V2 on L3 at n2;
    a house on L2 (A2) and one on L3 (A3).
    """
    x0, y0 = 385_000, 6_672_000
    nodes = {"n0": (x0, y0), "n1": (x0 + 100, y0), "n1p": (x0 + 100, y0),
             "n2": (x0 + 200, y0), "n3": (x0 + 300, y0)}
    links = {"L1": ("n0", "n1"), "PUMP": ("n1", "n1p"), "L2": ("n1p", "n2"),
             "L3": ("n2", "n3")}
    devices = {"V1": {"link_id": "PUMP", "node_id": "n1"}, "V2": {"link_id": "L3",
                                                                 "node_id": "n2"}}
    sps = {"SP2": {"link_id": "L2", "address_id": "A2"},
           "SP3": {"link_id": "L3", "address_id": "A3", "customers": 4}}
    out = layers(nodes, links, devices, {"S1": "n0"}, sps, with_node_ids=with_node_ids)
    out["addresses"] = gpd.GeoDataFrame(
        {"id": ["A2", "A3"], "street": ["Bulevardi"] * 2, "house_number": ["2", "3"],
         "postal_code": ["00120"] * 2, "municipality": ["Helsinki"] * 2},
        geometry=list(out["service_points"].geometry), crs=out["links"].crs,
    )
    return out


def cli(*args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    if db_url:
        env["GIS_OUTAGE_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args],
                          capture_output=True, text=True, check=False, env=env)


def test_a_zero_length_link_with_node_ids_is_kept_with_a_warning():
    net = build_network(pumped())
    assert "PUMP" in net.link_ids
    assert [str(w) for w in net.warnings] == [WARNING]
    engine = TraceEngine(net)
    operated = engine.operate_trace(["V1"])
    assert operated.affected_links == ["L2", "L3", "PUMP"]
    assert operated.affected_addresses == ["A2", "A3"] and operated.customers == 5
    broken = engine.break_trace(["PUMP"])
    assert broken.devices_to_operate == ["V1", "V2"]
    assert broken.isolated_links == ["L2", "PUMP"]
    assert broken.affected_links == ["L2", "L3", "PUMP"]  # L3 has no other source


def test_a_zero_length_link_without_node_ids_is_refused_by_name():
    with pytest.raises(NetworkError) as err:
        build_network(pumped(with_node_ids=False))
    problems = [str(p) for p in err.value.problems]
    assert problems[0] == "links 'PUMP': line has zero length and no from_node/to_node"
    # The checks went on: without node ids the devices' node names name no node.
    assert "devices 'V1': node_id 'n1' is not a node" in problems


def test_cli_trace_prints_the_warning_on_stderr_and_json_on_stdout(tmp_path):
    path = write(pumped(), tmp_path / "pumped.gpkg")
    out = cli("trace", "--network", str(path), "--operate", "V1", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["affected_links"] == ["L2", "L3", "PUMP"]
    assert f"warning: {WARNING}" in out.stderr.splitlines()


def test_import_stores_it_and_the_api_traces_it(db_engine, tmp_path):
    path = write(pumped(), tmp_path / "pumped.gpkg")
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", str(path), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    assert "4 links" in out.stdout and "1 warning(s):" in out.stdout and WARNING in out.stdout
    stored = load_network_layers(db_engine, "water")["links"].set_index("id")
    assert shapely.length(stored.geometry["PUMP"]) == 0
    assert stored.loc["PUMP", "from_node"] == "n1" and stored.loc["PUMP", "to_node"] == "n1p"

    create_user(db_engine, "eng", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'eng')}"}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db_engine)) as client:
        traced = client.post("/api/v1/trace", headers=headers,
                             json={"service": "water", "operate_devices": ["V1"]})
        assert traced.status_code == 200, traced.text
        body = traced.json()
        assert body["affected_links"] == ["L2", "L3", "PUMP"]
        assert body["affected_addresses"] == ["A2", "A3"]
        assert body["warnings"] == [WARNING]
        assert body["public_area"]["type"] in ("Polygon", "MultiPolygon")
        drafted = client.post("/api/v1/outages", headers=headers, json={
            "service": "water", "kind": "unplanned", "starts_at": "2026-12-03T10:00:00+00:00",
            "selection": {"break_links": ["PUMP"]},
        })
        assert drafted.status_code == 201, drafted.text
        published = client.post(f"/api/v1/outages/{drafted.json()['id']}/publish",
                                headers=headers)
        assert published.status_code == 200, published.text
        # The public map shows it, with the generalised area and no network geometry.
        public = client.get("/api/v1/outages", headers=headers).json()
        assert len(public) == 1
    assert current_network_version(db_engine, "water").counts["links"] == 4


def test_converters_write_zero_length_links_as_drawn(tmp_path: Path):
    pp = pytest.importorskip("pandapower")
    pn = pytest.importorskip("pandapower.networks")
    from gis_outage.convert.pandapower import convert_pandapower

    pp.to_json(pn.mv_oberrhein(), str(tmp_path / "mv.json"))
    convert_pandapower(tmp_path / "mv.json", tmp_path / "mv.gpkg")
    links = gpd.read_file(tmp_path / "mv.gpkg", layer="links")
    zero = set(links["id"][shapely.length(links.geometry.to_numpy()) == 0])
    assert zero and all(z.startswith("trafo-") for z in zero)
    net = build_network({"links": links})
    assert {w.feature_id for w in net.warnings if "zero length" in w.message} == zero


def test_importing_a_zero_length_link_without_node_ids_stores_nothing(db_engine, tmp_path):
    path = write(pumped(with_node_ids=False), tmp_path / "pumped.gpkg")
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", str(path), "--service", "water", db_url=url)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    refusal = next(i for i, line in enumerate(lines) if line.startswith(f"error: {path}: "))
    assert "nothing was imported" in lines[refusal]
    assert lines[refusal + 1] == "  links 'PUMP': line has zero length and no from_node/to_node"
    assert current_network_version(db_engine, "water") is None
