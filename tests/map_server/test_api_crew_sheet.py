"""The crew sheet's data in the engineer API: engineers only, devices in walking order
with their size and place, the areas, the critical customers and the message."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app

from .crew_data import HOSTILE_CAUSE, HOSTILE_ID, ORDER, STEPS, add_crew_network
from .test_api import START


@pytest.fixture
def crew_api(tmp_path):
    db = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
    migrate(db)
    add_crew_network(db)
    tokens = {}
    for role in ("viewer", "engineer"):
        create_user(db, role, role)
        tokens[role] = {"Authorization": f"Bearer {create_token(db, role)}"}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db)) as client:
        yield client, tokens


def draft(client: TestClient, headers: dict[str, str]) -> int:
    body = {
        "service": "water",
        "kind": "unplanned",
        "starts_at": START.isoformat(),
        "cause": HOSTILE_CAUSE,
        "texts": {"en": "Water outage"},
        "selection": {"break_links": ["L2"]},
    }
    r = client.post("/api/v1/outages", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_the_crew_sheet_lists_devices_in_walking_order(crew_api):
    client, tokens = crew_api
    oid = draft(client, tokens["engineer"])
    r = client.get(f"/api/v1/outages/{oid}/crew-sheet", headers=tokens["engineer"])
    assert r.status_code == 200, r.text
    sheet = r.json()
    assert [d["id"] for d in sheet["devices"]] == ORDER
    assert [d["n"] for d in sheet["devices"]] == [1, 2, 3, 4]
    assert [d["from_previous_m"] for d in sheet["devices"]] == STEPS
    by_id = {d["id"]: d for d in sheet["devices"]}
    assert by_id["VW"]["size"] == "150" and by_id["VS"]["size"] == "200"  # device, its link
    assert by_id[HOSTILE_ID]["kind"] == "valve" and by_id["VN"]["size"] is None
    assert by_id["VW"]["link_id"] == "L2" and by_id["VW"]["node_id"] == "n1"
    assert 24.9 < by_id["VW"]["lon"] < 25.0 and 60.1 < by_id["VW"]["lat"] < 60.2
    assert sorted(f["properties"]["id"] for f in sheet["work_area"]["features"]) == [
        "L2",
        "L3",
        "L4",
        "L5",
    ]
    assert sheet["break_links"] == ["L2"]
    assert sheet["affected_area"]["type"] in ("Polygon", "MultiPolygon")
    assert [(c["category"], c["address"]) for c in sheet["critical_customers"]] == [
        ("home_dialysis", "Itäkatu 2 00100 Helsinki"),
        ("care_home", "Keskuskatu 4 00100 Helsinki"),
    ]
    assert sheet["outage"]["cause"] == HOSTILE_CAUSE  # JSON carries it as it is
    assert "Water outage" in sheet["message"]["en"]
    assert sheet["url"].endswith(f"/console/outages/{oid}/crew-sheet")
    detail = client.get(f"/api/v1/outages/{oid}", headers=tokens["viewer"]).json()
    assert detail["crew_sheet_url"] == sheet["url"]


def test_the_crew_sheet_is_for_engineers_only(crew_api):
    client, tokens = crew_api
    oid = draft(client, tokens["engineer"])
    url = f"/api/v1/outages/{oid}/crew-sheet"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(url, headers=tokens["viewer"]).status_code == 403
    assert (
        client.get("/api/v1/outages/999/crew-sheet", headers=tokens["engineer"]).status_code == 404
    )
    # The page itself carries no data of the outage: its script asks the API.
    page = client.get(f"/console/outages/{oid}/crew-sheet")
    assert page.status_code == 200
    assert "burst" not in page.text and "Itäkatu" not in page.text and "VW" not in page.text
    assert client.get("/console/outages/0/crew-sheet").status_code == 422


def test_the_qgis_plugin_gives_the_same_address(crew_api):
    """The plugin's Qt-free client names the page the API names (the dock opens it)."""
    from qgis_plugin.core.client import ApiClient

    client, tokens = crew_api
    oid = draft(client, tokens["engineer"])
    url = client.get(f"/api/v1/outages/{oid}", headers=tokens["engineer"]).json()
    assert ApiClient("http://testserver/api/v1", "t").crew_sheet_url(oid) == url["crew_sheet_url"]
