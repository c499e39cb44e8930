"""Caching headers and 304s on every public GET; the engineer API left alone."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from map_server.app import create_app
from map_server.http_cache import PublicCacheMiddleware
from tests.map_server.data import new_outage

DATA_PATHS = [
    "/",
    "/?lang=sv",
    "/oapi",
    "/oapi/collections/outages?f=json",
    "/oapi/collections/outages/items?f=json",
    "/oapi/collections/outages/items?f=html",
    "/feeds/outages.atom",
    "/feeds/outages.geojson",
]
STATIC_PATHS = ["/static/map.js", "/static/map.css", "/static/vendor/leaflet/leaflet.js"]


@pytest.mark.parametrize("path", DATA_PATHS + STATIC_PATHS + ["/lookup/addresses?q=Hämeen"])
def test_public_get_has_validators_and_answers_304(client: TestClient, engine, path: str) -> None:
    new_outage(engine)
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["etag"]
    assert "public" in first.headers["cache-control"]
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    if "last-modified" in first.headers:
        since = client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
        assert since.status_code == 304


@pytest.mark.parametrize("path", DATA_PATHS)
def test_etag_of_every_data_path_follows_the_outages(client: TestClient, engine, path) -> None:
    before = client.get(path).headers["etag"]
    new_outage(engine)
    after = client.get(path)
    assert after.headers["etag"] != before
    assert client.get(path, headers={"If-None-Match": before}).status_code == 200


def test_repeated_requests_are_served_from_memory(client: TestClient, engine) -> None:
    new_outage(engine)
    first = client.get("/oapi/collections/outages/items?f=json")
    second = client.get("/oapi/collections/outages/items?f=json")
    assert second.content == first.content  # same bytes, timeStamp included
    assert second.headers["etag"] == first.headers["etag"]


def test_response_cache_keeps_to_its_byte_budget(app) -> None:
    async def big(scope, receive, send) -> None:  # every URL a new 600-byte body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 600})

    cache = PublicCacheMiddleware(
        big, snapshots=app.state.snapshots, settings=app.state.settings, max_bytes=1000
    )

    async def get(query: str) -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(),
                 "headers": []}  # fmt: skip

        async def send(message: dict) -> None:
            pass

        await cache(scope, None, send)

    for i in range(5):
        anyio.run(get, f"x={i}")
    assert cache._bytes <= 1000 and len(cache._entries) == 1


def test_language_variants_have_their_own_etags(client: TestClient) -> None:
    fi = client.get("/", headers={"Accept-Language": "fi"})
    sv = client.get("/", headers={"Accept-Language": "sv"})
    assert fi.headers["etag"] != sv.headers["etag"]
    assert "Accept-Language" in fi.headers["vary"]
    assert 'lang="sv"' in sv.text


def test_head_gets_the_validators_without_a_body(client: TestClient, engine) -> None:
    new_outage(engine)
    url = "/oapi/collections/outages/items?f=json"
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert client.head(url, headers={"If-None-Match": get.headers["etag"]}).status_code == 304


def test_errors_are_not_cached(client: TestClient) -> None:
    missing = client.get("/oapi/collections/outages/items/12345?f=json")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    assert missing.headers["cache-control"] == "no-cache"


def test_engineer_api_is_not_given_public_caching(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert "public" not in response.headers.get("cache-control", "")
    assert "etag" not in response.headers


def test_publish_shows_once_the_cached_answer_expires(tmp_path: Path, engine) -> None:
    # How soon is measured in bench/map; here only that a revalidation sees the change.
    app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), engine)
    with TestClient(app) as client:
        url = "/oapi/collections/outages/items?f=json"
        etag = client.get(url).headers["etag"]
        outage_id = new_outage(engine)
        published_at = time.monotonic()
        while True:
            response = client.get(url, headers={"If-None-Match": etag})
            if response.status_code == 200:
                break
            assert time.monotonic() - published_at < 30, "publish never became visible"
            time.sleep(0.05)
        assert [f["id"] for f in response.json()["features"]] == [outage_id]


def test_while_a_changed_copy_renders_other_requests_get_the_previous_one(app, engine) -> None:
    # One request renders the new outages' copy; requests for that URL meanwhile get the
    # previous copy with its own ETag (and their 304s against it) instead of rendering
    # it again each; afterwards everyone gets the new copy, rendered once.
    renders: list[int] = []
    events: dict[str, anyio.Event] = {}

    async def render(scope, receive, send) -> None:
        renders.append(len(renders) + 1)
        n = renders[-1]
        if n == 2:
            events["entered"].set()
            await events["release"].wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": f"render {n}".encode()})

    cache = PublicCacheMiddleware(
        render, snapshots=app.state.snapshots, settings=app.state.settings
    )

    async def get(etag: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = [(b"if-none-match", etag.encode())] if etag else []
        scope = {"type": "http", "method": "GET", "path": "/oapi/collections/outages/items",
                 "query_string": b"f=json", "headers": headers}  # fmt: skip
        out: dict = {"body": b""}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
            else:
                out["body"] += message.get("body", b"")

        await cache(scope, None, send)
        return out["status"], out["headers"], out["body"]

    async def scenario() -> None:
        events.update(entered=anyio.Event(), release=anyio.Event())
        status, headers, body = await get()
        assert (status, body) == (200, b"render 1")
        old = headers["etag"]
        new_outage(engine)
        renderer: list = []
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: _into(renderer, get()))
            await events["entered"].wait()
            during = await get()
            assert (during[0], during[2], during[1]["etag"]) == (200, b"render 1", old)
            assert (await get(old))[0] == 304
            events["release"].set()
        status, headers, body = renderer[0]
        assert (status, body) == (200, b"render 2") and headers["etag"] != old
        assert (await get())[2] == b"render 2"
        assert (await get(headers["etag"]))[0] == 304
        assert (await get(old))[0] == 200
        assert renders == [1, 2]

    anyio.run(scenario)


def test_concurrent_requests_for_an_uncached_url_render_it_once(app) -> None:
    renders: list[int] = []
    events: dict[str, anyio.Event] = {}

    async def render(scope, receive, send) -> None:
        renders.append(1)
        events["entered"].set()
        await events["release"].wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"features"})

    cache = PublicCacheMiddleware(
        render, snapshots=app.state.snapshots, settings=app.state.settings
    )
    bodies: list[bytes] = []

    async def get() -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"",
                 "headers": []}  # fmt: skip

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body":
                bodies.append(message.get("body", b""))

        await cache(scope, None, send)

    async def scenario() -> None:
        events.update(entered=anyio.Event(), release=anyio.Event())
        async with anyio.create_task_group() as tasks:
            for _ in range(5):
                tasks.start_soon(get)
            await events["entered"].wait()
            events["release"].set()

    anyio.run(scenario)
    assert renders == [1] and bodies == [b"features"] * 5


async def _into(results: list, awaitable) -> None:
    results.append(await awaitable)
