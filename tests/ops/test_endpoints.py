"""/health, /ready and /metrics on the real app over a SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from gis_outage.storage.db import downgrade, make_engine, migrate
from map_server.app import create_app
from map_server.ops import install_ops


def _client(tmp_path: Path, url: str, *, migrated: bool = True) -> TestClient:
    engine = make_engine(url)
    if migrated:
        migrate(engine)
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), engine)
    install_ops(app)
    return TestClient(app, client=("127.0.0.1", 50000))  # /metrics answers this host


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path, f"sqlite:///{tmp_path / 'ops.sqlite'}") as client:
        yield client


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


def test_ready_503_when_database_unreachable(tmp_path: Path) -> None:
    # Nothing listens on port 1; connect_timeout keeps the attempt short.
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
    with _client(tmp_path, url, migrated=False) as client:
        assert client.get("/health").status_code == 200
        response = client.get("/ready")
        assert response.status_code == 503
        assert "unreachable" in response.json()["detail"]
        metrics = client.get("/metrics").text
        assert "gis_outage_database_up 0.0" in metrics


def test_ready_503_with_pending_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with _client(tmp_path, url) as client:
        downgrade(client.app.state.db, "-1")
        response = client.get("/ready")
        assert response.status_code == 503
        assert "gis-outage migrate" in response.json()["detail"]


def test_metrics(client: TestClient) -> None:
    client.get("/health")
    client.get("/api/v1/outages/12345")
    client.get("/no/such/page/0401234567")
    # Refused without a token, still timed. (With a body it would be refused before
    # routing, its body unread: timed as "unmatched".)
    client.post("/api/v1/trace")
    client.get("/oapi/collections/outages/items/777")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'gis_outage_http_request_duration_seconds_count{method="GET",route="/health",'
        'status="2xx"} 1.0' in text
    )
    assert 'route="/api/v1/outages/{outage_id}"' in text
    assert 'route="unmatched"' in text
    assert 'route="/oapi/collections/{collection_id:path}/items/{item_id:path}"' in text
    # No ids or numbers in labels (sample values such as timestamps may hold any digits).
    labels = " ".join(re.findall(r"\{[^}]*\}", text))
    assert labels
    for personal in ("12345", "0401234567", "777"):
        assert personal not in labels
    assert "gis_outage_trace_duration_seconds_count 1.0" in text
    assert "gis_outage_outbox_pending 0.0" in text
    assert "# TYPE gis_outage_deliveries gauge" in text
    assert "# TYPE gis_outage_trace_duration_seconds histogram" in text
    assert "gis_outage_database_up 1.0" in text


def test_metrics_of_cached_responses_and_odd_methods(client: TestClient) -> None:
    # The second request is served from the public cache before routing.
    for _ in range(2):
        assert client.get("/oapi/collections/outages/items").status_code == 200
    client.request("BREW", "/")
    text = client.get("/metrics").text
    items = "/oapi/collections/{collection_id:path}/items"
    assert f'method="GET",route="{items}",status="2xx"}} 1.0' in text
    assert 'method="GET",route="/oapi/*",status="2xx"} 1.0' in text
    assert 'method="other",route="/",status="4xx"} 1.0' in text
    assert "BREW" not in text


def test_metrics_are_not_public(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ops.sqlite'}")
    migrate(engine)

    def scrape(settings: Settings, peer: str, **headers: str) -> int:
        app = create_app(settings, engine)
        with TestClient(app, client=(peer, 50000)) as client:
            return client.get("/metrics", headers=headers).status_code

    default = Settings(data_dir=tmp_path, public_url="http://testserver")
    assert scrape(default, "203.0.113.5") == 403
    assert scrape(default, "::1") == 200
    # nginx on this host passing a remote client on, its address not trusted.
    assert scrape(default, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.5"}) == 403
    with_token = default.with_changes(security={"metrics_token": "scrape-secret-1"})
    assert scrape(with_token, "203.0.113.5", Authorization="Bearer scrape-secret-1") == 200
    assert scrape(with_token, "203.0.113.5", Authorization="Bearer wrong") == 403
    public = default.with_changes(security={"metrics_public": True})
    assert scrape(public, "203.0.113.5") == 200
