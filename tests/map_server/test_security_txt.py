"""Where to report a vulnerability: /.well-known/security.txt from `security.contact`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from map_server.app import create_app


def test_security_txt(tmp_path: Path, engine: Engine, client: TestClient) -> None:
    assert client.get("/.well-known/security.txt").status_code == 404  # no contact set
    settings = Settings(data_dir=tmp_path, public_url="https://outages.example.org",
                        security={"contact": "security@example.org"})
    with TestClient(create_app(settings, engine)) as other:
        response = other.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.text.splitlines())
    assert fields["Contact"] == "mailto:security@example.org"
    assert fields["Canonical"] == "https://outages.example.org/.well-known/security.txt"
    expires = datetime.fromisoformat(fields["Expires"])
    assert timedelta(days=30) < expires - datetime.now(UTC) < timedelta(days=365)
