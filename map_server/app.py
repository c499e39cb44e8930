"""The one FastAPI application: engineer API, OGC API Features, public map, feeds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gis_outage.config import Settings, get_settings
from gis_outage.logs import configure_logging
from gis_outage.storage.db import make_engine, make_read_engine, migrate
from map_server.config import map_settings
from map_server.feeds.router import router as feeds_router
from map_server.http_cache import PublicCacheMiddleware
from map_server.oapi.config import pygeoapi_config, write_config
from map_server.oapi.mount import OapiRoot, pygeoapi_app
from map_server.oapi.templates import write_templates
from map_server.ops import install_ops, process_exit
from map_server.portal.router import router as portal_router
from map_server.snapshot import SnapshotCache, register
from map_server.unavailable import DatabaseUnavailableMiddleware
from map_server.web.lookup import router as lookup_router
from map_server.web.page import router as page_router

STATIC_DIR = Path(__file__).resolve().parent / "static"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # uvicorn sets up its own loggers after the app is built: route them through ours.
    _logging(app.state.settings)
    yield
    process_exit()


def create_app(
    settings: Settings | None = None,
    engine: sa.Engine | None = None,
    **overrides: Any,
) -> FastAPI:
    """Build the app. `overrides` set map settings not (yet) in Settings, e.g. public_url."""
    settings = settings or get_settings()
    _logging(settings)
    if engine is None:
        engine = make_engine(settings.effective_database_url)
        migrate(engine)
    config = map_settings(settings, **overrides)

    app = FastAPI(
        title="gis-outage",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below with Swagger UI from our static files, not a CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.map_settings = config
    app.state.db = engine
    # The public, read-only parts (map, /oapi, look-up, feeds) read from here.
    app.state.read_db = make_read_engine(settings.read_database_url, engine)
    snapshots = SnapshotCache(app.state.read_db, ttl=config.state_ttl_seconds)
    app.state.snapshots = snapshots

    _include_engineer_api(app)
    _api_docs(app)
    app.include_router(page_router)
    app.include_router(lookup_router)
    app.include_router(feeds_router)
    app.include_router(portal_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Each app gets its own key, so pygeoapi's provider reads this app's database.
    key = f"outages-{uuid.uuid4().hex[:12]}"
    register(key, snapshots)
    oapi_dir = settings.data_dir / "pygeoapi"
    templates = write_templates(oapi_dir / "templates", f"{config.public_url}/static/vendor")
    paths = write_config(pygeoapi_config(config, key, templates), oapi_dir)
    app.mount("/oapi", pygeoapi_app(*paths), name="oapi")

    app.add_middleware(OapiRoot)
    app.add_middleware(PublicCacheMiddleware, snapshots=snapshots, settings=config)
    app.add_middleware(DatabaseUnavailableMiddleware)
    install_ops(app)
    return app


def _logging(settings: Settings) -> None:
    configure_logging(settings.log_format, settings.log_level)


def _api_docs(app: FastAPI) -> None:
    swagger = "/static/vendor/swagger-ui"

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="gis-outage API",
            swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
            swagger_css_url=f"{swagger}/swagger-ui.css",
            swagger_favicon_url=f"{swagger}/favicon-32x32.png",
        )


def _include_engineer_api(app: FastAPI) -> None:
    """The engineer API at /api/v1."""
    from map_server.api.preview import router as preview_router
    from map_server.api.router import router

    app.include_router(router, prefix="/api/v1")
    app.include_router(preview_router, prefix="/api/v1")
