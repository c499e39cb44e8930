"""Schemathesis over the app's own OpenAPI document, `/api/v1/openapi.json`.

Generated requests go to the ASGI app with an admin token, on a database that has a
water network, addresses and outages in every life-cycle state. Per operation:
valid requests (positive), invalid ones (negative), and — for `/outages/{outage_id}`
operations — valid requests on the outages that exist. Every response must not be
a 5xx and must match what the document declares: status code, content type, body
schema and headers. Hypothesis runs derandomized and bounded (MAX_EXAMPLES each), so
the whole module takes well under a minute.

The document also lists the public endpoints (`/`, `/lookup/...`, `/feeds/...`); they
are fuzzed too, since nothing may answer 5xx.

Schemathesis's own pytest loader (`schemathesis.pytest.from_fixture`) does not run
under pytest 9.2 (it reads `Node._nodeid`), so the operations are parametrized here
and each is driven with `APIOperation.as_strategy` and `Case.call_and_validate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.outages import change_status
from gis_outage.storage.users import create_token, create_user
from map_server.api.crew_sheet import router as crew_sheet_router
from map_server.api.field import router as field_router
from map_server.api.preview import router as preview_router
from map_server.api.router import router as engineer_router
from map_server.app import create_app
from tests.map_server.data import ENGINEER, add_addresses, add_network, new_outage

schemathesis = pytest.importorskip("schemathesis")
GenerationMode = schemathesis.GenerationMode

MAX_EXAMPLES = 50
API = "/api/v1"
# Every engineer-API route (new ones are fuzzed as they are added), and the public
# endpoints the document lists; test_operations_are_all_covered keeps this honest.
ENGINEER_OPERATIONS = sorted(
    (method, API + route.path)
    for route in (*engineer_router.routes, *preview_router.routes, *field_router.routes,
                  *crew_sheet_router.routes)
    if isinstance(route, APIRoute) and route.include_in_schema
    for method in route.methods
)
PUBLIC_OPERATIONS = [
    ("GET", "/"),
    ("GET", "/lookup/addresses"),
    ("GET", "/lookup/status"),
    ("GET", "/feeds/outages.geojson"),
    ("GET", "/feeds/outages.atom"),
    ("GET", "/feeds/cap/{outage_id}.xml"),
]
OPERATIONS = ENGINEER_OPERATIONS + PUBLIC_OPERATIONS


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, list[int]]]:
    """The app, an admin token and the ids of outages in every state."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    engine = make_engine(f"sqlite:///{tmp / 'api.sqlite'}")
    migrate(engine)
    ids = seed(engine)
    create_user(engine, "Fuzz Admin", "admin")
    token = create_token(engine, "Fuzz Admin")
    app = create_app(Settings(data_dir=tmp, public_url="http://testserver"), engine)
    yield app, token, ids
    engine.dispose()


def seed(engine: Engine) -> list[int]:
    add_addresses(engine)
    add_network(engine)
    draft = new_outage(engine, publish=False)
    published = new_outage(engine)
    resolved = new_outage(engine)
    change_status(engine, resolved, "resolved", ENGINEER)
    cancelled = new_outage(engine, kind="planned", starts_in=timedelta(days=2))
    change_status(engine, cancelled, "cancelled", ENGINEER)
    bare = new_outage(engine, service="electricity", lasts=None, cause=None, addresses=())
    return [draft, published, resolved, cancelled, bare]


# Two of Schemathesis's checks expect more than an OpenAPI document can say here:
# - positive_data_acceptance wants every schema-valid request accepted, but the API
#   rightly answers 422 for ids not in the stored network, a polygon that is not a
#   valid geometry, "exactly one of break_links/operate_devices/polygon", or an end
#   before the stored start, none of which JSON Schema states;
# - unknown query parameters are ignored, as HTTP APIs do; negative cases do not add
#   them (allow-extra-parameters), so negative_data_rejection still checks the rest.
CONFIG = {
    "generation": {"allow-extra-parameters": False},
    "checks": {"positive_data_acceptance": {"enabled": False}},
}


@pytest.fixture(scope="module")
def api_schema(seeded: tuple[Any, str, list[int]]) -> Any:
    app, _, _ = seeded
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi(f"{API}/openapi.json", app, config=config)


def test_operations_are_all_covered(api_schema: Any) -> None:
    """Every engineer-API operation is fuzzed here, and every one listed is documented."""
    documented = {
        (method.upper(), path)
        for path, methods in api_schema.raw_schema["paths"].items()
        for method in methods
    }
    engineer_api = {(method, path) for method, path in documented if path.startswith(API)}
    assert engineer_api == set(ENGINEER_OPERATIONS)
    assert set(PUBLIC_OPERATIONS) <= documented, set(PUBLIC_OPERATIONS) - documented


# Regressions for what the fuzzing below found (each was a 500 or an undeclared body).


@pytest.fixture
def client(seeded: tuple[Any, str, list[int]]) -> Iterator[TestClient]:
    app, token, _ = seeded
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.mark.parametrize("field", ["kind", "starts_at", "texts"])
def test_null_for_a_field_the_outage_needs_is_422(client: TestClient, field: str) -> None:
    draft = new_outage(client.app.state.db, publish=False)
    response = client.patch(f"{API}/outages/{draft}", json={field: None})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]
    # Left out, the field is kept; null still clears what may be unknown.
    response = client.patch(f"{API}/outages/{draft}", json={"estimated_end_at": None})
    assert response.status_code == 200, response.text
    assert response.json()["estimated_end_at"] is None


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/outages/9223372036854775808",
        f"{API}/outages/2147483648/publish",
        f"{API}/outages/0",
        "/feeds/cap/9223372036854775808.xml",
    ],
)
def test_ids_beyond_the_database_integer_are_422(client: TestClient, path: str) -> None:
    method = "POST" if path.endswith("/publish") else "GET"
    response = client.request(method, path)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["path", "outage_id"]


def test_storage_value_errors_have_the_validation_error_shape(client: TestClient) -> None:
    draft = new_outage(client.app.state.db, publish=False)
    stored = client.get(f"{API}/outages/{draft}").json()
    response = client.patch(
        f"{API}/outages/{draft}", json={"estimated_end_at": "2000-01-01T00:00:00Z"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {"loc": ["body"], "msg": "estimated_end_at is before starts_at", "type": "value_error"}
    ]
    assert client.get(f"{API}/outages/{draft}").json()["starts_at"] == stored["starts_at"]


# --------------------------------------------------------------------------- fuzzing


def strategy(operation: Any, mode: str, ids: list[int]) -> st.SearchStrategy:
    if mode == "existing":
        return st.sampled_from(ids).flatmap(
            lambda i: operation.as_strategy(path_parameters={"outage_id": i})
        )
    return operation.as_strategy(generation_mode=GenerationMode(mode))


@pytest.mark.parametrize("mode", ["positive", "negative", "existing"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation(
    api_schema: Any, seeded: tuple[Any, str, list[int]], method: str, path: str, mode: str
) -> None:
    if mode == "existing" and "{outage_id}" not in path:
        pytest.skip("no outage id in the path")
    _, token, ids = seeded
    operation = api_schema[path][method]
    raw = api_schema.raw_schema["paths"][path][method.lower()]
    if mode == "negative" and not (raw.get("parameters") or raw.get("requestBody")):
        pytest.skip("no parameters or body to make invalid")
    auth = {"Authorization": f"Bearer {token}"}

    @given(case=strategy(operation, mode, ids))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=auth)

    run()
