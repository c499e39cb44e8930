"""Query parameters pygeoapi would crash on, answered with a 400 before it sees them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send


def parameter_problem(query: str) -> str | None:
    """What is wrong with an items query, in OGC API words; None when nothing is."""
    for name, value in parse_qsl(query, keep_blank_values=True):
        # pygeoapi 0.21 indexes the first character of each sort key: an empty one
        # ("sortby=", "sortby=a,,b") is an IndexError, a 500, in its code.
        if name == "sortby" and any(not key.strip("+-") for key in value.split(",")):
            return "sortby: each sort key needs a property name (+name or -name)"
    return None


class OapiParameterGuard:
    """Answers 400 (an OGC exception document) for parameters pygeoapi cannot take."""

    def __init__(self, app: ASGIApp, prefix: str = "/oapi") -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            problem = parameter_problem(scope.get("query_string", b"").decode("latin-1"))
            if problem:
                body = json.dumps({"code": "InvalidParameterValue", "description": problem})
                await send({"type": "http.response.start", "status": 400, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]})
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)
