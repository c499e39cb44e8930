"""The CLI and the engineer API trace one file alike: one service function, one tolerance.

The network has no node ids, and one pipe starts 5 cm from where the one before it
ends: whether they meet depends on the snap tolerance, which both read from
GIS_OUTAGE_NETWORK_SNAP_TOLERANCE_M.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point

from gis_outage.config import load_settings
from gis_outage.storage.db import make_engine
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app

CRS = "EPSG:3067"
X0, Y0 = 385_000.0, 6_672_000.0


def _network(path: Path) -> Path:
    """source — L1 — (5 cm gap) — L2 — L3, a valve on L2; a house on L2 and on L3."""
    def p(x: float, y: float = 0.0) -> tuple[float, float]:
        return (X0 + x, Y0 + y)

    links = gpd.GeoDataFrame(
        {"id": ["L1", "L2", "L3"], "kind": ["pipe"] * 3},
        geometry=[LineString([p(0), p(100)]), LineString([p(100.05), p(200)]),
                  LineString([p(200), p(300)])],
        crs=CRS,
    )
    devices = gpd.GeoDataFrame(
        {"id": ["V1"], "kind": ["valve"], "link_id": ["L2"]}, geometry=[Point(p(110))], crs=CRS
    )
    sources = gpd.GeoDataFrame({"id": ["S1"]}, geometry=[Point(p(0))], crs=CRS)
    service_points = gpd.GeoDataFrame(
        {"id": ["SP2", "SP3"], "link_id": ["L2", "L3"], "address_id": ["A2", "A3"]},
        geometry=[Point(p(150, 5)), Point(p(250, 5))], crs=CRS,
    )
    addresses = gpd.GeoDataFrame(
        {"id": ["A2", "A3"], "street": ["Bulevardi"] * 2, "house_number": ["2", "3"],
         "postal_code": ["00120"] * 2, "municipality": ["Helsinki"] * 2},
        geometry=[Point(p(150, 5)), Point(p(250, 5))], crs=CRS,
    )
    for name, frame in [("links", links), ("devices", devices), ("sources", sources),
                        ("service_points", service_points), ("addresses", addresses)]:
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, check=False)


@pytest.mark.parametrize("tolerance", ["0.01", "0.1"])
def test_cli_and_api_give_the_same_trace_for_the_same_file_and_tolerance(
    tmp_path: Path, tolerance: str
) -> None:
    gpkg = _network(tmp_path / "water.gpkg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env.update({"GIS_OUTAGE_DATA_DIR": str(tmp_path),
                "GIS_OUTAGE_NETWORK_SNAP_TOLERANCE_M": tolerance})
    cli = _cli("trace", "--network", str(gpkg), "--break", "L1", "--json", env=env, cwd=tmp_path)
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)

    imported = _cli("import-network", str(gpkg), "--service", "water", env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    settings = load_settings(data_dir=tmp_path, network={"snap_tolerance_m": float(tolerance)})
    db = make_engine(settings.effective_database_url)
    create_user(db, "engineer", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db, 'engineer')}"}
    with TestClient(create_app(settings, db)) as client:
        answer = client.post("/api/v1/trace", headers=headers,
                             json={"service": "water", "break_links": ["L1"]})
    assert answer.status_code == 200, answer.text
    from_api = {key: answer.json()[key] for key in from_cli}
    assert from_api == from_cli
    # The tolerance decides whether L2 hangs on L1: the houses on it lose supply or not.
    connected = float(tolerance) > 0.05
    assert from_cli["affected_addresses"] == (["A2", "A3"] if connected else [])
