"""Requests no handler can take, answered before any of them sees it.

A NUL character cannot be stored or compared by PostgreSQL (a text value may not hold
it), so a `%00` in a path or query would reach the database as an error, a 500. The
answer has the shape each API documents for a bad parameter: an OGC exception (400)
under /oapi, FastAPI's validation error (422) elsewhere.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send


def request_problem(path: str, query: bytes) -> tuple[str, str] | None:
    """Where a request's path or query is wrong and what is wrong; None when nothing is."""
    if "\x00" in path:
        return "path", "the path holds a NUL character (%00)"
    if b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
        return "query", "the query holds a NUL character (%00)"
    return None


def _answer(path: str, where: str, problem: str) -> tuple[int, bytes]:
    if path.startswith("/oapi"):
        return 400, json.dumps({"code": "InvalidParameterValue", "description": problem}).encode()
    detail = [{"loc": [where], "msg": problem, "type": "value_error"}]
    return 422, json.dumps({"detail": detail}).encode()


class RequestGuard:
    """Answers 400/422 for a request no handler can take."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = request_problem(scope["path"], scope.get("query_string", b""))
            if problem:
                status, body = _answer(scope["path"], *problem)
                await send({"type": "http.response.start", "status": status, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
