"""Scenario 6: Schemathesis over every operation of both OpenAPI documents the app
serves, on PostGIS: its own (`/api/v1/openapi.json`: engineer API, map page, look-up,
feeds) and pygeoapi's (`/oapi/openapi`: OGC API Features). Valid and invalid requests
with an admin token; no response may be a 5xx, and each must match its document.

tests/map_server/test_api_schemathesis.py fuzzes the app's own document harder on
SQLite, operation by operation; this pass is bounded (MAX_EXAMPLES per operation and
mode) and covers whatever either document lists, as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.map_server.test_api_schemathesis import CONFIG, seed

from .conftest import Record

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.core.failures import Failure, FailureGroup  # noqa: E402

MAX_EXAMPLES = 10
MODES = ("positive", "negative")
DOCUMENTS = {"app": "/api/v1/openapi.json", "oapi": "/oapi/openapi?f=json"}
# pygeoapi 0.21's document says less than pygeoapi does, so for it only the checks it
# can pass stay on (no 5xx; bodies match the schemas it declares). It is lenient with
# invalid `lang`, `crs` and `profile` values (it falls back to defaults), serves
# schemas as application/schema+json where it documents application/json, and answers
# OPTIONS on a missing feature with an undocumented 404.
OAPI_CONFIG = {
    **CONFIG,
    "checks": {
        name: {"enabled": False}
        for name in ("positive_data_acceptance", "negative_data_rejection",
                     "content_type_conformance", "status_code_conformance")
    },
}
# pygeoapi's document refers to OGC's published definitions by URL; offline, the
# parameters among them are written out here as OGC API Features defines them.
OGC_PARAMETERS = {
    "featureId": {"in": "path", "required": True},
    "datetime": {"in": "query", "required": False},
    "sortby": {"in": "query", "required": False},
}


def _offline(node: Any) -> Any:
    """The document with every remote `$ref` replaced: parameters by their definition,
    responses by a bare description (their bodies are not checked), schemas by `{}`."""
    if isinstance(node, list):
        return [_offline(item) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(("http://", "https://")):
        name = ref.rsplit("/", 1)[-1].removesuffix(".yaml")
        if "parameters" in ref and name in OGC_PARAMETERS:
            return {"name": name, "schema": {"type": "string"}, **OGC_PARAMETERS[name]}
        if "responses" in ref:
            return {"description": f"{name} (OGC API)"}
        return {}
    return {key: _offline(value) for key, value in node.items()}


def _load(app: Any, url: str, config: Any) -> Any:
    with TestClient(app) as client:
        document = client.get(url).json()
    schema = schemathesis.openapi.from_dict(_offline(document), config=config)
    schema.app, schema.location = app, url
    return schema


def _fuzz(operation: Any, mode: str, auth: dict[str, str]) -> tuple[int, list[str]]:
    """Run one operation in one mode; returns (cases run, failures)."""
    cases, failures = 0, []

    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        nonlocal cases
        cases += 1
        case.call_and_validate(headers=auth)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing in this mode to generate (e.g. no parameter can be made invalid)
    except (Failure, FailureGroup) as found:  # collected so every operation still runs
        each = found.exceptions if isinstance(found, FailureGroup) else [found]
        failures += [f"{operation.label} [{mode}]: {f.title}: {f.message}" for f in each]
    return cases, failures


def test_every_operation_of_both_openapi_documents(
    postgis_db: Engine, tmp_path: Path, figures: Record
) -> None:
    ids = seed(postgis_db)
    create_user(postgis_db, "Fuzz Admin", "admin")
    auth = {"Authorization": f"Bearer {create_token(postgis_db, 'Fuzz Admin')}"}
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), postgis_db)
    configs = {"app": CONFIG, "oapi": OAPI_CONFIG}
    operations = cases = 0
    failures: list[str] = []
    for name, url in DOCUMENTS.items():
        schema = _load(app, url, schemathesis.Config.from_dict(configs[name]))
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            for mode in MODES:
                ran, failed = _fuzz(operation, mode, auth)
                cases += ran
                failures += [f"{name} {f}" for f in failed]
    figures(backend="postgis", documents=len(DOCUMENTS), operations=operations, cases=cases,
            failures=len(failures), outages=len(ids))
    assert operations > 0 and cases > 0
    assert not failures, "\n".join(failures)
