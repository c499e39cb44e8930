"""ETag, Last-Modified, Cache-Control and 304s for every public GET, plus a response cache.

pygeoapi sends none of these, so they are added here, around everything:
- data paths (`/`, `/oapi/...`, `/feeds/...`) depend only on the stored outages, the URL
  and the Accept/Accept-Language headers. Their ETag is derived from the snapshot token
  and those inputs *before* the handler runs, so a revalidation (304) costs no
  rendering, and a full 200 is served from an in-memory copy while the outages are
  unchanged — what keeps the map up under a storm. When they change, one request per
  URL renders the new copy; requests for that URL meanwhile get the previous copy (with
  its own ETag) at once instead of rendering it again each.
- look-up paths (`/lookup/...`) also depend on the clock (planned works "in the next N
  weeks"), so their ETag is a hash of the body.
- static files get Starlette's own ETag/Last-Modified; only Cache-Control is added.
Everything else (the engineer API, the docs) passes through untouched.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_outage.config import Settings
from map_server.snapshot import Snapshot, SnapshotCache

DATA_PREFIXES = ("/oapi", "/feeds/")
STATIC_PREFIXES = ("/static/", "/oapi/static/")
BODY_PREFIXES = ("/lookup/",)
MAX_CACHED_BODY = 4 * 1024 * 1024
VARY = "Accept, Accept-Language"


@dataclass(frozen=True)
class Entry:
    """A rendered 200 and the outages (snapshot token) it was rendered from."""

    token: str
    validators: dict[str, str]
    last_modified: datetime
    status: int
    raw: list[tuple[bytes, bytes]]
    body: bytes


def classify(path: str) -> str | None:
    if path.startswith(STATIC_PREFIXES):
        return "static"
    if path == "/" or path.startswith(DATA_PREFIXES):
        return "data"
    if path.startswith(BODY_PREFIXES):
        return "body"
    return None


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), as If-None-Match requires."""
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


def not_modified(headers: Headers, etag: str, last_modified: datetime | None) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since
        return etag_matches(if_none_match, etag)
    since = headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class PublicCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        snapshots: SnapshotCache,
        settings: Settings,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.snapshots = snapshots
        # A byte budget, not a count: every distinct URL (?x=random) makes an entry.
        self.max_bytes = max_bytes
        self._bytes = 0
        self.public = (
            f"public, max-age={settings.map.public_max_age}, "
            f"stale-while-revalidate={settings.map.public_stale_while_revalidate}"
        )
        self.static = (
            f"public, max-age={settings.map.static_max_age}, "
            f"stale-while-revalidate={settings.map.static_max_age * 12}"
        )
        # variant (URL and headers' digest) -> its copy, of the current token or the one
        # before it (served only while the current one is being rendered).
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._rendering: dict[str, asyncio.Event] = {}
        self._token: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            kind = classify(scope["path"])
        if kind == "data":
            await self._data(scope, receive, send)
        elif kind == "body":
            await self._body(scope, receive, send)
        elif kind == "static":
            await self.app(scope, receive, self._with_cache_control(send, self.static))
        else:
            await self.app(scope, receive, send)

    async def _snapshot(self) -> Snapshot:
        snapshot = self.snapshots.latest()  # never waits for the database
        if snapshot is None:  # the first one, or after a write here: read off the loop
            snapshot = await anyio.to_thread.run_sync(self.snapshots.current)
        if snapshot.token != self._token:  # keep only the copies of the previous outages
            for variant, entry in list(self._entries.items()):
                if entry.token != self._token:
                    self._drop(variant)
            self._token = snapshot.token
        return snapshot

    async def _data(self, scope: Scope, receive: Receive, send: Send) -> None:
        snapshot = await self._snapshot()
        headers = Headers(scope=scope)
        variant = "\n".join(
            (
                scope["path"],
                scope["query_string"].decode("latin-1"),
                headers.get("accept", ""),
                headers.get("accept-language", ""),
            )
        )
        digest = hashlib.blake2b(variant.encode(), digest_size=8).hexdigest()
        etag = f'W/"{snapshot.token}-{digest}"'
        validators = {
            "etag": etag,
            "last-modified": format_datetime(snapshot.last_modified, usegmt=True),
            "cache-control": self.public,
            "vary": VARY,
        }
        if not_modified(headers, etag, snapshot.last_modified):
            await _send_304(send, validators)
            return
        head = scope["method"] == "HEAD"
        while True:
            entry = self._entries.get(digest)
            if entry is not None and entry.token == snapshot.token:
                self._entries.move_to_end(digest)
                await send_response(send, entry.status, entry.raw, entry.body, head=head)
                return
            rendering = self._rendering.get(digest)
            if rendering is None:
                break
            if entry is not None:  # the previous copy, while this one is rendered
                if not_modified(headers, entry.validators["etag"], entry.last_modified):
                    await _send_304(send, entry.validators)
                else:
                    await send_response(send, entry.status, entry.raw, entry.body, head=head)
                return
            await rendering.wait()  # then answered from its copy, if it made one
        done = self._rendering[digest] = asyncio.Event()
        try:
            status, raw, body = await capture_response(self.app, scope, receive)
        finally:
            del self._rendering[digest]
            done.set()
        if status == 200:
            raw = _set(raw, validators)
            if not head and len(body) <= MAX_CACHED_BODY:
                copy = Entry(snapshot.token, validators, snapshot.last_modified, status, raw, body)
                self._store(digest, copy)
        else:
            raw = _set(raw, {"cache-control": "no-cache"}, replace=False)
        await send_response(send, status, raw, body)

    def _store(self, variant: str, entry: Entry) -> None:
        self._drop(variant)
        self._entries[variant] = entry
        self._bytes += len(entry.body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, variant: str) -> None:
        entry = self._entries.pop(variant, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, raw, body = await capture_response(self.app, scope, receive)
        if status != 200:
            await send_response(send, status, _set(raw, {"cache-control": "no-cache"}, False), body)
            return
        etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        validators = {"etag": etag, "cache-control": self.public, "vary": VARY}
        if not_modified(Headers(scope=scope), etag, None):
            await _send_304(send, validators)
            return
        await send_response(send, status, _set(raw, validators), body)

    def _with_cache_control(self, send: Send, value: str) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                MutableHeaders(scope=message).setdefault("cache-control", value)
            await send(message)

        return wrapped


async def capture_response(
    app: ASGIApp, scope: Scope, receive: Receive
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run `app` and collect its whole response (public responses are small)."""
    start: Message = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


def _set(
    raw: list[tuple[bytes, bytes]], values: dict[str, str], replace: bool = True
) -> list[tuple[bytes, bytes]]:
    headers = MutableHeaders(raw=list(raw))
    for name, value in values.items():
        if replace:
            headers[name] = value
        else:
            headers.setdefault(name, value)
    return headers.raw


async def send_response(
    send: Send, status: int, raw: list[tuple[bytes, bytes]], body: bytes, head: bool = False
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _send_304(send: Send, validators: dict[str, str]) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in validators.items()]
    await send({"type": "http.response.start", "status": 304, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
