"""Address autocomplete and "is this address affected now or within N weeks?"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.outages import change_status
from map_server.app import create_app
from map_server.web.lookup import parse_query
from tests.map_server.data import ENGINEER, add_addresses, new_outage


def suggestions(client: TestClient, q: str) -> list[str]:
    response = client.get("/lookup/addresses", params={"q": q})
    assert response.status_code == 200
    return [a["label"] for a in response.json()["addresses"]]


@pytest.mark.parametrize(
    ("query", "parsed"),
    [
        ("Mannerheimintie", {"street_prefix": "Mannerheimintie"}),
        ("mannerheimintie 5", {"street_prefix": "mannerheimintie", "house_number_prefix": "5"}),
        (
            "Hämeentie 12, 00530",
            {"street_prefix": "Hämeentie", "house_number_prefix": "12", "postal_code": "00530"},
        ),  # fmt: skip
        ("00100 Mannerheimintie", {"postal_code": "00100", "street_prefix": "Mannerheimintie"}),
    ],
)
def test_parse_query(query: str, parsed: dict[str, str]) -> None:
    assert parse_query(query) == parsed


def test_autocomplete(client: TestClient) -> None:
    assert suggestions(client, "manner") == [
        "Mannerheimintie 5, 00100 Helsinki",
        "Mannerheimintie 7, 00100 Helsinki",
    ]
    assert suggestions(client, "HÄMEENTIE 12") == [
        "Hämeentie 12, 00530 Helsinki",
        "Hämeentie 120, 00560 Helsinki",
    ]
    assert suggestions(client, "Hämeentie 12 00560") == ["Hämeentie 120, 00560 Helsinki"]
    assert suggestions(client, "x") == []
    assert suggestions(client, "Nowhere street") == []
    first = client.get("/lookup/addresses", params={"q": "Sturenkatu"}).json()["addresses"][0]
    assert first["id"] == "A5" and 60 < first["lat"] < 61 and 24 < first["lon"] < 26
    assert client.get("/lookup/addresses").status_code == 422


def status(client: TestClient, address_id: str, weeks: int | None = None) -> dict:
    params: dict[str, object] = {"address_id": address_id}
    if weeks is not None:
        params["weeks"] = weeks
    response = client.get("/lookup/status", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_affected_now_planned_and_clear(client: TestClient, engine) -> None:
    now_id = new_outage(engine, addresses=("A1", "A2"))
    planned_id = new_outage(engine, kind="planned", service="district_heating",
                            starts_in=timedelta(days=10), addresses=("A3",))  # fmt: skip
    later_id = new_outage(engine, kind="planned", starts_in=timedelta(weeks=8), addresses=("A4",))

    a1 = status(client, "A1")
    assert a1["affected_now"] and not a1["planned"]
    assert [o["id"] for o in a1["outages"]] == [now_id]
    assert a1["outages"][0]["service"] == "water"
    assert a1["address"]["label"] == "Mannerheimintie 5, 00100 Helsinki"

    a3 = status(client, "A3", weeks=4)
    assert not a3["affected_now"] and a3["planned"]
    assert [o["id"] for o in a3["outages"]] == [planned_id]
    assert status(client, "A3", weeks=1)["planned"] is False

    a4 = status(client, "A4")  # default horizon: 4 weeks
    assert a4["weeks"] == 4 and not a4["planned"] and a4["outages"] == []
    assert [o["id"] for o in status(client, "A4", weeks=12)["outages"]] == [later_id]

    clear = status(client, "A5")
    assert not clear["affected_now"] and not clear["planned"] and clear["outages"] == []

    change_status(engine, now_id, "resolved", ENGINEER)
    assert status(client, "A1")["affected_now"] is False


def test_a_water_quality_notice_is_told_apart_from_a_supply_cut(
    client: TestClient, engine
) -> None:
    """Under a boil-water notice the water runs: the address is not "cut off now", but
    the answer says a notice is in force there and lists it with its kind."""
    notice = new_outage(engine, kind="boil_water", addresses=("A1",))
    a1 = status(client, "A1")
    assert a1["notice_now"] is True and a1["affected_now"] is False
    assert [(o["id"], o["kind"]) for o in a1["outages"]] == [(notice, "boil_water")]
    new_outage(engine, addresses=("A1",))
    both = status(client, "A1")
    assert both["notice_now"] is True and both["affected_now"] is True
    assert status(client, "A5")["notice_now"] is False


def test_answer_names_no_other_address(client: TestClient, engine) -> None:
    new_outage(engine, addresses=("A1", "A2"))
    body = client.get("/lookup/status", params={"address_id": "A1"}).text
    assert "A2" not in body and "Mannerheimintie 7" not in body
    assert "affected_addresses" not in body


def test_unknown_address_and_bad_weeks(client: TestClient) -> None:
    assert client.get("/lookup/status", params={"address_id": "nope"}).status_code == 404
    assert client.get("/lookup/status", params={"address_id": "A1", "weeks": -1}).status_code == 422
    assert client.get("/lookup/status").status_code == 422


def test_swedish_street_names_are_found_and_shown(client: TestClient) -> None:
    """Either name of a street finds the address; the label is in the page's language,
    or in Swedish when that is what was typed."""
    swedish = client.get("/lookup/addresses", params={"q": "Mannerheimvägen 5"}).json()
    assert [a["label"] for a in swedish["addresses"]] == ["Mannerheimvägen 5, 00100 Helsinki"]
    for lang, label in [("sv", "Tavastvägen 12, 00530 Helsinki"),
                        ("fi", "Hämeentie 12, 00530 Helsinki")]:
        found = client.get("/lookup/addresses", params={"q": "Hämeentie 12", "lang": lang})
        assert found.json()["addresses"][0]["label"] == label
    status = client.get("/lookup/status", params={"address_id": "A5", "lang": "sv"}).json()
    assert status["address"]["label"] == "Sturegatan 3, 00510 Helsinki"


def test_why_an_address_in_a_shaded_area_is_not_affected(client: TestClient, engine) -> None:
    """A1 has a water connection only (tests/map_server/data.add_network)."""
    from tests.map_server.data import add_network

    add_network(engine)
    water = new_outage(engine, addresses=("A2",), where=(24.94, 60.169))  # covers A1 too
    power = new_outage(engine, service="electricity", addresses=("A2",), where=(24.94, 60.169))
    answer = client.get("/lookup/status", params={"address_id": "A1"}).json()
    assert answer["affected_now"] is False and answer["outages"] == []
    reasons = {item["id"]: item["reason"] for item in answer["nearby"]}
    assert reasons == {water: "not_cut_off", power: "no_connection"}
    change_status(engine, water, "resolved", ENGINEER)
    a2 = client.get("/lookup/status", params={"address_id": "A2", "lang": "en"}).json()
    assert [o["id"] for o in a2["outages"]] == [power]  # resolved: not affected any more
    assert [o["id"] for o in a2["ended"]] == [water] and a2["ended"][0]["ended_at"]
    assert a2["affected_now"] is True


@pytest.mark.postgis
def test_nul_in_a_query_or_path_is_refused_on_postgis(tmp_path, postgis_db) -> None:
    """PostgreSQL text cannot hold NUL: the request is refused before any handler."""
    add_addresses(postgis_db)
    settings = Settings(data_dir=tmp_path, public_url="http://testserver")
    with TestClient(create_app(settings, postgis_db)) as client:
        for url in ("/lookup/addresses?q=0%00", "/lookup/status?address_id=A1%00",
                    "/portal/?x=%00"):
            response = client.get(url)
            assert response.status_code == 422, (url, response.text)
            assert "NUL" in response.json()["detail"][0]["msg"]
        response = client.get("/oapi/collections/outages/items/1%00?f=json")
        assert response.status_code == 400, response.text
        assert "NUL" in response.json()["description"]
        assert client.get("/lookup/addresses?q=Manner").status_code == 200
