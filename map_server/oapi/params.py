"""Requests pygeoapi would ignore or crash on, answered before it sees them.

- Unknown query parameters are a 400 (OGC API - Features, /req/core/query-param-unknown):
  pygeoapi 0.21 ignores them, so a misspelt filter (`servce=water`) silently returned
  every outage. The items endpoint takes the standard parameters and one per property.
- The collection is read-only: POST, PUT, PATCH and DELETE are a 405 naming the methods
  there are (pygeoapi answered 400 or crashed).
- An empty sort key is a 400 (pygeoapi 0.21 indexes its first character: a 500).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from gis_outage.public import PROPERTY_NAMES

READ_METHODS = ("GET", "HEAD", "OPTIONS")
COMMON = frozenset({"f", "lang"})
ITEMS_PARAMETERS = COMMON | {
    "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-crs", "filter-lang", "limit",
    "offset", "properties", "q", "resulttype", "skipGeometry", "sortby", *PROPERTY_NAMES,
}  # fmt: skip
ENDPOINTS: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"^/oapi/?$"), COMMON),
    (re.compile(r"^/oapi/(conformance|collections)/?$"), COMMON),
    (re.compile(r"^/oapi/openapi/?$"), COMMON | {"ui"}),
    (re.compile(r"^/oapi/collections/[^/]+(/queryables|/schema)?/?$"), COMMON),
    (re.compile(r"^/oapi/collections/[^/]+/items/?$"), ITEMS_PARAMETERS),
    (re.compile(r"^/oapi/collections/[^/]+/items/[^/]+$"), COMMON | {"crs"}),
]


def parameter_problem(path: str, query: str) -> str | None:
    """What is wrong with the query of a request for `path`; None when nothing is."""
    allowed = next((names for pattern, names in ENDPOINTS if pattern.match(path)), None)
    for name, value in parse_qsl(query, keep_blank_values=True):
        if allowed is not None and name not in allowed:
            return f"unknown query parameter {name!r}; this endpoint takes: " + ", ".join(
                sorted(allowed)
            )
        # pygeoapi 0.21 indexes the first character of each sort key: an empty one
        # ("sortby=", "sortby=a,,b") is an IndexError, a 500, in its code.
        if name == "sortby" and any(not key.strip("+-") for key in value.split(",")):
            return "sortby: each sort key needs a property name (+name or -name)"
    return None


class OapiParameterGuard:
    """Answers 400 or 405 (an OGC exception document) for what pygeoapi cannot take."""

    def __init__(self, app: ASGIApp, prefix: str = "/oapi") -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            if scope["method"] not in READ_METHODS:
                description = f"{scope['method']} is not allowed: the outages are read-only"
                await _answer(send, 405, "MethodNotAllowed", description,
                              [(b"allow", ", ".join(READ_METHODS).encode())])
                return
            query = scope.get("query_string", b"").decode("latin-1")
            problem = parameter_problem(scope["path"], query)
            if problem:
                await _answer(send, 400, "InvalidParameterValue", problem)
                return
        await self.app(scope, receive, send)


async def _answer(
    send: Send, status: int, code: str, description: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"code": code, "description": description}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]})
    await send({"type": "http.response.body", "body": body})
