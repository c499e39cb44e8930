"""Hostile text in headless Chromium: an engineer-written cause and description and an
imported street name carrying script, published, then every public page that shows
them opened under the headers the site sends (no CSP is added by the test).

Each payload, if it ever ran, would set `window.__pwned`; if the text became markup
but the CSP stopped it, the browser would report a CSP violation (`window.__csp`) or
fetch `x` (a 404 the watch records). So each page must show the text as text, with the
flag unset, no violation, no console error and no failed request, and still work:
maps drawn, pop-ups opened, Swagger UI rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import httpx
import pytest
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app
from tests.map_server.data import add_addresses, new_outage

from .live import serving

browser_test = pytest.importorskip("tests.map_server.test_browser")  # skips without Chromium
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CAUSE = "</script><script>window.__pwned = 'cause'</script>Putkirikko"
DESCRIPTION = "\"'><img src=x onerror=\"window.__pwned = 'description'\">Kluuvi"
STREET = "Skriptikatu<img src=x onerror=\"window.__pwned = 'street'\">"
TEXT_SV = "<svg onload=\"window.__pwned = 'sv'\"></svg>Rörbrott"
# pygeoapi's item page made a value ending in an image extension an <img> of that path.
PICTURE = "/portal/logout?x=.png"
WATCHER = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@dataclass
class Hostile:
    url: str
    outage: int
    picture: int


def add_hostile_street(engine: Engine) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["X1"], "street": [STREET], "house_number": ["1"], "postal_code": ["00100"],
         "municipality": ["Helsinki"], "street_sv": [STREET]},
        geometry=[Point(24.9405, 60.1688)], crs="EPSG:4326",
    )  # fmt: skip
    upsert_addresses(engine, frame)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    tmp: Path = tmp_path_factory.mktemp("hostile")
    engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    add_hostile_street(engine)
    outage = new_outage(
        engine, addresses=("A1", "X1"), cause=CAUSE, description=DESCRIPTION,
        texts={"fi": CAUSE, "sv": TEXT_SV},
    )  # fmt: skip
    picture = new_outage(engine, addresses=("A1",), cause=PICTURE, description=PICTURE,
                         where=(25.6, 60.6))
    with serving(lambda url: create_app(Settings(data_dir=tmp, public_url=url), engine)) as url:
        yield Hostile(url, outage, picture)
    engine.dispose()


@pytest.fixture
def page(browser_test_browser) -> Iterator:
    context = browser_test_browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    context.set_default_timeout(browser_test.TIMEOUT_MS)
    context.add_init_script(WATCHER)
    page = context.new_page()
    page.watch = browser_test.Watch()
    page.watch.attach(page)
    yield page
    context.close()


@pytest.fixture(scope="module")
def browser_test_browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_test.CHROMIUM, args=browser_test.CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def visit(page, url: str) -> None:
    """Open `url`; the document must carry the site's strict CSP."""
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp, csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    page.wait_for_load_state("networkidle")


def nothing_ran(page, what: str) -> None:
    assert page.evaluate("window.__pwned") is None, f"{what}: injected script ran"
    assert page.evaluate("window.__csp") == [], f"{what}: {page.evaluate('window.__csp')}"
    assert page.locator("img[src=x], svg[onload]").count() == 0, f"{what}: markup injected"
    page.watch.assert_clean()


def test_oapi_items_page(page, hostile: Hostile) -> None:
    visit(page, f"{hostile.url}/oapi/collections/outages/items?f=html")
    expect(page.locator("#items-map.leaflet-container")).to_be_visible()
    expect(page.locator("table")).to_contain_text(CAUSE[:30])
    marker = page.locator("#items-map .leaflet-interactive").first
    marker.click()
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text(DESCRIPTION)  # shown as the text it is
    assert link.get_attribute("href").endswith(f"/items/{hostile.outage}?f=html")
    # The page-size choice (its script moved to a file) still works.
    page.select_option("#limits", "1000")
    page.wait_for_url("**limit=1000")
    expect(page.locator("#limits")).to_have_value("1000")
    nothing_ran(page, "items")


def test_oapi_item_and_collection_pages(page, hostile: Hostile) -> None:
    visit(page, f"{hostile.url}/oapi/collections/outages/items/{hostile.outage}?f=html")
    expect(page.locator("#items-map path.leaflet-interactive")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(DESCRIPTION)
    expect(page.locator("table")).to_contain_text(CAUSE)
    # The page's JSON-LD, fetched by oapi.js, is a data block that never runs.
    expect(page.locator("head script[type='application/ld+json']")).to_have_count(1)
    nothing_ran(page, "item")
    for path in ("", "/collections", "/collections/outages", "/conformance",
                 "/collections/outages/queryables", "/TileMatrixSets"):  # fmt: skip
        visit(page, f"{hostile.url}/oapi{path}?f=html")
        nothing_ran(page, path or "landing page")
    expect(page.locator("#collection-map")).to_have_count(0)  # TileMatrixSets has none
    visit(page, f"{hostile.url}/oapi/collections/outages?f=html")
    expect(page.locator("#collection-map path.leaflet-interactive")).to_have_count(1)


def test_an_item_value_ending_in_png_is_text_not_an_image(page, hostile: Hostile) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    visit(page, f"{hostile.url}/oapi/collections/outages/items/{hostile.picture}?f=html")
    expect(page.locator("table")).to_contain_text(PICTURE)
    expect(page.locator("table img, img[src*=logout]")).to_have_count(0)
    assert not [u for u in requested if "logout" in u], requested
    nothing_ran(page, "item with a picture path")


@pytest.mark.parametrize("path", ["/api/v1/docs", "/oapi/openapi?f=html"])
def test_swagger_ui_under_the_csp(page, hostile: Hostile, path: str) -> None:
    visit(page, hostile.url + path)
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    nothing_ran(page, path)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_public_map_and_address_pin(page, hostile: Hostile, lang: str) -> None:
    visit(page, f"{hostile.url}/?lang={lang}&outage={hostile.outage}")
    page.wait_for_selector(f"body[data-focused='{hostile.outage}']")
    popup = page.locator(f".outage-popup[data-outage-id='{hostile.outage}']")
    expect(popup).to_contain_text(DESCRIPTION)
    expect(popup).to_contain_text({"fi": CAUSE, "sv": TEXT_SV}[lang])
    # The imported street name: suggested, answered and pinned as text.
    page.fill("#address-input", "Skriptikatu")
    option = page.locator("#address-suggestions li[role=option][data-address-id='X1']")
    expect(option).to_contain_text(STREET)
    option.click()
    page.click("#address-submit")
    expect(page.locator("#address-result-text")).to_contain_text(STREET)
    expect(page.locator(".address-pin-label")).to_contain_text(STREET)
    nothing_ran(page, f"map {lang}")


def test_feeds_keep_the_text_and_run_nothing(page, hostile: Hostile) -> None:
    atom = httpx.get(f"{hostile.url}/feeds/outages.atom")
    cap = httpx.get(f"{hostile.url}/feeds/cap/{hostile.outage}.xml")
    for feed in (atom, cap):
        assert "<script" not in feed.text and "<img" not in feed.text, feed.url
        texts = "".join(ElementTree.fromstring(feed.content).itertext())
        assert CAUSE in texts and DESCRIPTION in texts, feed.url  # intact, as text
    # Chromium shows Atom as an XML tree: nothing in it runs.
    visit(page, f"{hostile.url}/feeds/outages.atom")
    expect(page.locator("body")).to_contain_text("Putkirikko")
    # Chromium asks for /favicon.ico beside a document that names no icon.
    page.watch.problems[:] = [p for p in page.watch.problems if "/favicon.ico" not in p]
    nothing_ran(page, "atom")
    # CAP (application/cap+xml, nosniff) is not rendered at all: it is downloaded.
    with page.expect_download() as download:
        page.evaluate(f"location.href = '/feeds/cap/{hostile.outage}.xml'")
    assert download.value.suggested_filename.endswith(".xml")


@pytest.mark.parametrize("path", ["/portal/", "/console/"])
def test_portal_and_console_send_the_policy(page, hostile: Hostile, path: str) -> None:
    visit(page, hostile.url + path)
    nothing_ran(page, path)
