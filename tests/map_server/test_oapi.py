"""OGC API Features at /oapi: the `outages` collection over gis_outage storage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.outages import change_status, update_outage
from map_server.app import create_app
from tests.map_server.conftest import PUBLIC_URL
from tests.map_server.data import ENGINEER, new_outage

ITEMS = "/oapi/collections/outages/items"


def items(client: TestClient, **params: object) -> dict:
    response = client.get(ITEMS, params={"f": "json", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_landing_page_and_collection(client: TestClient) -> None:
    landing = client.get("/oapi", params={"f": "json"}).json()
    assert any(link["href"].startswith("http://testserver/oapi") for link in landing["links"])
    collections = client.get("/oapi/collections", params={"f": "json"}).json()
    assert [c["id"] for c in collections["collections"]] == ["outages"]
    queryables = client.get("/oapi/collections/outages/queryables", params={"f": "json"}).json()
    assert {"service", "kind", "status", "customers"} <= set(queryables["properties"])
    assert client.get("/oapi/openapi", params={"f": "json"}).status_code == 200


def test_published_outage_appears_with_public_fields_only(client: TestClient, engine) -> None:
    assert items(client)["features"] == []
    outage_id = new_outage(engine)
    feature = items(client)["features"][0]
    assert feature["id"] == outage_id
    assert feature["geometry"]["type"] == "Polygon"
    assert set(feature["properties"]) == {
        "id", "service", "kind", "status", "starts_at", "estimated_end_at", "ended_at",
        "cause", "customers", "area_description", "updated_at",
    }  # fmt: skip
    assert feature["properties"]["customers"] == 20
    assert feature["properties"]["id"] == outage_id  # GIS clients show properties only
    assert feature["properties"]["starts_at"].endswith("Z")
    one = client.get(f"{ITEMS}/{outage_id}", params={"f": "json"})
    assert one.status_code == 200 and one.json()["id"] == outage_id


def test_drafts_are_not_listed_and_ended_outages_stay_for_a_while(
    client: TestClient, engine
) -> None:
    """Resolved and cancelled outages stay in the same collection for
    map.ended_visible_hours with their status, so a link to one keeps working."""
    draft = new_outage(engine, publish=False)
    resolved = new_outage(engine)
    change_status(engine, resolved, "resolved", ENGINEER)
    cancelled = new_outage(engine, service="electricity")
    change_status(engine, cancelled, "cancelled", ENGINEER)
    upcoming = new_outage(engine, kind="planned", starts_in=timedelta(days=10))
    listed = {f["id"]: f["properties"]["status"] for f in items(client)["features"]}
    assert listed == {resolved: "resolved", cancelled: "cancelled", upcoming: "published"}
    item = client.get(f"{ITEMS}/{resolved}", params={"f": "json"}).json()
    assert item["properties"]["status"] == "resolved" and item["properties"]["ended_at"]
    published = client.get(ITEMS, params={"f": "json", "status": "published"}).json()
    assert [f["id"] for f in published["features"]] == [upcoming]
    for hidden in (draft, 999):
        assert client.get(f"{ITEMS}/{hidden}", params={"f": "json"}).status_code == 404


def test_ended_outages_leave_when_their_time_is_up(tmp_path: Path, engine) -> None:
    """The window is measured at each check: an ended outage drops out without any
    other change to the table (the ETag token counts the recent ones)."""
    settings = Settings(data_dir=tmp_path, public_url=PUBLIC_URL,
                        map={"state_ttl_seconds": 0, "ended_visible_hours": 1.5 / 3600})
    with TestClient(create_app(settings, engine)) as short:
        resolved = new_outage(engine)
        change_status(engine, resolved, "resolved", ENGINEER)
        first = short.get(ITEMS, params={"f": "json"})
        assert [f["id"] for f in first.json()["features"]] == [resolved]
        time.sleep(1.6)
        later = short.get(ITEMS, params={"f": "json"})
        assert later.json()["features"] == []
        assert later.headers["etag"] != first.headers["etag"]
        assert short.get(f"{ITEMS}/{resolved}", params={"f": "json"}).status_code == 404


def test_etag_changes_on_publish_update_and_resolve(client: TestClient, engine) -> None:
    def etag() -> str:
        return client.get(ITEMS, params={"f": "json"}).headers["etag"]

    empty = etag()
    assert etag() == empty  # stable while nothing changes
    draft = new_outage(engine, publish=False)
    after_draft = etag()
    change_status(engine, draft, "published", ENGINEER)
    published = etag()
    assert published not in (empty, after_draft)
    update_outage(engine, draft, ENGINEER, cause="Valve failure")
    updated = etag()
    assert updated != published
    assert items(client)["features"][0]["properties"]["cause"] == "Valve failure"
    change_status(engine, draft, "resolved", ENGINEER)
    assert etag() != updated


def test_conditional_requests(client: TestClient, engine) -> None:
    new_outage(engine)
    first = client.get(ITEMS, params={"f": "json"})
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert "max-age=15" in first.headers["cache-control"]
    assert "stale-while-revalidate" in first.headers["cache-control"]
    again = client.get(ITEMS, params={"f": "json"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    since = client.get(ITEMS, params={"f": "json"}, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    other = client.get(ITEMS, params={"f": "json", "limit": 1}, headers={"If-None-Match": etag})
    assert other.status_code == 200  # another URL is another representation
    new_outage(engine, service="electricity")
    stale = client.get(ITEMS, params={"f": "json"}, headers={"If-None-Match": etag})
    assert stale.status_code == 200 and stale.json()["numberMatched"] == 2


def test_bbox_paging_and_counts(client: TestClient, engine) -> None:
    west = [new_outage(engine, where=(24.90 + i * 0.001, 60.17)) for i in range(5)]
    east = new_outage(engine, where=(25.20, 60.20), service="district_heating")
    everything = items(client)
    assert everything["numberMatched"] == 6 and everything["numberReturned"] == 6

    near = items(client, bbox="24.85,60.15,24.95,60.19")
    assert sorted(f["id"] for f in near["features"]) == sorted(west)
    assert items(client, bbox="25.1,60.1,25.3,60.3")["features"][0]["id"] == east
    assert items(client, bbox="10,10,11,11")["numberMatched"] == 0

    page1 = items(client, limit=4)
    assert page1["numberMatched"] == 6 and page1["numberReturned"] == 4
    next_link = [link for link in page1["links"] if link["rel"] == "next"][0]
    assert next_link["href"].startswith("http://testserver/oapi/collections/outages/items")
    page2 = items(client, limit=4, offset=4)
    assert page2["numberReturned"] == 2
    ids = [f["id"] for f in page1["features"] + page2["features"]]
    assert sorted(ids) == sorted([*west, east])
    hits = items(client, resulttype="hits")
    assert hits["numberMatched"] == 6 and hits["features"] == []


def test_property_datetime_and_sort_filters(client: TestClient, engine) -> None:
    water = new_outage(engine)
    heat = new_outage(engine, service="district_heating", kind="planned",
                      starts_in=timedelta(days=3), lasts=timedelta(hours=6))  # fmt: skip
    assert [f["id"] for f in items(client, service="water")["features"]] == [water]
    assert [f["id"] for f in items(client, kind="planned")["features"]] == [heat]
    assert [f["id"] for f in items(client, customers=20)["features"]] == [water, heat]

    now = datetime.now(UTC)
    in_two_days = (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    in_a_week = (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [f["id"] for f in items(client, datetime=f"{in_two_days}/{in_a_week}")["features"]] == [
        heat
    ]
    now_text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [f["id"] for f in items(client, datetime=now_text)["features"]] == [water]
    assert len(items(client, datetime=f"../{in_a_week}")["features"]) == 2
    assert client.get(ITEMS, params={"datetime": "yesterday"}).status_code == 400

    newest_first = items(client, sortby="-starts_at")["features"]
    assert [f["id"] for f in newest_first] == [heat, water]
    only = items(client, properties="service,kind", skipGeometry="true")["features"][0]
    assert set(only["properties"]) == {"service", "kind"} and only["geometry"] is None


def test_other_crs(client: TestClient, engine) -> None:
    new_outage(engine)
    crs = "http://www.opengis.net/def/crs/EPSG/0/3067"
    response = client.get(ITEMS, params={"f": "json", "crs": crs})
    assert response.status_code == 200
    x, y = response.json()["features"][0]["geometry"]["coordinates"][0][0]
    assert 380_000 < x < 400_000 and 6_670_000 < y < 6_680_000  # Helsinki in ETRS-TM35FIN
    plain = client.get(ITEMS, params={"f": "json"}).json()["features"][0]["geometry"]
    assert plain["coordinates"][0][0][0] < 180  # the cached WGS84 copy was not changed


@pytest.mark.parametrize("sortby", ["", "starts_at,,kind", "-", "+,"])
def test_an_empty_sort_key_is_a_400_not_a_crash(client: TestClient, sortby: str) -> None:
    """pygeoapi indexes each sort key's first character; an empty key used to be a 500."""
    answer = client.get("/oapi/collections/outages/items", params={"f": "json", "sortby": sortby})
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameterValue"
    good = client.get("/oapi/collections/outages/items", params={"sortby": "-starts_at"})
    assert good.status_code == 200


def test_water_quality_notices_carry_their_kind(client: TestClient, engine) -> None:
    """A boil-water notice is an item like an outage, its kind saying what it is; a
    client filters on it and reads the kind's values from the queryables."""
    cut = new_outage(engine)
    notice = new_outage(engine, kind="boil_water", cause="Bacteria in a water sample")
    kinds = {f["id"]: f["properties"]["kind"] for f in items(client)["features"]}
    assert kinds == {cut: "unplanned", notice: "boil_water"}
    only = items(client, kind="boil_water")["features"]
    assert [f["id"] for f in only] == [notice]
    assert set(only[0]["properties"]) == {
        "id", "service", "kind", "status", "starts_at", "estimated_end_at", "ended_at",
        "cause", "customers", "area_description", "updated_at",
    }  # fmt: skip
    described = client.get("/schemas/outage-feature.json").json()  # the describedBy schema
    kind = described["properties"]["properties"]["properties"]["kind"]
    assert {"boil_water", "do_not_drink"} <= set(kind["enum"])
