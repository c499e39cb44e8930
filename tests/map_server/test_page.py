"""The public map page as served: structure, languages, list, assets from this server."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_outage.config import Settings
from map_server.app import create_app
from tests.map_server.data import new_outage

STABLE_IDS = [
    "map", "legend", "last-updated", "status-message", "outage-list", "outage-table",
    "outage-rows", "outage-count", "no-outages", "address-search", "address-input",
    "address-suggestions", "weeks-select", "address-submit", "address-result",
    "language-switch", "map-config",
]  # fmt: skip


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
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html, re.S).group(1))
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
    script = client.get("/static/map.js").text
    assert "http://" not in script and "https://" not in script


def test_no_tiles_unless_configured(client: TestClient, tmp_path: Path, engine) -> None:
    config = json.loads(
        re.search(r'id="map-config"[^>]*>(.*?)</script>', client.get("/").text, re.S).group(1)
    )
    assert config["tileUrl"] is None
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
