"""The app under uvicorn on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine


@contextmanager
def serving(make_app: Callable[[str], FastAPI]) -> Iterator[str]:
    """Serve `make_app(url)` (given the URL it is served at) until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(make_app(url), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def console_site(tmp: Path, users: dict[str, str]) -> Iterator[tuple[str, Engine, FastAPI]]:
    """A fresh SQLite database in `tmp` with these users ({name: role}), the app on it
    served; yields (url, engine, app). The caller adds its network and outages."""
    from gis_outage.config import Settings
    from gis_outage.storage.db import make_engine, migrate
    from gis_outage.storage.users import create_user
    from map_server.app import create_app

    engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    for name, role in users.items():
        create_user(engine, name, role)
    apps: list[FastAPI] = []

    def make_app(url: str) -> FastAPI:
        apps.append(create_app(Settings(data_dir=tmp, public_url=url), engine))
        return apps[0]

    try:
        with serving(make_app) as url:
            yield url, engine, apps[0]
    finally:
        engine.dispose()
