"""The engineer API over a real app and a real database file."""

import csv
import io
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, box, mapping

from gis_outage.config import Settings
from gis_outage.storage.audit import audit_entries
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import outage_events_for, public_outages
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.recipients import insert_deliveries_once
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.gis_outage.networks import small_water

# Begun an hour ago and lasting 4 h: a restoration time still to come.
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def helsinki_water():
    """The small network moved to Helsinki, with its addresses."""
    layers = small_water()
    for name in layers:
        layers[name] = layers[name].set_geometry(layers[name].translate(385_000, 6_672_000))
    streets = {"A1": "Mannerheimintie", "A2": "Aleksanterinkatu", "A3": "Bulevardi"}
    sps = layers["service_points"]
    layers["addresses"] = gpd.GeoDataFrame(
        {
            "id": list(streets),
            "street": list(streets.values()),
            "house_number": ["1", "2", "3"],
            "postal_code": ["00100"] * 3,
            "municipality": ["Helsinki"] * 3,
        },
        geometry=[sps.geometry[sps["address_id"] == a].iloc[0] for a in streets],
        crs=sps.crs,
    )
    return layers


@pytest.fixture
def api(tmp_path):
    db = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
    migrate(db)
    yield from _served(db, tmp_path)


@pytest.fixture
def api_on(tmp_path, db_engine):
    """`api` on each backend."""
    yield from _served(db_engine, tmp_path)


def _served(db, tmp_path):
    from gis_outage.storage.addresses import upsert_addresses

    layers = helsinki_water()
    upsert_addresses(db, layers["addresses"])
    save_network(db, "water", layers, source_name="test.gpkg")
    tokens = {}
    for role in ("viewer", "engineer", "admin"):
        create_user(db, f"{role}-user", role)
        tokens[role] = {"Authorization": f"Bearer {create_token(db, f'{role}-user')}"}
    app = create_app(Settings(data_dir=tmp_path), engine=db)
    with TestClient(app) as client:
        yield client, db, tokens


def draft(client, headers, **extra):
    body = {
        "service": "water",
        "kind": "unplanned",
        "starts_at": START.isoformat(),
        "estimated_end_at": (START + timedelta(hours=4)).isoformat(),
        "cause": "Pipe burst",
        "texts": {"fi": "Vesikatko", "en": "Water outage"},
        "selection": {"break_links": ["L2"]},
    } | extra
    return client.post("/api/v1/outages", json=body, headers=headers)


def test_tokens_and_roles_are_enforced(api):
    client, _, tokens = api
    assert client.post("/api/v1/trace", json={}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/v1/trace", json={}, headers=bad).status_code == 401
    assert draft(client, tokens["viewer"]).status_code == 403
    assert (
        client.get("/api/v1/outages/1/deliveries.csv", headers=tokens["engineer"]).status_code
        == 403
    )


def test_trace_answers_with_a_public_area_and_streets(api):
    client, _, tokens = api
    r = client.post(
        "/api/v1/trace", headers=tokens["viewer"], json={"service": "water", "break_links": ["L5"]}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["devices_to_operate"] == ["V3", "V5"]
    assert body["affected_links"] == ["L4", "L5", "L6"]
    assert body["streets"] == ["Bulevardi"]
    assert body["public_area"]["type"] in ("Polygon", "MultiPolygon")
    assert body["network_version"] >= 1


def test_area_outage_by_polygon(api):
    client, _, tokens = api
    sp3 = Point(385_000 + 250, 6_672_000 - 100)  # on L6
    polygon = gpd.GeoSeries([sp3.buffer(30)], crs="EPSG:3067").to_crs("EPSG:4326").iloc[0]
    r = client.post(
        "/api/v1/trace",
        headers=tokens["viewer"],
        json={"service": "water", "polygon": mapping(polygon)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["affected_service_points"] == ["SP3"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"service": "water", "break_links": ["nope"]}, "break_links"),
        ({"service": "water", "operate_devices": ["nope"]}, "operate_devices"),
        ({"service": "gas", "break_links": ["L1"]}, "service"),
        ({"service": "water", "break_links": ["L1"], "operate_devices": ["V1"]}, None),
        ({"service": "water", "polygon": {"type": "Point", "coordinates": [1, 2]}}, None),
    ],
)
def test_bad_trace_input_is_422_naming_the_field(api, body, field):
    client, _, tokens = api
    r = client.post("/api/v1/trace", headers=tokens["viewer"], json=body)
    assert r.status_code == 422, r.text
    if field:
        assert field in str(r.json()["detail"])


def test_trace_of_a_service_without_network_is_404(api):
    client, _, tokens = api
    r = client.post(
        "/api/v1/trace",
        headers=tokens["viewer"],
        json={"service": "electricity", "break_links": ["x"]},
    )
    assert r.status_code == 404
    assert "no electricity network" in r.json()["detail"]


def test_outage_life_cycle_writes_events_outbox_and_audit(api):
    client, db, tokens = api
    r = draft(client, tokens["engineer"])
    assert r.status_code == 201, r.text
    outage = r.json()
    assert outage["status"] == "draft"
    assert outage["affected"]["links"] == ["L2", "L3"]
    assert outage["affected"]["customers"] == 3
    assert outage_events_for(db, outage["id"]) == []
    assert public_outages(db) == []

    r = client.post(f"/api/v1/outages/{outage['id']}/publish", headers=tokens["engineer"])
    assert r.status_code == 200, r.text
    assert [p.id for p in public_outages(db)] == [outage["id"]]
    events = outage_events_for(db, outage["id"])
    assert [e.kind for e in events] == ["published"]
    assert [o.event_id for o in pending_outbox(db)] == [events[0].id]

    new_end = (START + timedelta(hours=6)).isoformat()
    r = client.patch(
        f"/api/v1/outages/{outage['id']}",
        headers=tokens["engineer"],
        json={"estimated_end_at": new_end, "expected_version": 2},
    )
    assert r.status_code == 200, r.text
    r = client.patch(
        f"/api/v1/outages/{outage['id']}",
        headers=tokens["engineer"],
        json={"cause": "x", "expected_version": 2},
    )
    assert r.status_code == 409

    r = client.post(f"/api/v1/outages/{outage['id']}/resolve", headers=tokens["engineer"])
    assert r.json()["status"] == "resolved" and r.json()["ended_at"]
    r = client.post(f"/api/v1/outages/{outage['id']}/cancel", headers=tokens["engineer"])
    assert r.status_code == 409
    assert "resolved" in r.json()["detail"]
    kinds = [e.kind for e in outage_events_for(db, outage["id"])]
    assert kinds == ["published", "updated", "resolved"]
    actions = [(a.actor, a.action) for a in audit_entries(db, f"outage:{outage['id']}")]
    assert ("engineer-user", "outage.create") in actions
    assert ("engineer-user", "outage.resolved") in actions

    listed = client.get("/api/v1/outages", headers=tokens["viewer"]).json()
    assert [o["id"] for o in listed] == [outage["id"]]
    assert "deliveries" in listed[0]
    csv = client.get(f"/api/v1/outages/{outage['id']}/deliveries.csv", headers=tokens["admin"])
    assert csv.status_code == 200
    assert csv.text.splitlines()[0].startswith("event,channel,destination,status")


TRACE_LISTS = ("addresses", "service_points", "links", "isolated_links")


def test_changes_and_the_list_answer_without_the_id_lists_that_get_returns(api_on):
    client, db, tokens = api_on
    first = draft(client, tokens["engineer"]).json()
    second = draft(client, tokens["engineer"]).json()
    whole = client.get(f"/api/v1/outages/{first['id']}", headers=tokens["engineer"]).json()
    assert whole["affected"]["links"] == ["L2", "L3"]
    assert all(key in whole["affected"] for key in TRACE_LISTS)
    header = {k: v for k, v in whole["affected"].items() if k not in TRACE_LISTS}
    assert header["customers"] == 3 and header["streets"]

    listed = client.get("/api/v1/outages", headers=tokens["engineer"]).json()
    assert [o["affected"] for o in listed] == [header, header]
    end = (START + timedelta(hours=9)).isoformat()
    edited = client.patch(f"/api/v1/outages/{first['id']}", headers=tokens["engineer"],
                          json={"estimated_end_at": end, "expected_version": whole["version"]})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["affected"], edited.json()["version"]) == (header, whole["version"] + 1)
    whole = client.get(f"/api/v1/outages/{first['id']}", headers=tokens["engineer"]).json()

    for outage, path in ((first, "publish"), (first, "resolve"), (second, "cancel")):
        r = client.post(f"/api/v1/outages/{outage['id']}/{path}", headers=tokens["engineer"])
        assert r.status_code == 200, r.text
        assert r.json()["affected"] == header, path
        assert r.json()["messages"]["action"]
    got = client.get(f"/api/v1/outages/{first['id']}", headers=tokens["engineer"]).json()
    assert (got["status"], got["affected"]) == ("resolved", whole["affected"])
    # The published event has the outage's lists, as stored.
    published = outage_events_for(db, first["id"])[0]
    assert {k: published.affected[k] for k in TRACE_LISTS} == {
        k: whole["affected"][k] for k in TRACE_LISTS}


def test_bad_outage_input_is_422(api):
    client, _, tokens = api
    r = draft(client, tokens["engineer"], estimated_end_at=(START - timedelta(hours=1)).isoformat())
    assert r.status_code == 422
    r = draft(client, tokens["engineer"], starts_at="2026-11-24T08:00:00")  # no timezone
    assert r.status_code == 422
    assert "starts_at" in str(r.json()["detail"])


@pytest.mark.parametrize("kind", ["boil_water", "do_not_drink"])
@pytest.mark.parametrize("service", ["district_heating", "electricity"])
def test_a_water_quality_notice_is_for_water_only(api, kind, service):
    client, _, tokens = api
    r = draft(client, tokens["engineer"], service=service, kind=kind)
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"] == ["body", "kind"]
    assert f"{kind} is a water-quality notice, for the water service only" in error["msg"]
    assert client.get("/api/v1/outages", headers=tokens["viewer"]).json() == []


def test_a_supply_cut_and_a_notice_do_not_turn_into_each_other(api):
    client, _, tokens = api
    cut = draft(client, tokens["engineer"]).json()["id"]
    r = client.patch(f"/api/v1/outages/{cut}", headers=tokens["engineer"],
                     json={"kind": "boil_water"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "kind"]
    notice = draft(client, tokens["engineer"], kind="boil_water").json()["id"]
    r = client.patch(f"/api/v1/outages/{notice}", headers=tokens["engineer"],
                     json={"kind": "do_not_drink"})  # escalated: allowed
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "do_not_drink"
    r = client.patch(f"/api/v1/outages/{notice}", headers=tokens["engineer"],
                     json={"kind": "planned"})
    assert r.status_code == 422, r.text


def test_a_restoration_time_already_past_is_refused(api):
    """Residents would read "back by 7.30" at 8.02: refused on create and on update."""
    client, db, tokens = api
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    past = (started + timedelta(hours=1)).isoformat()
    r = draft(client, tokens["engineer"], starts_at=started.isoformat(), estimated_end_at=past)
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["loc"] == ["body", "estimated_end_at"]
    assert "already past" in error["msg"] and "still to come" in error["msg"]
    assert client.get("/api/v1/outages", headers=tokens["viewer"]).json() == []

    ahead = (started + timedelta(hours=4)).isoformat()
    r = draft(client, tokens["engineer"], starts_at=started.isoformat(), estimated_end_at=ahead)
    assert r.status_code == 201, r.text
    outage_id = r.json()["id"]
    r = client.patch(f"/api/v1/outages/{outage_id}", headers=tokens["engineer"],
                     json={"estimated_end_at": past})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "estimated_end_at"]
    stored = client.get(f"/api/v1/outages/{outage_id}", headers=tokens["viewer"]).json()
    assert datetime.fromisoformat(stored["estimated_end_at"]) == datetime.fromisoformat(ahead)
    # No estimate at all stays allowed.
    r = client.patch(f"/api/v1/outages/{outage_id}", headers=tokens["engineer"],
                     json={"estimated_end_at": None})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/outages/999/publish", headers=tokens["engineer"])
    assert r.status_code == 404


def test_drawn_area_outage_is_created_from_a_polygon(api):
    client, _, tokens = api
    area = gpd.GeoSeries([box(385_000, 6_671_800, 385_400, 6_672_100)], crs="EPSG:3067")
    polygon = mapping(area.to_crs("EPSG:4326").iloc[0])
    r = draft(client, tokens["engineer"], selection={"polygon": polygon}, kind="planned")
    assert r.status_code == 201, r.text
    assert r.json()["affected"]["customers"] == 3 + 2 + 1 + 1


def test_recipients_preview_counts_by_channel_without_personal_data(api):
    client, db, tokens = api
    from gis_outage.storage.directory import replace_directory

    replace_directory(
        db,
        [
            {"phone": "+358401234567", "number_type": "mobile", "address_id": "A2",
             "secret": False, "birth_year": 1970},
            {"phone": "+35891234567", "number_type": "fixed_line", "address_id": "A2",
             "secret": False, "birth_year": None},
            {"phone": "+358501112233", "number_type": "mobile", "address_id": "A2",
             "secret": True, "birth_year": None},
            {"phone": "+358451112233", "number_type": "mobile", "address_id": "A1",
             "secret": False, "birth_year": None},
        ],
        source="op",
    )
    outage = draft(client, tokens["engineer"]).json()  # break L2: address A2 only
    r = client.post(f"/api/v1/outages/{outage['id']}/recipients/preview",
                    headers=tokens["viewer"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message_kind"] == "unplanned_start"
    assert body["recipients"] == {"sms": 1, "email": 0, "voice": 1}
    assert set(body["sms"]) == {"fi", "sv", "en"}
    assert body["sms"]["fi"]["fragments"] >= 1
    assert body["sms"]["fi"]["encoding"] in ("gsm7", "ucs2", "GSM7", "UCS2")
    for number in ("401234567", "91234567", "501112233"):
        assert number not in r.text
    missing = client.post("/api/v1/outages/999/recipients/preview", headers=tokens["viewer"])
    assert missing.status_code == 404


def test_the_deliveries_csv_runs_no_formula_and_is_audited(api):
    """E-mail addresses residents typed may start like a spreadsheet formula (all valid
    addresses): the regulator's CSV opens them as text, and says who downloaded it."""
    client, db, tokens = api
    outage = draft(client, tokens["engineer"]).json()
    client.post(f"/api/v1/outages/{outage['id']}/publish", headers=tokens["engineer"])
    [event] = outage_events_for(db, outage["id"])
    hostile = ["=cmd|' /C calc'!A0@example.org", "+1+1@example.org", "-2+3@example.org"]
    insert_deliveries_once(
        db, event.id, [(d, "email") for d in hostile] + [("+358401234567", "sms")]
    )
    response = client.get(f"/api/v1/outages/{outage['id']}/deliveries.csv",
                          headers=tokens["admin"])  # fmt: skip
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["destination"] for r in rows) == sorted(
        ["'" + d for d in hostile] + ["+358401234567"]  # a number is only ever a number
    )
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "-", "@", "\t", "\r")), cell
    downloads = [(a.actor, a.details) for a in audit_entries(db, f"outage:{outage['id']}")
                 if a.action == "outage.deliveries.download"]  # fmt: skip
    assert downloads == [("admin-user", {"rows": 4})]
