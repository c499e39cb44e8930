"""A database that is away for a moment (a restart, a failover) gets a 503 with
Retry-After instead of a 500: clients and load balancers retry a 503. The PostgreSQL
pool checks each connection before use (pre-ping), so once the database is back the
next request succeeds without restarting the app."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_outage.storage.db import database_unavailable

log = logging.getLogger(__name__)

DETAIL = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection raised anywhere below (routes, the public
    cache, pygeoapi) into a 503, as long as no response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            # The class name only: database errors quote their statement's parameters.
            log.warning("database unavailable: %s", exc.__class__.__name__)
            response = JSONResponse(
                {"detail": DETAIL},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
