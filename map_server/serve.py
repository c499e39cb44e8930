"""`gis-outage serve`: the production single-box command.

The web app on the configured database and, when no broker is configured, the
notifier's in-process worker in the same process (one per box: with `--workers N` the
first web process to lock the data dir's worker lock runs it). With a broker, Celery
workers do the sending and `serve` runs the web app only, as in docker-compose.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from gis_outage.config import Settings, get_settings
from map_server.app import create_app


def app() -> FastAPI:
    """The app uvicorn's worker processes build (`map_server.serve:app`, a factory)."""
    settings = get_settings()
    return create_app(settings, embedded_worker=settings.embedded_worker)


def run_serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 1,
    root_path: str = "",
) -> int:
    options = {
        "host": host,
        "port": port,
        "root_path": root_path,
        # The app itself believes X-Forwarded-* from security.trusted_proxies only.
        "proxy_headers": False,
        "log_level": settings.log_level.lower(),
        "access_log": False,  # the app logs each request itself, without query strings
    }
    if workers > 1:
        # Each worker process reads the settings from the same environment and files.
        # A worker builds the app (pygeoapi, the trace engine) before it answers the
        # supervisor's health check; on a busy box that takes longer than uvicorn's 5 s,
        # and a healthy worker would be killed and restarted over and over.
        uvicorn.run("map_server.serve:app", factory=True, workers=workers,
                    timeout_worker_healthcheck=120, **options)
    else:
        uvicorn.run(create_app(settings, embedded_worker=settings.embedded_worker), **options)
    return 0
