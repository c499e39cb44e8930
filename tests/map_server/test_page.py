"""The public map page as served: structure, languages, list, assets from this server."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from map_server.app import create_app
from tests.map_server.data import new_outage

STABLE_IDS = [
    "map", "last-updated", "status-message", "outage-list", "outage-table",
    "outage-rows", "outage-count", "no-outages", "address-search", "address-input",
    "address-suggestions", "weeks-select", "address-submit", "address-result",
    "language-switch", "filters", "summary", "summary-now", "approximate", "portal-link",
    "scam-warning",
]  # fmt: skip


def page_config(html: str) -> dict:
    """The page's settings for its script, from the body's data-config attribute."""
    return json.loads(unescape(re.search(r"<body data-config='([^']*)'", html).group(1)))


class Assets(HTMLParser):
    """Collects every URL the browser would fetch by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(found["src"] or "")
        rel = found.get("rel") or ""
        if tag == "link" and ("stylesheet" in rel or "icon" in rel):
            self.urls.append(found.get("href") or "")
        if tag == "img" and found.get("src"):
            self.urls.append(found["src"] or "")


def test_page_structure(client: TestClient, engine) -> None:
    outage_id = new_outage(engine, description="Kluuvi", cause="Pipe burst")
    page = client.get("/", headers={"Accept-Language": "fi"})
    assert page.status_code == 200
    html = page.text
    for element_id in STABLE_IDS:
        assert f'id="{element_id}"' in html, element_id
    assert '<html lang="fi">' in html
    assert 'role="search"' in html and 'role="combobox"' in html and 'role="listbox"' in html
    assert f'<tr data-outage-id="{outage_id}"' in html
    assert "Kluuvi" in html and "Pipe burst" in html
    assert "Katkoja: 1" in html
    assert re.search(r'<th scope="col">', html)
    assert "klo" in html  # times in Finnish local format


@pytest.mark.parametrize(
    ("lang", "title"), [("fi", "Käyttökatkot"), ("sv", "Avbrott"), ("en", "Outages")]
)
def test_language_switch(client: TestClient, lang: str, title: str) -> None:
    html = client.get("/", params={"lang": lang}).text
    assert f'<html lang="{lang}">' in html
    assert f'<h1 id="page-title">{title}</h1>' in html
    assert re.search(rf'data-lang="{lang}"\s+aria-current="true"', html)
    config = page_config(html)
    assert config["language"] == lang and config["strings"]["title"] == title
    assert config["timezone"] == "Europe/Helsinki"


def test_all_assets_come_from_this_server(client: TestClient) -> None:
    parser = Assets()
    parser.feed(client.get("/").text)
    assert parser.urls, "the page loads scripts and styles"
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"external asset {url}"
        assert client.get(f"/{url}").status_code == 200, url
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/marker-icon.png"):
        assert client.get(f"/static/vendor/leaflet/{name}").status_code == 200
    for name in ("protomaps-leaflet.js", "LICENSE", "VERSION"):
        assert client.get(f"/static/vendor/protomaps-leaflet/{name}").status_code == 200
    for name in ("map.js", "search.js"):
        script = client.get(f"/static/{name}").text
        assert "http://" not in script and "https://" not in script


def test_no_tiles_unless_configured(client: TestClient, tmp_path: Path, engine) -> None:
    config = page_config(client.get("/").text)
    assert config["tileUrl"] is None and config["basemapUrl"] is None
    tiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    app = create_app(Settings(data_dir=tmp_path / "b", map={"tile_url": tiles}), engine)
    with TestClient(app) as other:
        assert tiles in other.get("/").text


@pytest.mark.parametrize(
    "path",
    [
        "/oapi?f=html",
        "/oapi/collections?f=html",
        "/oapi/collections/outages?f=html",
        "/oapi/collections/outages/items?f=html",
        "/oapi/collections/outages/items/1?f=html",
        "/oapi/openapi?f=html",
        "/api/v1/docs",
    ],
)
def test_other_html_pages_load_nothing_from_elsewhere(client: TestClient, engine, path) -> None:
    new_outage(engine)
    page = client.get(path)
    assert page.status_code == 200
    parser = Assets()
    parser.feed(page.text)
    assert parser.urls
    for url in parser.urls:
        local = url.removeprefix("http://testserver")
        assert local.startswith("/"), f"{path} loads {url}"
        assert client.get(local).status_code == 200, url


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_service_colours_are_told_apart(client: TestClient) -> None:
    """Each service's colour stands out from white (3:1, WCAG's non-text contrast) and
    from the other services' by at least 2:1, so lightness alone tells them apart."""
    css = client.get("/static/map.css").text
    colours = {s: re.search(rf"--{s}: (#[0-9a-f]{{6}});", css).group(1)
               for s in ("water", "district_heating", "electricity")}
    for service, colour in colours.items():
        assert _contrast(colour, "#ffffff") >= 3.0, service
    names = sorted(colours)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert _contrast(colours[a], colours[b]) >= 2.0, (a, b)


def test_basemap_is_served_with_range_requests(tmp_path: Path, engine) -> None:
    basemap = tmp_path / "city.pmtiles"
    basemap.write_bytes(bytes(range(256)) * 40)
    settings = Settings(data_dir=tmp_path / "d", map={"basemap": str(basemap)})
    with TestClient(create_app(settings, engine)) as client:
        config = page_config(client.get("/").text)
        assert config["basemapUrl"] == "basemap.pmtiles" and config["tileUrl"] is None
        assert "vendor/protomaps-leaflet/protomaps-leaflet.js" in client.get("/").text
        part = client.get("/basemap.pmtiles", headers={"Range": "bytes=16-31"})
        assert part.status_code == 206
        assert part.content == bytes(range(16, 32))
        assert part.headers["content-range"] == f"bytes 16-31/{256 * 40}"
        assert part.headers["accept-ranges"] == "bytes" and part.headers["etag"]
        assert client.get("/basemap.pmtiles").content == basemap.read_bytes()
        # A utility's own tile layer replaces it.
        tiles = "https://tiles.example.fi/{z}/{x}/{y}.png"
    other = Settings(data_dir=tmp_path / "e", map={"basemap": str(basemap), "tile_url": tiles})
    with TestClient(create_app(other, engine)) as client:
        config = page_config(client.get("/").text)
        assert config["tileUrl"] == tiles and config["basemapUrl"] is None
    assert TestClient(create_app(Settings(data_dir=tmp_path / "f"), engine)).get(
        "/basemap.pmtiles"
    ).status_code == 404


def test_summary_hint_and_signposts(client: TestClient, engine) -> None:
    from datetime import timedelta

    new_outage(engine, addresses=("A1", "A2"))  # 20 customers, now
    new_outage(engine, service="electricity", addresses=("A3",))  # 10, now
    new_outage(engine, kind="planned", starts_in=timedelta(days=3), addresses=("A5",))
    html = client.get("/", params={"lang": "en"}).text
    assert "Outages now: 2. Customers without supply: 30." in html
    assert "Planned works coming up: 1." in html
    assert re.search(r'data-service="water">.*Water: <span class="n">20</span>', html)
    # The hint names an address that is in the register, in the page's language.
    assert "e.g. Hämeentie 12" in html  # the busiest street's first number
    assert 'href="portal/?lang=en"' in html
    assert "We never ask for payment" in html and "must be registered" in html
    assert "approximate" in html


def test_lithuanian_page(client: TestClient, engine) -> None:
    new_outage(engine, cause="leak")
    html = client.get("/", params={"lang": "lt"}).text
    assert '<html lang="lt">' in html and "Tiekimo sutrikimai" in html
    assert ">nuotėkis<" in html  # the cause code in the Lithuanian messages' words
    assert page_config(html)["strings"]["title"] == "Tiekimo sutrikimai"


def test_link_to_an_outage_that_left_the_map(tmp_path: Path, engine) -> None:
    from gis_outage.storage.outages import change_status
    from tests.map_server.data import ENGINEER

    settings = Settings(data_dir=tmp_path / "g", map={"state_ttl_seconds": 0,
                                                      "ended_visible_hours": 0})
    with TestClient(create_app(settings, engine)) as client:
        resolved = new_outage(engine)
        change_status(engine, resolved, "resolved", ENGINEER)
        cancelled = new_outage(engine)
        change_status(engine, cancelled, "cancelled", ENGINEER)
        ongoing = new_outage(engine)
        html = client.get("/", params={"outage": resolved, "lang": "en"}).text
        assert "The outage in the link is over:" in html
        assert page_config(html)["focus"] == resolved
        html = client.get("/", params={"outage": cancelled, "lang": "en"}).text
        assert "The outage in the link was cancelled." in html
        unknown = client.get("/", params={"outage": 99999, "lang": "en"}).text
        assert "The outage in the link is no longer on the map" in unknown
        html = client.get("/", params={"outage": ongoing}).text
        assert 'id="link-notice"' not in html and page_config(html)["focus"] == ongoing
        assert page_config(client.get("/", params={"outage": "x1"}).text)["focus"] is None
