from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app
from tests.map_server.data import add_addresses

PUBLIC_URL = "http://testserver"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def app(tmp_path: Path, engine: Engine) -> FastAPI:
    # TTL 0: every request sees the latest write, so tests need not wait.
    settings = Settings(data_dir=tmp_path, public_url=PUBLIC_URL, map={"state_ttl_seconds": 0})
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
