"""GET /api/v1/networks/{service}/devices: the field state of the current network, on
SQLite and PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.networks import save_network
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app

from .test_api import draft, helsinki_water


@pytest.fixture
def api(tmp_path: Path, db_engine: Engine) -> Iterator[tuple[TestClient, dict]]:
    layers = helsinki_water()
    upsert_addresses(db_engine, layers["addresses"])
    save_network(db_engine, "water", layers, source_name="test.gpkg")
    tokens = {}
    for role in ("viewer", "engineer"):
        create_user(db_engine, f"{role}-user", role)
        tokens[role] = {"Authorization": f"Bearer {create_token(db_engine, f'{role}-user')}"}
    app = create_app(Settings(data_dir=tmp_path), engine=db_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens


def states(client: TestClient, headers: dict) -> dict:
    r = client.get("/api/v1/networks/water/devices", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_list_follows_a_put_then_a_clear(api):
    client, tokens = api
    eng, viewer = tokens["engineer"], tokens["viewer"]
    first = states(client, viewer)
    assert first["service"] == "water" and first["devices"] == []
    assert isinstance(first["network_version"], int)

    r = client.put("/api/v1/networks/water/devices/V3", headers=eng,
                   json={"finding": "not_found", "note": "paved over"})
    assert r.status_code == 200, r.text
    r = client.put("/api/v1/networks/water/devices/V1", headers=eng, json={"passes": False})
    assert r.status_code == 200, r.text
    listed = states(client, viewer)["devices"]
    assert [d["device_id"] for d in listed] == ["V1", "V3"]
    v1, v3 = listed
    assert (v1["passes"], v1["finding"], v1["note"]) == (False, None, None)
    assert (v3["passes"], v3["finding"], v3["note"]) == (None, "not_found", "paved over")
    assert v3["changed_by"] == "engineer-user" and v3["changed_at"]
    assert v1["outages"] == [] and v3["outages"] == []

    for device in ("V1", "V3"):
        r = client.put(f"/api/v1/networks/water/devices/{device}", headers=eng,
                       json={"passes": None, "finding": None})
        assert r.status_code == 200 and r.json()["state"] is None
    assert states(client, viewer)["devices"] == []


def test_devices_an_active_outage_holds_are_listed_with_it(api):
    client, tokens = api
    eng = tokens["engineer"]
    oid = draft(client, eng).json()["id"]
    assert states(client, eng)["devices"] == []  # a draft holds nothing in the field
    assert client.post(f"/api/v1/outages/{oid}/publish", headers=eng).status_code == 200
    held = client.get(f"/api/v1/outages/{oid}", headers=eng).json()["affected"][
        "devices_to_operate"]
    assert held == ["V1", "V2"]
    client.put("/api/v1/networks/water/devices/V2", headers=eng, json={"finding": "inoperable"})
    listed = {d["device_id"]: d for d in states(client, eng)["devices"]}
    assert sorted(listed) == ["V1", "V2"]
    assert listed["V1"]["outages"] == [{"outage_id": oid, "passes": False}]
    assert listed["V1"]["finding"] is None and listed["V1"]["changed_by"] is None
    assert listed["V2"]["finding"] == "inoperable"
    assert listed["V2"]["outages"] == [{"outage_id": oid, "passes": False}]
    assert client.post(f"/api/v1/outages/{oid}/resolve", headers=eng).status_code == 200
    assert [d["device_id"] for d in states(client, eng)["devices"]] == ["V2"]


@pytest.mark.parametrize("service", ["gas", "WATER", "water%00", "..%2Fwater", "x" * 300, " "])
def test_a_bad_service_name_is_a_clear_4xx(api, service):
    client, tokens = api
    r = client.get(f"/api/v1/networks/{service}/devices", headers=tokens["viewer"])
    assert r.status_code in (404, 422), r.text
    assert r.status_code != 404 or "Not Found" in r.text
    if r.status_code == 422:  # the enum's values, or the NUL named
        assert "water" in r.text or "NUL character" in r.text


def test_no_network_no_token(api):
    client, tokens = api
    r = client.get("/api/v1/networks/electricity/devices", headers=tokens["viewer"])
    assert r.status_code == 404 and "no electricity network has been imported" in r.text
    assert client.get("/api/v1/networks/water/devices").status_code == 401


def test_the_qgis_plugin_client_reads_the_field_state(api):
    """The plugin's Qt-free client over the real app (its transport is the test client)."""
    from qgis_plugin.core.client import ApiClient
    from qgis_plugin.core.errors import ApiError
    from qgis_plugin.core.field import DeviceState, device_states
    from qgis_plugin.core.http import HttpResponse

    client, tokens = api

    def transport(method, url, headers, body, timeout):
        r = client.request(method, url, headers=headers, content=body)
        return HttpResponse(r.status_code, r.content)

    token = tokens["engineer"]["Authorization"].split()[1]
    plugin = ApiClient("http://testserver", token, transport=transport)
    plugin.set_device("water", "V2", finding="inoperable", note="spindle broken")
    (state,) = device_states(plugin.device_states("water"))
    assert isinstance(state, DeviceState)
    assert (state.device_id, state.finding, state.passes, state.note, state.who) == (
        "V2", "inoperable", None, "spindle broken", "engineer-user")
    assert state.when and state.outages == ()
    with pytest.raises(ApiError, match="no electricity network"):
        plugin.device_states("electricity")
