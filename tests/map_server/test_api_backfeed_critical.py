"""GET /api/v1/outages/{id}/backfeed: engineers and admins see the critical customers each
suggestion restores, ranked by them first; a viewer sees neither them nor their order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.services import outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.networks import save_network
from gis_outage.storage.users import create_token, create_user
from map_server.app import create_app
from tests.gis_outage.networks import two_ties


@pytest.fixture
def ties(tmp_path):
    db = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
    migrate(db)
    save_network(db, "water", two_ties(), source_name="ties.gpkg")
    tokens = {}
    for role in ("viewer", "engineer", "admin"):
        create_user(db, f"{role}-user", role)
        tokens[role] = {"Authorization": f"Bearer {create_token(db, f'{role}-user')}"}
    ctx = build_context(Settings(data_dir=tmp_path), db=db)
    oid = outages.draft(ctx, service="water", kind="unplanned", starts_at=datetime.now(UTC),
                        selection=Selection(break_links=("L2",)), actor="eng").id
    with TestClient(create_app(Settings(data_dir=tmp_path), engine=db)) as client:
        yield client, tokens, oid


def test_critical_customers_in_suggestions_by_role(ties):
    client, tokens, oid = ties
    for role in ("engineer", "admin"):
        r = client.get(f"/api/v1/outages/{oid}/backfeed", headers=tokens[role])
        assert r.status_code == 200, r.text
        assert [(s["device"], [c["category"] for c in s["critical_customers"]])
                for s in r.json()] == [("T3", ["hospital"]), ("T4", [])]
    r = client.get(f"/api/v1/outages/{oid}/backfeed", headers=tokens["viewer"])
    assert r.status_code == 200, r.text
    assert [s["device"] for s in r.json()] == ["T4", "T3"]  # most customers first
    assert "critical" not in r.text and "hospital" not in r.text
    assert client.get(f"/api/v1/outages/{oid}/backfeed").status_code == 401
