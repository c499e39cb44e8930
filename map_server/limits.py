"""What the web app believes of a request and how much of it it reads (docs/security.md).

- The client's address: `X-Forwarded-For` and `-Proto` are believed only from the
  proxies named in `security.trusted_proxies`, and the client is the right-most hop that
  is not one of them, so a client cannot choose its own address for the rate limits by
  sending the header itself. This runs inside the app (uvicorn's own middleware, given
  our setting), so every server and worker count applies the same rule.
- Request bodies: at most `security.api_body_kib` on /api, `portal_body_kib` on /portal,
  `body_kib` elsewhere. A larger declared `Content-Length` is refused before a byte of
  the body is read; a body streamed without one is cut off where it crosses the limit.
- On /api a request with a body is authenticated before its body is read: without a
  valid token nothing of it is read.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gis_outage.config import SecuritySettings
from gis_outage.storage.db import Bind
from gis_outage.storage.users import User, user_for_token

API_USER = "api_user"  # request.state: the token's user, found before the body was read
TOKEN_NEEDED = "an API token is needed"
TOKEN_INVALID = "the API token is not valid, has expired or was revoked"


class TrustedProxies(ProxyHeadersMiddleware):
    """The client and scheme a trusted proxy reports, else the peer's own."""

    def __init__(self, app: ASGIApp, settings: SecuritySettings) -> None:
        super().__init__(app, trusted_hosts=list(settings.trusted_proxies))


class BodyTooLarge(HTTPException):
    """Raised from `receive`: FastAPI passes HTTPExceptions raised while it reads a body
    through to the exception handler (any other error becomes a 400)."""

    def __init__(self, limit: int, where: str) -> None:
        super().__init__(413, f"the request body is larger than the {limit // 1024} KiB "
                              f"allowed on {where}")


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class RequestLimits:
    """Body size per route family, and the /api token before the body (see above)."""

    def __init__(self, app: ASGIApp, settings: SecuritySettings, db: Bind) -> None:
        self.app = app
        self.settings = settings
        self.db = db

    def limit(self, path: str) -> tuple[int, str]:
        """Largest body in bytes for `path`, and the route family's name."""
        s = self.settings
        if path == "/api" or path.startswith("/api/"):
            return s.api_body_kib * 1024, "/api"
        if path == "/portal" or path.startswith("/portal/"):
            return s.portal_body_kib * 1024, "/portal"
        return s.body_kib * 1024, "this path"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        limit, where = self.limit(path)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and not declared.strip().isdigit():
            await _error(400, "Content-Length is not a whole number")(scope, receive, send)
            return
        if declared is not None and int(declared) > limit:
            await _error(413, BodyTooLarge(limit, where).detail)(scope, receive, send)
            return
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if where == "/api" and (chunked or int(declared or 0) > 0):
            token = bearer_token(headers)
            user = await run_in_threadpool(self._user, token) if token else None
            if user is None:
                detail = TOKEN_INVALID if token else TOKEN_NEEDED
                await _error(401, detail, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
                return
            scope.setdefault("state", {})[API_USER] = user

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, where)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # read outside a route (a middleware, a mount)
            if started:
                raise
            await _error(413, exc.detail)(scope, receive, send)

    def _user(self, token: str) -> User | None:
        return user_for_token(self.db, token)


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    # Connection: close: the client may still be sending a body nobody will read.
    return JSONResponse({"detail": detail}, status_code=status,
                        headers={"Connection": "close", "Cache-Control": "no-store",
                                 **(headers or {})})
