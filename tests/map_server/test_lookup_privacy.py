"""The address look-up may not undo the generalised public area (docs/security.md): the
single-house attack — ask for every address in a small outage's area until one says
"affected" — finds nothing, and a client gets a limited number of answers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.outages import change_status
from map_server.app import create_app
from tests.map_server.data import ENGINEER, new_outage


def every_address(client: TestClient, street: str) -> list[str]:
    found = client.get("/lookup/addresses", params={"q": street, "limit": 50}).json()
    return [a["id"] for a in found["addresses"]]


def answers(client: TestClient, ids: list[str]) -> dict[str, dict]:
    out = {}
    for address_id in ids:
        response = client.get("/lookup/status", params={"address_id": address_id})
        assert response.status_code == 200, response.text
        body = response.json()
        body.pop("address")  # the one part that differs by design
        out[address_id] = body
    return out


def test_the_single_house_attack_fails(client: TestClient, engine: Engine) -> None:
    # One customer at Mannerheimintie 7 (A2); the public area covers number 5 (A1) too.
    one = new_outage(engine, addresses=("A2",), customers=1, cause="Vuoto")
    ids = every_address(client, "Mannerheimintie")
    assert ids == ["A1", "A2"]
    seen = answers(client, ids)
    assert seen["A1"] == seen["A2"]  # the affected house answers like its neighbour
    for body in seen.values():
        assert body["affected_now"] is False and body["outages"] == []
        assert [(n["id"], n["reason"]) for n in body["nearby"]] == [(one, "small_area")]
    far = answers(client, ["A5"])["A5"]  # Sturenkatu: outside the area, hears nothing
    assert far["nearby"] == [] and far["outages"] == []
    # Once it has ended, the affected house is not singled out either.
    change_status(engine, one, "resolved", ENGINEER)
    ended = answers(client, ids)
    assert ended["A1"] == ended["A2"] and ended["A2"]["ended"] == []


def test_an_outage_of_many_customers_still_answers_per_address(
    client: TestClient, engine: Engine
) -> None:
    big = new_outage(engine, addresses=("A2",), customers=40)
    seen = answers(client, ["A1", "A2"])
    assert seen["A2"]["affected_now"] is True and [o["id"] for o in seen["A2"]["outages"]] == [big]
    assert seen["A1"]["affected_now"] is False
    assert [n["reason"] for n in seen["A1"]["nearby"]] == ["no_connection"]


def test_a_client_gets_a_limited_number_of_answers(tmp_path: Path, engine: Engine) -> None:
    settings = Settings(data_dir=tmp_path, map={"lookups_per_client_hour": 3,
                                                "state_ttl_seconds": 0})
    app = create_app(settings, engine)
    with TestClient(app) as client:
        codes = [client.get("/lookup/status", params={"address_id": a}).status_code
                 for a in ("A1", "A2", "nope", "A3")]
        assert codes == [200, 200, 404, 429]
        refused = client.get("/lookup/status", params={"address_id": "A1"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 60
        assert "too many address look-ups" in refused.json()["detail"]
        assert "A1" not in refused.text
    with TestClient(app, client=("192.0.2.8", 40000)) as other:
        assert other.get("/lookup/status", params={"address_id": "A1"}).status_code == 200
