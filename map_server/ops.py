"""Operations endpoints: `/health`, `/ready` and Prometheus `/metrics`.

`/metrics` is not public unless `security.metrics_public`: it answers a request from
this host that no proxy forwarded, or one with `security.metrics_token` as its Bearer
token; anyone else gets a 403.

`install_ops(app)` adds the router and the request-timing middleware. Labels hold
route templates, methods, status classes and delivery statuses only: never a path
with ids in it, an address, a number or an e-mail.

Each request is also logged (logger `gis_outage.access`) with its method, route
template, status and duration: never the path or query string, which may hold an
address search or a portal link.

With several worker processes (uvicorn --workers N) set PROMETHEUS_MULTIPROC_DIR to an
empty directory: every process then writes its request figures there, and /metrics,
whichever process answers, sums them (prometheus_client's multiprocess mode). Without
it each process keeps its own figures in memory.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_outage.config import secret
from gis_outage.storage.db import current_revision, head_revision
from gis_outage.storage.reports import OperationsCounts, operations_counts

router = APIRouter(include_in_schema=False)

TRACE_ROUTES = frozenset({"/api/v1/trace"})
OPS_ROUTES = frozenset({"/health", "/ready", "/metrics"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

access_log = logging.getLogger("gis_outage.access")


def multiprocess_dir() -> Path | None:
    """Where worker processes share their metrics; None: each keeps its own."""
    value = os.environ.get(MULTIPROC_DIR)
    return Path(value) if value else None


class Metrics:
    """One registry per app, so apps built in one process (tests) don't collide."""

    def __init__(self, engine: sa.Engine) -> None:
        shared = multiprocess_dir()
        if shared is not None:
            shared.mkdir(parents=True, exist_ok=True)  # values are written there from now on
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "gis_outage_http_request_duration_seconds",
            "HTTP request time by route template",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.trace = Histogram(
            "gis_outage_trace_duration_seconds",
            "Time of trace requests (POST /api/v1/trace), tracing included",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.database = DatabaseCollector(engine)
        self.registry.register(self.database)

    def scrape_registry(self) -> CollectorRegistry:
        """What /metrics exposes: this process's registry, or every process's figures."""
        if multiprocess_dir() is None:
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        # Read from the database at scrape time: the same whichever process answers.
        registry.register(self.database)
        return registry


def process_exit() -> None:
    """Tell the shared metrics this worker process is gone (its live gauges go with it)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())


class DatabaseCollector(Collector):
    """Outbox depth and deliveries by status, read from the database at scrape time."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily("gis_outage_database_up", "1 if the last scrape read the database")
        try:
            outbox, deliveries, unmatched = self._read()
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "gis_outage_outbox_pending", "Outbox rows not yet processed", value=outbox
        )
        family = GaugeMetricFamily(
            "gis_outage_deliveries",
            "Deliveries by channel and status",
            labels=["channel", "status"],
        )
        for channel, status, count in deliveries:
            family.add_metric([str(channel), str(status)], count)
        yield family
        receipts = CounterMetricFamily(
            "gis_outage_receipts_unmatched",
            "Delivery receipts that matched no delivery (reused or unknown id, another "
            "destination, too old), by provider",
            labels=["provider"],
        )
        for provider, count in unmatched:
            receipts.add_metric([provider], count)
        yield receipts

    def _read(self) -> OperationsCounts:
        return operations_counts(self.engine)


class TimingMiddleware:
    """Times each HTTP request and labels it with the template of the route it matched."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        root = scope.get("root_path", "")
        start = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = _route_template(scope, root, status)
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            self.metrics.latency.labels(method, route, f"{status // 100}xx").observe(elapsed)
            if route in TRACE_ROUTES and method == "POST":
                self.metrics.trace.observe(elapsed)
            # Probes and scrapes come every few seconds: kept out of the INFO log.
            access_log.log(
                logging.DEBUG if route in OPS_ROUTES else logging.INFO,
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )


def _route_template(scope: Scope, root: str, status: int) -> str:
    """`/api/v1/outages/{outage_id}`, `/oapi/collections/{collection_id:path}`, `unmatched`.

    The matched route holds its template without the prefixes of the routers and mounts
    it sits under: those (static) prefixes are the part of the path before the rest the
    route's pattern matches. A response served before routing (the public cache's copies
    and 304s) gets its first path segment: `/oapi/*`.
    """
    path: str = scope.get("path", "")
    route = scope.get("route")
    pattern = getattr(route, "path_regex", None)
    template = getattr(route, "path", None)
    if pattern is None or not template:
        if status >= 400:
            return "unmatched"  # the path may be anything a client sent
        head, _, rest = path[len(root) :].lstrip("/").partition("/")
        return f"/{head}/*" if rest else f"/{head}"
    start = max(len(root), len(scope.get("root_path", "")))
    for i in range(start, len(path)):
        if path[i] == "/" and pattern.fullmatch(path[i:]):
            return f"{path[len(root) : i]}{template}"
    return str(template)


@cache
def _head() -> str | None:
    """The newest migration shipped with this code (read from disk once per process)."""
    return head_revision()


def database_ready(engine: sa.Engine) -> tuple[bool, str]:
    """Whether the database answers and its schema is at the newest migration."""
    try:
        current = current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        return False, f"database unreachable: {type(exc).__name__}"
    head = _head()
    if current != head:
        return False, f"schema at {current}, head is {head}: run `gis-outage migrate`"
    return True, f"schema at head ({head})"


@router.get("/health")
def health() -> dict[str, str]:
    """The process is alive and serving requests."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """503 until the database (and the read replica, if set) is reachable and at head."""
    primary, replica = request.app.state.db, request.app.state.read_db
    ok, detail = database_ready(primary)
    if ok and replica is not primary:
        ok, detail = database_ready(replica)
        detail = f"read replica: {detail}"
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "detail": detail},
        status_code=200 if ok else 503,
    )


FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def may_scrape(request: Request) -> bool:
    """Whether this request may read /metrics (see the module's docstring)."""
    config = request.app.state.settings.security
    if config.metrics_public:
        return True
    token = secret(config.metrics_token)
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip(), token):
        return True
    # A local proxy passing a remote request on is not "this host".
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host if request.client else "").is_loopback
    except ValueError:
        return False


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not may_scrape(request):
        return JSONResponse(
            {"detail": "/metrics answers this host, or the Bearer token in "
                       "GIS_OUTAGE_SECURITY_METRICS_TOKEN"}, status_code=403)
    registry = request.app.state.metrics.scrape_registry()
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install_ops(app: FastAPI) -> None:
    """Add /health, /ready, /metrics, request timing and the access log to `app`.

    Needs `app.state.db` and `app.state.read_db` (the same engine without a replica).
    """
    app.state.metrics = Metrics(app.state.db)
    app.include_router(router)
    app.add_middleware(TimingMiddleware, metrics=app.state.metrics)
