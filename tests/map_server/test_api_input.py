"""Hostile engineer input: a clear 422 naming the field, never a 500, nothing stored;
and text stored before these rules still gives well-formed Atom and CAP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.inputs import text_problem, xml_text
from gis_outage.model import CAUSE_MAX_LENGTH
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.networks import save_network
from gis_outage.storage.schema import outages
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.map_server.data import add_addresses, new_outage
from tests.map_server.test_api import START, helsinki_water

# A drawn area in Helsinki, in WGS84 (what the API takes).
RING = [[24.93, 60.16], [24.95, 60.16], [24.95, 60.17], [24.93, 60.16]]


@pytest.fixture
def api(tmp_path: Path, db_engine: Engine) -> Iterator[tuple[TestClient, Engine, dict]]:
    layers = helsinki_water()
    upsert_addresses(db_engine, layers["addresses"])
    save_network(db_engine, "water", layers, source_name="test.gpkg")
    create_user(db_engine, "engineer-user", "engineer")
    headers = {"Authorization": f"Bearer {create_token(db_engine, 'engineer-user')}"}
    app = create_app(Settings(data_dir=tmp_path), engine=db_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, db_engine, headers


def body(**changes: object) -> dict:
    return {
        "service": "water", "kind": "unplanned", "starts_at": START.isoformat(),
        "cause": "Pipe burst", "texts": {"fi": "Putkirikko"},
        "selection": {"break_links": ["L2"]},
    } | changes  # fmt: skip


def post(client: TestClient, headers: dict, path: str, raw: str) -> tuple[int, str]:
    """Post `raw` JSON as sent, lone surrogates and NaN literals included."""
    sent = raw.encode("utf-8", "surrogatepass")
    json_headers = {**headers, "content-type": "application/json"}
    response = client.post(path, content=sent, headers=json_headers)
    return response.status_code, response.text


def stored(db: Engine) -> int:
    with db.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(outages)).scalar_one()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cause": "Putki\u000brikko"}, "cause"),  # broke every Atom and CAP document
        ({"cause": "Putki\u0000rikko"}, "cause"),  # NUL: PostgreSQL text cannot hold it
        ({"cause": "Putki\u001brikko"}, "cause"),
        ({"texts": {"fi": "ok", "sv": "Rör\u000cbrott"}}, "sv"),
        ({"texts": {"fi": "x" * (CAUSE_MAX_LENGTH + 1)}}, "fi"),  # 5 MB was taken
        ({"starts_at": "9999-12-31T23:59:59-12:00"}, "starts_at"),  # overflowed: a 500
        ({"starts_at": "0001-01-01T00:00:00+00:00"}, "starts_at"),
        ({"estimated_end_at": "9999-12-31T23:59:59+00:00"}, "estimated_end_at"),
        ({"selection": {"polygon": {"type": "Polygon", "coordinates": [
            [[385_000, 6_672_000], [386_000, 6_672_000], [386_000, 6_673_000],
             [385_000, 6_672_000]]]}}}, "WGS84"),  # metres read as degrees
        ({"selection": {"polygon": {"type": "Polygon", "coordinates": [
            [[1e308, 1e308], [-1e308, 1e308], [0, -1e308], [1e308, 1e308]]]}}}, "WGS84"),
    ],
)  # fmt: skip
def test_bad_outage_text_time_or_area_is_422_naming_it(api, changes: dict, field: str) -> None:
    client, db, headers = api
    status, text = post(client, headers, "/api/v1/outages", json.dumps(body(**changes)))
    assert status == 422, text
    assert field in text
    assert stored(db) == 0


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/api/v1/outages", '{"service": "water", "kind": "unplanned", "starts_at": "%s", '
         '"cause": "a\\ud800b", "selection": {"break_links": ["L2"]}}', "cause"),
        ("/api/v1/outages", '{"service": "water", "kind": "unplanned", "starts_at": "%s", '
         '"selection": {"break_links": ["L\\udc00"]}}', "break_links"),
        ("/api/v1/trace", '{"service": "water\\ud800", "break_links": ["L2"]}', "service"),
        ("/api/v1/trace", '{"service": "water", "polygon": {"type": "Polygon", "coordinates": '
         '[[[NaN, 60.16], [24.95, 60.16], [24.95, 60.17], [NaN, 60.16]]]}}', "polygon"),
        ("/api/v1/trace", '{"service": "water", "polygon": {"type": "Polygon", "coordinates": '
         '[[[Infinity, 60.16], [24.95, 60.16], [24.95, 60.17], [Infinity, 60.16]]]}}',
         "polygon"),
    ],
)  # fmt: skip
def test_lone_surrogates_and_nan_are_422_not_500(api, path: str, raw: str, field: str) -> None:
    client, db, headers = api
    status, text = post(client, headers, path, raw.replace("%s", START.isoformat()))
    assert status == 422, text
    assert field in text
    assert stored(db) == 0


def test_good_texts_and_a_wgs84_area_still_pass(api) -> None:
    client, _, headers = api
    texts = {"fi": "Putkirikko\n\tkorjataan", "sv": "x" * CAUSE_MAX_LENGTH}
    polygon = {"type": "Polygon", "coordinates": [RING]}
    later = (datetime.now(UTC) + timedelta(days=365 * 20)).isoformat()
    r = client.post("/api/v1/outages", headers=headers, json=body(
        texts=texts, kind="planned", starts_at=later, selection={"polygon": polygon}))  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["texts"] == texts


def test_feeds_stay_well_formed_with_a_control_character_already_stored(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """A cause stored before the rule (or by another writer) cannot break the feeds."""
    add_addresses(sqlite_engine)
    outage = new_outage(sqlite_engine, cause="Putki\u000brikko", description="Kluuvi\u0001",
                        texts={"fi": "Vesi\u0008katko"})  # fmt: skip
    settings = Settings(data_dir=tmp_path, map={"state_ttl_seconds": 0})
    with TestClient(create_app(settings, sqlite_engine)) as client:
        for path in ("/feeds/outages.atom", f"/feeds/cap/{outage}.xml"):
            response = client.get(path)
            assert response.status_code == 200, path
            text = "".join(ElementTree.fromstring(response.content).itertext())
            assert "Vesikatko" in text and "Kluuvi" in text, path


def test_the_rules_themselves() -> None:
    assert text_problem("Putkirikko\n\tkorjataan\r\n") is None
    assert "U+000B" in text_problem("a\u000bb")
    assert "U+D800" in text_problem("a\ud800b")
    assert xml_text("a\u0000b\u000bc\ufffed\n") == "abcd\n"


def test_changes_and_status_changes_follow_the_same_rules(api) -> None:
    client, _, headers = api
    created = client.post("/api/v1/outages", headers=headers, json=body())
    assert created.status_code == 201, created.text
    outage = created.json()["id"]
    for change, field in [({"cause": "a\u000bb"}, "cause"), ({"texts": {"sv": "\u0000"}}, "sv"),
                          ({"starts_at": "1900-01-01T00:00:00+00:00"}, "starts_at")]:  # fmt: skip
        r = client.patch(f"/api/v1/outages/{outage}", headers=headers, json=change)
        assert r.status_code == 422 and field in r.text, r.text
    assert client.post(f"/api/v1/outages/{outage}/publish", headers=headers).status_code == 200
    r = client.post(f"/api/v1/outages/{outage}/resolve", headers=headers,
                    json={"at": "9999-12-31T23:59:59-12:00"})  # fmt: skip
    assert r.status_code == 422 and "at" in r.text, r.text
    kept = client.get(f"/api/v1/outages/{outage}", headers=headers).json()
    assert kept["cause"] == "Pipe burst" and kept["texts"] == {"fi": "Putkirikko"}
    assert kept["status"] == "published"
