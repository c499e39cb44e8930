"""The field routes of the engineer API: preview, then confirm; errors say what is wrong."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.outages import outage_events_for

from .test_api import api, draft  # noqa: F401  (the fixture)


def test_stuck_preview_confirm_restore_and_device_state(api):  # noqa: F811
    client, db, tokens = api
    eng = tokens["engineer"]
    oid = draft(client, eng).json()["id"]
    assert client.post(f"/api/v1/outages/{oid}/publish", headers=eng).status_code == 200
    upsert_addresses(db, gpd.GeoDataFrame(
        {"id": ["A1"], "street": ["Runebergsgatan"], "house_number": ["7 A"],
         "postal_code": ["00100"]}, geometry=[Point(24.93, 60.17)], crs="EPSG:4326"))

    r = client.post(f"/api/v1/outages/{oid}/stuck", headers=eng, json={"devices": ["V1"]})
    assert r.status_code == 200, r.text
    diff = r.json()["difference"]
    assert r.json()["confirmed"] is False
    assert diff["devices_to_operate"] == {"added": ["V3"], "removed": ["V1"]}
    assert diff["addresses"]["added"] == ["A1", "A3"]
    # Each as the register writes it (A1 just renamed there).
    places = diff["addresses"]["places"]
    assert set(places) == {"A1", "A3"} and places["A1"] == "Runebergsgatan 7 A, 00100"
    assert client.get(f"/api/v1/outages/{oid}", headers=eng).json()["affected"][
        "devices_to_operate"] == ["V1", "V2"]  # a preview stores nothing

    r = client.post(f"/api/v1/outages/{oid}/stuck", headers=eng,
                    json={"devices": ["V1"], "confirm": True})
    assert r.status_code == 200, r.text
    outage = r.json()["outage"]
    assert outage["affected"]["devices_to_operate"] == ["V2", "V3"]
    assert outage["public_area"]["type"] in ("Polygon", "MultiPolygon")
    kinds = [e.kind for e in outage_events_for(db, oid)]
    assert kinds == ["published", "extended"]

    r = client.post(f"/api/v1/outages/{oid}/restore", headers=eng,
                    json={"links": ["L1", "L2"], "devices": ["V3"], "confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["difference"]["addresses"]["supplied_again"] == ["A1", "A3"]
    assert [e.kind for e in outage_events_for(db, oid)][-1] == "restored"
    r = client.post(f"/api/v1/outages/{oid}/restore", headers=eng,
                    json={"everything": True, "confirm": True})
    assert r.json()["outage"]["status"] == "resolved"

    # The finding stays for the next trace until it is cleared.
    r = client.post("/api/v1/trace", headers=eng, json={"service": "water", "break_links": ["L2"]})
    assert r.json()["devices_to_operate"] == ["V2", "V3"]
    r = client.put("/api/v1/networks/water/devices/V1", headers=eng, json={"finding": None})
    assert r.status_code == 200 and r.json()["state"] is None
    r = client.post("/api/v1/trace", headers=eng, json={"service": "water", "break_links": ["L2"]})
    assert r.json()["devices_to_operate"] == ["V1", "V2"]


def test_field_errors_are_clear(api):  # noqa: F811
    client, _, tokens = api
    eng = tokens["engineer"]
    oid = draft(client, eng).json()["id"]
    r = client.post(f"/api/v1/outages/{oid}/stuck", headers=eng, json={"devices": ["V99"]})
    assert r.status_code == 422 and "unknown device id 'V99'" in r.text
    r = client.post(f"/api/v1/outages/{oid}/restore", headers=eng, json={"devices": ["V5"]})
    assert r.status_code == 422 and "'V5' is not held by this outage" in r.text
    r = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng, json={"device": "V6"})
    assert r.status_code == 422 and "feeds nothing of this outage back" in r.text
    assert client.get(f"/api/v1/outages/{oid}/backfeed", headers=eng).json() == []
    r = client.put("/api/v1/networks/water/devices/V77", headers=eng,
                   json={"finding": "inoperable"})
    assert r.status_code == 422 and "unknown device id 'V77'" in r.text
    r = client.put("/api/v1/networks/water/devices/V1", headers=eng, json={"finding": "rusty"})
    assert r.status_code == 422
    assert client.post("/api/v1/outages/999/stuck", headers=eng,
                       json={"devices": ["V1"]}).status_code == 404
    assert client.post(f"/api/v1/outages/{oid}/stuck", headers=tokens["viewer"],
                       json={"devices": ["V1"]}).status_code == 403


def test_the_qgis_plugin_client_speaks_the_field_routes(api):  # noqa: F811
    """The plugin's Qt-free client over the real app (its transport is the test client)."""
    from qgis_plugin.core.client import ApiClient
    from qgis_plugin.core.errors import ApiError
    from qgis_plugin.core.field import Difference, outage_trace
    from qgis_plugin.core.http import HttpResponse

    client, _, tokens = api
    eng = tokens["engineer"]
    oid = draft(client, eng).json()["id"]

    def transport(method, url, headers, body, timeout):
        r = client.request(method, url, headers=headers, content=body)
        return HttpResponse(r.status_code, r.content)

    plugin = ApiClient("http://testserver", eng["Authorization"].split()[1],
                       transport=transport)
    preview = plugin.stuck(oid, ["V1"])
    assert preview["difference"]["devices_to_operate"]["added"] == ["V3"]
    # What the dock draws and sums up, read from the real answer.
    seen = Difference.from_json(preview["difference"])
    assert (seen.outage_id, seen.devices_added, seen.devices_removed) == (oid, ("V3",), ("V1",))
    assert seen.addresses_added == ("A1", "A3") and seen.supplied_again == ()
    assert seen.customers_change == preview["difference"]["customers"]["after"] - \
        preview["difference"]["customers"]["before"]
    assert seen.service_points == tuple(preview["difference"]["affected"]["service_points"])
    confirmed = plugin.stuck(oid, ["V1"], confirm=True)["outage"]
    assert confirmed["affected"]["devices_to_operate"] == ["V2", "V3"]
    drawn = outage_trace(confirmed)
    assert drawn.devices_to_operate == ("V2", "V3")
    assert drawn.affected_service_points == tuple(confirmed["affected"]["service_points"])
    assert drawn.customers == confirmed["affected"]["customers"]
    assert plugin.backfeed_suggestions(oid, radial=False) == []
    step = plugin.restore(oid, everything=True)
    assert step["confirmed"] is False and step["difference"]["work_links"] == []
    assert plugin.set_device("water", "V1", finding=None)["state"] is None
    with pytest.raises(ApiError, match="'L6' is not in the outage's work area"):
        plugin.restore(oid, links=["L6"])
