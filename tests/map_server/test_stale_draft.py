"""A draft records the network version and tolerance it was traced on; publishing it after
a newer version was imported answers 409 with the difference, or re-traces on request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import get_outage, outage_events_for
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.map_server.test_api import START, helsinki_water


def test_a_draft_traced_on_an_older_network_is_refused_or_retraced(db_engine, tmp_path):
    layers = helsinki_water()
    first = save_network(db_engine, "water", layers, source_name="v1.gpkg",
                         snap_tolerance_m=0.01)
    create_user(db_engine, "eng", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'eng')}"}
    body = {"service": "water", "kind": "unplanned", "starts_at": START.isoformat(),
            "selection": {"break_links": ["L5"]}}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db_engine)) as client:
        draft = client.post("/api/v1/outages", json=body, headers=headers).json()
        assert draft["affected"]["network_version"] == first
        assert draft["affected"]["snap_tolerance_m"] == 0.01
        assert draft["affected"]["service_points"] == ["SP3"]

        # In the new version SP3 serves five customers.
        newer = helsinki_water()
        sps = newer["service_points"]
        sps.loc[sps["id"] == "SP3", "customers"] = 5
        second = save_network(db_engine, "water", newer, source_name="v2.gpkg",
                              snap_tolerance_m=0.05)

        refused = client.post(f"/api/v1/outages/{draft['id']}/publish", headers=headers)
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert detail.startswith(
            f"outage {draft['id']} was traced on water network version {first} "
            f"(snap tolerance 0.01 m); version {second} (snap tolerance 0.05 m) is current.")
        assert "customers 1 → 5" in detail and "Publish with retrace" in detail
        stored = get_outage(db_engine, draft["id"])
        assert stored.status == "draft" and outage_events_for(db_engine, draft["id"]) == []

        published = client.post(f"/api/v1/outages/{draft['id']}/publish", headers=headers,
                                json={"retrace": True})
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
    stored = get_outage(db_engine, draft["id"])
    assert stored.affected["network_version"] == second
    assert stored.affected["snap_tolerance_m"] == 0.05
    assert stored.affected["customers"] == 5


def test_a_draft_on_the_current_network_publishes_as_before(db_engine, tmp_path):
    save_network(db_engine, "water", helsinki_water(), source_name="v1.gpkg")
    create_user(db_engine, "eng", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'eng')}"}
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db_engine)) as client:
        draft = client.post("/api/v1/outages", headers=headers, json={
            "service": "water", "kind": "unplanned", "starts_at": START.isoformat(),
            "selection": {"break_links": ["L5"]}}).json()
        published = client.post(f"/api/v1/outages/{draft['id']}/publish", headers=headers)
        assert published.status_code == 200, published.text
