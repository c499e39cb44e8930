"""The one FastAPI application: engineer API, OGC API Features, public map, feeds, portal.

A thin adapter: routes translate HTTP to the service functions of `gis_outage.services`
and back. `create_app(settings)` builds it; with `embedded_worker=True` (what
`gis-outage serve` and the demo ask for when no broker is set) the app's lifespan runs
the notifier's in-process worker too.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gis_outage.config import Settings, get_settings
from gis_outage.logs import configure_logging
from gis_outage.services.context import build_context
from map_server.api.errors import validation_error
from map_server.console import router as console_router
from map_server.cors import PublicCors
from map_server.feeds.router import router as feeds_router
from map_server.headers import SecurityHeaders
from map_server.http_cache import PublicCacheMiddleware
from map_server.limits import RequestLimits, TrustedProxies
from map_server.oapi.config import pygeoapi_config, write_config
from map_server.oapi.mount import OapiRoot, pygeoapi_app
from map_server.oapi.params import OapiParameterGuard
from map_server.oapi.responses import OapiResponses
from map_server.oapi.schemas import router as schemas_router
from map_server.oapi.templates import swagger_page, write_templates
from map_server.ops import install_ops, process_exit
from map_server.portal.router import router as portal_router
from map_server.request_guard import RequestGuard
from map_server.snapshot import SnapshotCache, register
from map_server.unavailable import DatabaseUnavailableMiddleware
from map_server.web.basemap import router as basemap_router
from map_server.web.lookup import router as lookup_router
from map_server.web.page import router as page_router
from map_server.web.security_txt import router as security_txt_router

STATIC_DIR = Path(__file__).resolve().parent / "static"
WORKER_LOCK = "notifier-worker.lock"

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # uvicorn sets up its own loggers after the app is built: route them through ours.
    _logging(app.state.settings)
    if app.state.start_worker:
        _start_worker(app)
    await _settle_heap(app)
    yield
    gc.unfreeze()
    worker = getattr(app.state, "worker", None)
    if worker is not None:
        worker.stop()
    process_exit()


async def _settle_heap(app: FastAPI) -> None:
    """Read the first outage snapshot, then move everything built so far (the modules,
    pygeoapi, the app, the snapshot) out of the cyclic garbage collector's sight.

    A full collection walks every tracked object: in a web worker that was 0.2 s of CPU
    (over a second on a busy machine), every few seconds, and each request of that
    moment waited for it; only what is made after this point is walked now. Objects
    frozen here are still freed when nothing refers to them (reference counting), and
    `gc.unfreeze()` at shutdown hands the rest (cycles) back to the collector."""
    try:
        await anyio.to_thread.run_sync(app.state.snapshots.current)
    except Exception:  # the database is away: the first request reads it
        log.warning("the outage snapshot could not be read at start", exc_info=True)
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    engine: sa.Engine | None = None,
    *,
    embedded_worker: bool = False,
    demo: bool = False,
) -> FastAPI:
    """Build the app on `settings` (default: read from the environment and files).

    `embedded_worker`: run the in-process notifier worker while the app runs (one per
    box: the first process to take its lock in the data dir). `demo`: the page that
    shows what the demo provider kept.
    """
    settings = settings or get_settings()
    _logging(settings)
    ctx = build_context(settings, db=engine, migrate_schema=engine is None)

    app = FastAPI(
        title="gis-outage",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below with Swagger UI from our static files, not a CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.state.db = ctx.db
    app.state.read_db = ctx.read_db  # the public, read-only parts read from here
    app.state.start_worker = embedded_worker
    snapshots = SnapshotCache(
        ctx.read_db, ttl=settings.map.state_ttl_seconds,
        ended_visible=timedelta(hours=settings.map.ended_visible_hours),
    )
    app.state.snapshots = snapshots

    app.add_exception_handler(RequestValidationError, validation_error)
    _include_engineer_api(app)
    _api_docs(app)
    app.include_router(page_router)
    app.include_router(lookup_router)
    app.include_router(basemap_router)
    app.include_router(feeds_router)
    app.include_router(schemas_router)
    app.include_router(portal_router)
    app.include_router(console_router)
    app.include_router(security_txt_router)
    if demo:
        from map_server.web.demo_messages import router as demo_router

        app.include_router(demo_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Each app gets its own key, so pygeoapi's provider reads this app's database.
    key = f"outages-{uuid.uuid4().hex[:12]}"
    register(key, snapshots)
    oapi_dir = settings.data_dir / "pygeoapi"
    templates = write_templates(oapi_dir / "templates", settings.public_url)
    paths = write_config(pygeoapi_config(settings, key, templates), oapi_dir)
    app.mount("/oapi", pygeoapi_app(*paths), name="oapi")

    app.add_middleware(OapiRoot)
    app.add_middleware(OapiResponses, snapshots=snapshots)
    app.add_middleware(OapiParameterGuard)
    app.add_middleware(PublicCacheMiddleware, snapshots=snapshots, settings=settings)
    app.add_middleware(RequestLimits, settings=settings.security, db=ctx.db)
    app.add_middleware(DatabaseUnavailableMiddleware)
    app.add_middleware(RequestGuard)
    app.add_middleware(PublicCors)  # errors and 304s carry it too
    install_ops(app)
    # Outermost: everything below, the rate limits and the access log, sees the client
    # a trusted proxy reports.
    app.add_middleware(TrustedProxies, settings=settings.security)
    # Outermost of all: every response, a 413 or 400 from the guards too, carries them.
    app.add_middleware(SecurityHeaders, settings=settings)
    return app


def _start_worker(app: FastAPI) -> None:
    """The notifier's in-process worker of the embedded default (no broker)."""
    from notifier.worker import start_embedded_worker

    settings: Settings = app.state.settings
    worker = start_embedded_worker(
        settings, app.state.db, lock_file=settings.data_dir / WORKER_LOCK
    )
    app.state.worker = worker
    if worker is None:
        log.info("another process on this box runs the notifier worker")


def _logging(settings: Settings) -> None:
    configure_logging(settings.log_format, settings.log_level)


def _api_docs(app: FastAPI) -> None:
    # Swagger UI from our static files (no CDN), started without inline script.
    page = swagger_page("gis-outage API", "/api/v1/openapi.json", "/static")

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)


def _include_engineer_api(app: FastAPI) -> None:
    """The engineer API at /api/v1."""
    from map_server.api.crew_sheet import router as crew_sheet_router
    from map_server.api.field import router as field_router
    from map_server.api.preview import router as preview_router
    from map_server.api.router import router

    app.include_router(router, prefix="/api/v1")
    app.include_router(preview_router, prefix="/api/v1")
    app.include_router(field_router, prefix="/api/v1")
    app.include_router(crew_sheet_router, prefix="/api/v1")
