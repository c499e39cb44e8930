"""Critical customers in the engineer API: trace, draft, outage detail and the field
differences list them most critical first with their category (public pages never do:
tests/map_server/test_public_data.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.networks import save_network
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.notifier.outage_data import add_directory, mobile

from .test_api import draft, helsinki_water

CARE_HOME = {"service_point": "SP2", "category": "care_home", "address_id": "A2", "customers": 2}
DIALYSIS = {"service_point": "SP3", "category": "home_dialysis", "address_id": "A3", "customers": 1}
SCHOOL = {"service_point": "SP1", "category": "school", "address_id": "A1", "customers": 3}


@pytest.fixture
def flagged_api(tmp_path):
    db = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
    migrate(db)
    layers = helsinki_water()
    layers["service_points"]["critical"] = layers["service_points"]["id"].map(
        {"SP1": "school", "SP2": "care_home", "SP3": "home_dialysis"}
    )
    upsert_addresses(db, layers["addresses"])
    save_network(db, "water", layers, source_name="flagged.gpkg")
    create_user(db, "eng", "engineer")
    create_user(db, "look", "viewer")
    headers = {"Authorization": f"Bearer {create_token(db, 'eng')}"}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db)) as client:
        client.viewer = {"Authorization": f"Bearer {create_token(db, 'look')}"}
        yield client, headers


def test_a_viewer_sees_no_critical_customers(flagged_api):
    """Who is a home-dialysis patient is health data: engineers plan the work with it,
    viewers (and the public) never see it, in a trace, a list or an outage's detail."""
    client, eng = flagged_api
    look = client.viewer
    body = {"service": "water", "break_links": ["L2"]}
    assert client.post("/api/v1/trace", headers=eng, json=body).json()["critical_customers"]
    seen = client.post("/api/v1/trace", headers=look, json=body)
    assert seen.status_code == 200 and seen.json()["critical_customers"] == []
    oid = draft(client, eng).json()["id"]
    detail = client.get(f"/api/v1/outages/{oid}", headers=look)
    assert detail.status_code == 200
    assert "critical_customers" not in detail.json()["affected"]
    assert "SP2" in detail.json()["affected"]["service_points"]  # the rest is there
    listed = client.get("/api/v1/outages", headers=look).json()
    assert listed and all("critical_customers" not in o["affected"] for o in listed)
    for path in (f"/api/v1/outages/{oid}", "/api/v1/outages"):
        assert "care_home" not in client.get(path, headers=look).text
    assert "care_home" in client.get(f"/api/v1/outages/{oid}", headers=eng).text


def test_trace_draft_detail_and_stuck_list_critical_customers_first(flagged_api):
    client, eng = flagged_api
    r = client.post("/api/v1/trace", headers=eng, json={"service": "water", "break_links": ["L2"]})
    assert r.status_code == 200, r.text
    assert r.json()["critical_customers"] == [CARE_HOME]

    created = draft(client, eng)
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    assert created.json()["affected"]["critical_customers"] == [CARE_HOME]
    detail = client.get(f"/api/v1/outages/{oid}", headers=eng).json()
    assert detail["affected"]["critical_customers"] == [CARE_HOME]
    assert client.post(f"/api/v1/outages/{oid}/publish", headers=eng).status_code == 200

    # V1 will not close: the isolation grows to V3 and reaches the dialysis patient and
    # the school, listed in that order, the most critical first.
    r = client.post(f"/api/v1/outages/{oid}/stuck", headers=eng, json={"devices": ["V1"]})
    assert r.status_code == 200, r.text
    assert r.json()["difference"]["critical_customers"] == {
        "added": [DIALYSIS, SCHOOL],
        "removed": [],
    }
    r = client.post(
        f"/api/v1/outages/{oid}/stuck", headers=eng, json={"devices": ["V1"], "confirm": True}
    )
    assert r.json()["outage"]["affected"]["critical_customers"] == [DIALYSIS, CARE_HOME, SCHOOL]

    r = client.post(
        f"/api/v1/outages/{oid}/restore",
        headers=eng,
        json={"links": ["L1", "L2"], "devices": ["V3"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["difference"]["critical_customers"] == {
        "added": [],
        "removed": [DIALYSIS, SCHOOL],
    }


def test_a_viewers_preview_counts_no_extra_calls_to_critical_customers(flagged_api, tmp_path):
    """The extra call a care home gets would tell a viewer that one is affected: the
    viewer's preview counts the messages everyone gets, the engineer's the calls too."""
    client, eng = flagged_api
    db = client.app.state.db
    add_directory(db, [{"phone": mobile(i), "address_id": f"A{i}", "number_type": "mobile"}
                       for i in (1, 2, 3)])
    oid = draft(client, eng).json()["id"]
    path = f"/api/v1/outages/{oid}/recipients/preview"
    engineer = client.post(path, headers=eng).json()["recipients"]
    viewer = client.post(path, headers=client.viewer).json()["recipients"]
    assert engineer["sms"] == viewer["sms"] >= 1
    assert engineer["voice"] > viewer["voice"] == 0
