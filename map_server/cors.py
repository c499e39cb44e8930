"""CORS for the public data: a web map on the utility's own site reads /oapi and /feeds.

The data is public and read without credentials, so every origin may read it:
`Access-Control-Allow-Origin: *` on every response under those paths (always, not only
when the request names an Origin, so a shared cache never serves a copy without it),
the validators and language exposed to scripts, and preflights answered here for the
read methods and the headers a client sends to revalidate. Nothing else of the app is
readable across origins: the engineer API and the portal send no CORS headers.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from map_server.headers import raw_headers, set_headers

PUBLIC_PREFIXES = ("/oapi", "/feeds/", "/schemas/")
METHODS = "GET, HEAD, OPTIONS"
REQUEST_HEADERS = frozenset(
    {"accept", "accept-language", "if-none-match", "if-modified-since", "content-type"}
)
EXPOSED = "ETag, Last-Modified, Content-Language, Content-Crs, Link"
PREFLIGHT_MAX_AGE = "86400"
CORS_HEADERS = raw_headers(
    {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED}
)


class PublicCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_headers(message, *CORS_HEADERS)
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, headers: Headers, send: Send) -> None:
        method = headers["access-control-request-method"].strip().upper()
        asked = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        allowed = method in METHODS.split(", ") and asked <= REQUEST_HEADERS
        raw = [(b"vary", b"Access-Control-Request-Method, Access-Control-Request-Headers")]
        if allowed:
            raw += [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", METHODS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            ]
            if asked:
                raw.append((b"access-control-allow-headers", ", ".join(sorted(asked)).encode()))
        # 204 either way: without the allow headers the browser refuses the request.
        await send({"type": "http.response.start", "status": 204, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
