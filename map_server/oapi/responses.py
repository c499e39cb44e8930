"""OGC API JSON answers corrected where pygeoapi 0.21 gets them wrong for GIS clients.

- items and single items are GeoJSON: `application/geo+json`, the type every link to them
  advertises (pygeoapi sends `application/json`);
- a page's `self` and `alternate` links keep its `offset` (pygeoapi drops it), the last
  page has no `next` link (pygeoapi adds one whenever a page is full), and `next`/`prev`
  name the GeoJSON representation they are typed as;
- a collection's extent is the box and time span of its outages, or the service area
  while there are none (pygeoapi serves the configured extent, a static whole world).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

from map_server.http_cache import capture_response, send_response
from map_server.oapi.config import COLLECTION, CRS84
from map_server.snapshot import Snapshot, SnapshotCache

GEOJSON = "application/geo+json"
ITEMS = re.compile(r"^/oapi/collections/([^/]+)/items/?$")
ITEM = re.compile(r"^/oapi/collections/([^/]+)/items/[^/]+$")
COLLECTIONS = re.compile(r"^/oapi/collections(/[^/]+)?/?$")
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class OapiResponses:
    def __init__(self, app: ASGIApp, *, snapshots: SnapshotCache) -> None:
        self.app, self.snapshots = app, snapshots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not (ITEMS.match(path) or ITEM.match(path) or COLLECTIONS.match(path))
        ):
            await self.app(scope, receive, send)
            return
        status, raw, body = await capture_response(self.app, scope, receive)
        headers = MutableHeaders(raw=list(raw))
        if status == 200 and headers.get("content-type", "").startswith("application/json"):
            if ITEMS.match(path) or ITEM.match(path):
                headers["content-type"] = GEOJSON
            snapshot = None
            if COLLECTIONS.match(path):  # read off the event loop when not fresh
                snapshot = self.snapshots.latest() or await anyio.to_thread.run_sync(
                    self.snapshots.current
                )
            query = scope.get("query_string", b"").decode("latin-1")
            body = correct(path, query, body, snapshot)
            headers["content-length"] = str(len(body))
        await send_response(send, status, headers.raw, body, head=scope["method"] == "HEAD")



def correct(path: str, query: str, body: bytes, snapshot: Snapshot | None) -> bytes:
    """The corrected JSON body of a 200 from pygeoapi at `path`."""
    try:
        document = json.loads(body)
    except ValueError:  # HEAD: no body to correct
        return body
    if ITEMS.match(path):
        fix_page_links(document, query)
    elif snapshot is not None:
        for collection in document.get("collections", [document]):
            if collection.get("id") == COLLECTION:
                collection["extent"] = extent(snapshot)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def fix_page_links(page: dict[str, Any], query: str) -> None:
    """Make a FeatureCollection's links describe this page and only pages that exist."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    offset = _int(params.get("offset"))
    matched, returned = page.get("numberMatched"), page.get("numberReturned")
    last = isinstance(matched, int) and isinstance(returned, int) and offset + returned >= matched
    links = []
    for link in page.get("links", []):
        rel = link.get("rel")
        if rel == "next" and last:
            continue
        if rel in ("self", "alternate") and offset:
            link["href"] = _with(link["href"], offset=str(offset))
        if rel in ("next", "prev") and link.get("type") == GEOJSON:
            link["href"] = _with(link["href"], f="json")
        links.append(link)
    page["links"] = links


def extent(snapshot: Snapshot) -> dict[str, Any]:
    box = snapshot.bbox() or (-180.0, -90.0, 180.0, 90.0)
    found: dict[str, Any] = {"spatial": {"bbox": [list(box)], "crs": CRS84}}
    interval = snapshot.interval()
    if interval is not None:
        found["temporal"] = {"interval": [list(interval)], "trs": GREGORIAN}
    return found


def _with(href: str, **values: str) -> str:
    """`href` with these query parameters set (added or replaced), the others kept."""
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in values]
    query += list(values.items())
    return urlunsplit(parts._replace(query=urlencode(query, safe=",:/")))


def _int(value: str | None) -> int:
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0
