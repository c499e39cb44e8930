"""Converted EPANET and pandapower networks through the whole path a new user takes:
convert → trace the file → import → trace and draft through the engineer API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.outages import get_outage
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app

wntr = pytest.importorskip("wntr")
pn = pytest.importorskip("pandapower.networks")
pp = pytest.importorskip("pandapower")

pytestmark = pytest.mark.filterwarnings("ignore:tap_dependency_table:DeprecationWarning")


def cli(*args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    if db_url:
        env["GIS_OUTAGE_DATABASE_URL"] = db_url
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", *args],
                          capture_output=True, text=True, check=False, env=env)


def strict_json(text: str) -> dict:
    """JSON as RFC 8259 has it: NaN and Infinity are refused."""
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each converted network and a link to break on it."""
    tmp = tmp_path_factory.mktemp("converted")
    net3 = Path(wntr.library.model_library.get_filepath("Net3"))
    out = cli("convert-epanet", str(net3), str(tmp / "net3.gpkg"))
    assert out.returncode == 0, out.stderr
    pp.to_json(pn.mv_oberrhein(), str(tmp / "mv.json"))
    out = cli("convert-pandapower", str(tmp / "mv.json"), str(tmp / "mv.gpkg"))
    assert out.returncode == 0, out.stderr
    return {"net3": (tmp / "net3.gpkg", "101"), "mv_oberrhein": (tmp / "mv.gpkg", "line-10")}


@pytest.mark.parametrize("name", ["net3", "mv_oberrhein"])
def test_trace_of_a_converted_file_is_strict_json_and_the_text_counts_agree(converted, name):
    path, link = converted[name]
    out = cli("trace", "--network", str(path), "--break", link, "--json")
    assert out.returncode == 0, out.stderr
    result = strict_json(out.stdout)
    # Converted service points have no address: none is reported, customers still count.
    assert result["affected_addresses"] == []
    assert result["affected_service_points"] and result["customers"] > 0
    assert link in result["isolated_links"]

    text = cli("trace", "--network", str(path), "--break", link)
    assert text.returncode == 0, text.stderr
    lines = dict(line.split(":", 1) for line in text.stdout.splitlines())
    assert int(lines["addresses"]) == 0
    assert int(lines["service points"]) == len(result["affected_service_points"])
    assert int(lines["affected links"]) == len(result["affected_links"])
    assert int(lines["customers"]) == result["customers"]


@pytest.mark.parametrize("name", ["net3", "mv_oberrhein"])
def test_imported_converted_network_traces_and_drafts_through_the_api(
    converted, name, db_engine, tmp_path
):
    path, link = converted[name]
    url = db_engine.url.render_as_string(hide_password=False)
    out = cli("import-network", str(path), "--service", "water", db_url=url)
    assert out.returncode == 0, out.stderr
    from_file = strict_json(cli("trace", "--network", str(path), "--break", link,
                                "--json").stdout)

    create_user(db_engine, "eng", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'eng')}"}
    app = create_app(Settings(data_dir=tmp_path), engine=db_engine)
    with TestClient(app) as client:
        traced = client.post("/api/v1/trace", headers=headers,
                             json={"service": "water", "break_links": [link]})
        assert traced.status_code == 200, traced.text
        body = strict_json(traced.text)
        for key, value in from_file.items():
            assert body[key] == value, key

        drafted = client.post("/api/v1/outages", headers=headers, json={
            "service": "water", "kind": "unplanned", "starts_at": "2026-12-03T10:00:00+00:00",
            "selection": {"break_links": [link]},
        })
        assert drafted.status_code == 201, drafted.text
        outage = strict_json(drafted.text)
        assert outage["affected"]["service_points"] == from_file["affected_service_points"]
        assert outage["affected"]["addresses"] == []
        published = client.post(f"/api/v1/outages/{outage['id']}/publish", headers=headers,
                                json={})
        assert published.status_code == 200, published.text
    assert get_outage(db_engine, outage["id"]).status == "published"
