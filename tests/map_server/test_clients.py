"""Real OGC API Features clients against a real uvicorn server on a loopback port:
GDAL's OAPIF driver (what QGIS uses too) and OWSLib's `Features`."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from owslib.ogcapi.features import Features
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from map_server.app import create_app
from tests.map_server.data import new_outage

OUTAGES = 7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[int]]]:
    from gis_outage.storage.db import make_engine, migrate
    from tests.map_server.data import add_addresses

    tmp = tmp_path_factory.mktemp("oapi-server")
    engine: Engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    ids = [
        new_outage(engine, service=service, where=(24.90 + i * 0.01, 60.17))
        for i, service in enumerate(["water", "electricity", "district_heating"] * 2)
    ]
    ids.append(new_outage(engine, kind="planned", starts_in=timedelta(days=3)))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(Settings(data_dir=tmp, public_url=url), engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield url, ids
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def test_http_over_a_real_socket(server: tuple[str, list[int]]) -> None:
    url, ids = server
    with httpx.Client(base_url=url) as client:
        first = client.get("/oapi/collections/outages/items", params={"f": "json"})
        assert first.json()["numberMatched"] == OUTAGES
        again = client.get(
            "/oapi/collections/outages/items",
            params={"f": "json"},
            headers={"If-None-Match": first.headers["etag"]},
        )
        assert again.status_code == 304
        assert client.get("/").status_code == 200


def ogr(*args: str) -> str:
    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL's ogrinfo is not installed (Debian: gdal-bin)")
    done = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_lists_the_collection_and_its_features(server: tuple[str, list[int]]) -> None:
    url, ids = server
    listing = ogr(f"OAPIF:{url}/oapi")
    assert "outages" in listing
    summary = ogr("-so", f"OAPIF:{url}/oapi", "outages")
    assert f"Feature Count: {OUTAGES}" in summary
    assert "Polygon" in summary
    for field in ("service", "kind", "starts_at", "customers", "area_description"):
        assert field in summary


def test_gdal_pages_through_all_features(server: tuple[str, list[int]]) -> None:
    url, ids = server
    # A page size smaller than the collection makes GDAL follow the `next` links.
    out = ogr("-al", "-q", "-oo", "PAGE_SIZE=3", f"OAPIF:{url}/oapi", "outages")
    assert out.count("OGRFeature(outages)") == OUTAGES
    assert out.count("service (String) = water") == 3  # two faults and the planned works
    assert "POLYGON ((" in out


def test_gdal_spatial_filter(server: tuple[str, list[int]]) -> None:
    url, _ = server
    out = ogr("-al", "-q", "-spat", "24.895", "60.16", "24.915", "60.18", f"OAPIF:{url}/oapi")
    assert out.count("OGRFeature(outages)") == 2  # the boxes around 24.90 and 24.91


def test_owslib_lists_and_pages(server: tuple[str, list[int]]) -> None:
    url, ids = server
    api = Features(f"{url}/oapi")
    assert [c["id"] for c in api.collections()["collections"]] == ["outages"]
    assert api.collection("outages")["id"] == "outages"
    seen: list[int] = []
    offset = 0
    while True:
        page = api.collection_items("outages", limit=3, offset=offset)
        assert page["numberMatched"] == OUTAGES
        seen += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 3
    assert sorted(seen) == sorted(ids)
    water = api.collection_items("outages", service="water")
    assert {f["properties"]["service"] for f in water["features"]} == {"water"}
    one = api.collection_item("outages", str(ids[0]))
    assert one["id"] == ids[0]
    queryables = api.collection_queryables("outages")
    assert "customers" in queryables["properties"]
    json.dumps(one)  # plain JSON, nothing exotic


def test_links_use_the_public_url(server: tuple[str, list[int]]) -> None:
    url, _ = server
    landing = httpx.get(f"{url}/oapi", params={"f": "json"})
    assert landing.status_code == 200  # no redirect to /oapi/
    hrefs = [link["href"] for link in landing.json()["links"]]
    assert f"{url}/oapi/collections" in hrefs
    assert all(href.startswith(url) for href in hrefs)


def _areas_box(url: str) -> tuple[float, float, float, float]:
    """The box around the public areas, from the GeoJSON feed (not from /oapi itself)."""
    import shapely
    from shapely.geometry import shape

    feed = httpx.get(f"{url}/feeds/outages.geojson").json()
    shapes = [shape(f["geometry"]) for f in feed["features"]]
    return tuple(shapely.GeometryCollection(shapes).bounds)


def test_gdal_reads_ids_typed_dates_and_the_real_extent(server: tuple[str, list[int]]) -> None:
    url, ids = server
    summary = ogr("-so", f"OAPIF:{url}/oapi", "outages")
    fields = dict(
        line.split(": ", 1) for line in summary.splitlines() if line.endswith("(0.0)")
    )
    assert fields["id"] == "Integer (0.0)"
    for name in ("starts_at", "estimated_end_at", "ended_at", "updated_at"):
        assert fields[name] == "DateTime (0.0)", name  # ended_at is null on every outage
    assert list(fields).count("id") == 1
    minx, miny, maxx, maxy = _areas_box(url)
    assert f"Extent: ({minx:.6f}, {miny:.6f}) - ({maxx:.6f}, {maxy:.6f})" in summary
    features = ogr("-al", "-q", "-geom=NO", f"OAPIF:{url}/oapi", "outages")
    for outage_id in ids:
        assert f"OGRFeature(outages):{outage_id}\n  id (Integer) = {outage_id}\n" in features


def test_ogr2ogr_keeps_the_outage_id_without_preserve_fid(
    server: tuple[str, list[int]], tmp_path
) -> None:
    url, ids = server
    if shutil.which("ogr2ogr") is None:
        pytest.skip("GDAL's ogr2ogr is not installed (Debian: gdal-bin)")
    out = tmp_path / "outages.geojson"
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{url}/oapi", "outages"],
                   check=True, capture_output=True, timeout=120)
    written = json.loads(out.read_text())
    assert sorted(f["properties"]["id"] for f in written["features"]) == sorted(ids)
    gpkg = tmp_path / "outages.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{url}/oapi", "outages"],
                   check=True, capture_output=True, timeout=120)
    listed = ogr("-al", "-q", "-geom=NO", str(gpkg))
    assert sorted(int(x) for x in re.findall(r"id \(Integer\) = (\d+)", listed)) == sorted(ids)


def test_owslib_pages_by_links_to_the_last_page_and_no_further(
    server: tuple[str, list[int]],
) -> None:
    url, ids = server
    api = Features(f"{url}/oapi")
    extent = api.collection("outages")["extent"]
    assert extent["spatial"]["bbox"][0] == pytest.approx(list(_areas_box(url)))
    assert extent["temporal"]["interval"][0][0] is not None
    seen: list[int] = []
    pages = 0
    next_url: str | None = f"{url}/oapi/collections/outages/items?f=json&limit=3"
    while next_url:  # follow the links the server gives, as GDAL and QGIS do
        page = httpx.get(next_url)
        assert page.headers["content-type"].startswith("application/geo+json")
        body = page.json()
        pages += 1
        offset = len(seen)
        seen += [f["properties"]["id"] for f in body["features"]]
        links = {link["rel"]: link["href"] for link in body["links"]}
        if offset:
            assert f"offset={offset}" in links["self"]
        next_url = links.get("next")
    assert pages == 3 and sorted(seen) == sorted(ids)  # 3 + 3 + 1, no empty fourth page
    last = api.collection_items("outages", limit=OUTAGES)
    assert not [link for link in last["links"] if link["rel"] == "next"]


def test_cors_and_content_types_over_a_real_socket(server: tuple[str, list[int]]) -> None:
    url, ids = server
    origin = {"Origin": "https://www.utility.example"}
    with httpx.Client(base_url=url) as client:
        for path, media in (
            ("/oapi/collections/outages/items?f=json", "application/geo+json"),
            (f"/oapi/collections/outages/items/{ids[0]}?f=json", "application/geo+json"),
            ("/oapi/collections/outages?f=json", "application/json"),
            ("/feeds/outages.geojson", "application/geo+json"),
            ("/feeds/outages.atom", "application/atom+xml"),
        ):
            answer = client.get(path, headers=origin)
            assert answer.status_code == 200, path
            assert answer.headers["access-control-allow-origin"] == "*", path
            assert answer.headers["content-type"].startswith(media), path
            assert "ETag" in answer.headers["access-control-expose-headers"]
        preflight = client.options("/oapi/collections/outages/items", headers={
            **origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "GET" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-origin" not in client.get("/api/v1/openapi.json",
                                                                headers=origin).headers
