"""What /oapi promises and does: conformance, methods, parameters, links, extent, OpenAPI."""

from __future__ import annotations

import jsonschema
import pytest
import shapely
import yaml
from fastapi.testclient import TestClient
from pygeoapi.openapi import validate_openapi_document
from shapely.geometry import shape

from gis_outage.public import feature_schema
from map_server.oapi.openapi import outside_references
from tests.map_server.data import ADDRESSES, new_outage

ITEMS = "/oapi/collections/outages/items"
PART_4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"


def test_conformance_claims_no_editing_and_editing_is_refused(client: TestClient, engine):
    outage_id = new_outage(engine)
    classes = client.get("/oapi/conformance", params={"f": "json"}).json()["conformsTo"]
    assert PART_4 not in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert PART_4 not in client.get("/oapi/conformance", params={"f": "html"}).text
    for method, path in (("POST", ITEMS), ("PUT", f"{ITEMS}/{outage_id}"),
                         ("PATCH", f"{ITEMS}/{outage_id}"), ("DELETE", f"{ITEMS}/{outage_id}")):
        answer = client.request(method, path, json={"type": "Feature"})
        assert answer.status_code == 405, (method, answer.text)
        assert answer.headers["allow"] == "GET, HEAD, OPTIONS"
        assert answer.json()["code"] == "MethodNotAllowed"
    assert client.get(f"{ITEMS}/{outage_id}", params={"f": "json"}).status_code == 200


@pytest.mark.parametrize(("path", "query"), [
    (ITEMS, {"servce": "water"}),  # a misspelt property filter
    (ITEMS, {"limt": "5"}),
    ("/oapi/collections/outages", {"bbox": "1,2,3,4"}),
    ("/oapi", {"x": "1"}),
    (f"{ITEMS}/1", {"limit": "3"}),
])  # fmt: skip
def test_unknown_query_parameters_are_a_400(client: TestClient, path, query) -> None:
    answer = client.get(path, params={"f": "json", **query})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "InvalidParameterValue"
    assert repr(next(iter(query))) in body["description"]


def test_known_parameters_and_property_filters_pass(client: TestClient, engine) -> None:
    outage_id = new_outage(engine)
    query = {"f": "json", "limit": 5, "offset": 0, "bbox": "24,60,25,61", "service": "water",
             "id": outage_id, "sortby": "-starts_at", "skipGeometry": "false", "lang": "en"}
    page = client.get(ITEMS, params=query)
    assert page.status_code == 200, page.text
    assert [f["id"] for f in page.json()["features"]] == [outage_id]
    assert client.get("/oapi/openapi", params={"f": "html", "ui": "swagger"}).status_code == 200


def test_items_are_geojson_and_links_describe_the_page(client: TestClient, engine) -> None:
    ids = [new_outage(engine, where=(24.90 + i * 0.01, 60.17)) for i in range(5)]
    first = client.get(ITEMS, params={"f": "json", "limit": 2})
    assert first.headers["content-type"] == "application/geo+json"
    one = client.get(f"{ITEMS}/{ids[0]}", params={"f": "json"})
    assert one.headers["content-type"] == "application/geo+json"
    hrefs: list[str] = []
    page = first.json()
    while True:
        rels = {link["rel"]: link for link in page["links"]}
        assert rels["self"]["type"] == "application/geo+json"
        hrefs.append(rels["self"]["href"])
        if "next" not in rels:
            break
        assert rels["next"]["type"] == "application/geo+json"
        page = client.get(rels["next"]["href"]).json()  # the link alone, as clients use it
    assert len(hrefs) == 3  # 2 + 2 + 1, and the last page links no empty fourth one
    assert "offset=2" in hrefs[1] and "offset=4" in hrefs[2]
    assert [client.get(h).json()["features"][0]["id"] for h in hrefs] == ids[::2]
    exact = client.get(ITEMS, params={"f": "json", "limit": 5}).json()
    assert "next" not in {link["rel"] for link in exact["links"]}  # full, yet the last


def test_extent_follows_the_outages_then_the_service_area(client: TestClient, engine) -> None:
    def extent() -> dict:
        return client.get("/oapi/collections/outages", params={"f": "json"}).json()["extent"]

    lons, lats = [a[4] for a in ADDRESSES], [a[5] for a in ADDRESSES]
    assert extent()["spatial"]["bbox"] == [pytest.approx([min(lons), min(lats),
                                                          max(lons), max(lats)])]
    assert "temporal" not in extent()
    new_outage(engine, where=(24.90, 60.17))
    new_outage(engine, where=(25.10, 60.25))
    features = client.get(ITEMS, params={"f": "json"}).json()["features"]
    box = shapely.GeometryCollection([shape(f["geometry"]) for f in features]).bounds
    assert extent()["spatial"]["bbox"] == [pytest.approx(list(box))]
    assert extent()["spatial"]["crs"].endswith("/OGC/1.3/CRS84")
    start, end = extent()["temporal"]["interval"][0]
    assert start == min(f["properties"]["starts_at"] for f in features)
    assert end == max(f["properties"]["estimated_end_at"] for f in features)
    listed = client.get("/oapi/collections", params={"f": "json"}).json()["collections"][0]
    assert listed["extent"] == extent()


def test_the_openapi_document_is_valid_and_self_contained(client: TestClient) -> None:
    answer = client.get("/oapi/openapi", params={"f": "json"})
    assert answer.status_code == 200
    document = answer.json()
    assert validate_openapi_document(document)  # the OpenAPI 3.0 schema pygeoapi ships
    assert outside_references(document) == []
    item = document["paths"]["/collections/outages/items/{featureId}"]["get"]
    assert item["responses"]["200"]["description"]
    assert not [p for p in document["paths"] if p.startswith("/jobs")]
    # Every local reference resolves.
    for ref in set(_refs(document)):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    text = yaml.safe_dump(document)
    for host in ("schemas.opengis.net", "raw.githubusercontent.com", "geojson.org/schema"):
        assert host not in text


def test_described_by_schema_validates_the_features(client: TestClient, engine) -> None:
    new_outage(engine)
    links = client.get("/oapi/collections/outages", params={"f": "json"}).json()["links"]
    (described,) = [link for link in links if link["rel"] == "describedBy"]
    assert described["type"] == "application/schema+json"
    answer = client.get(described["href"])
    assert answer.headers["content-type"] == "application/schema+json"
    schema = answer.json()
    assert schema == feature_schema("Outage")
    declared = schema["properties"]["properties"]["properties"]
    assert declared["ended_at"] == {"type": "string", "format": "date-time"}
    validator = jsonschema.Draft202012Validator(schema)
    for feature in client.get(ITEMS, params={"f": "json"}).json()["features"]:
        feature["properties"] = {k: v for k, v in feature["properties"].items()
                                 if v is not None}  # null: not yet known
        assert list(validator.iter_errors(feature)) == []


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
