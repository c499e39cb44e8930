"""pygeoapi's HTML pages when the site is served on another origin than `public_url`
names (the demo on another port, a proxy's host name not yet set): the pages load
their scripts, styles and images from the origin that served them, so the strict CSP
('self') lets them run. Headless Chromium against the app under uvicorn; the watch
fails on any CSP violation, failed request or console error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app
from tests.map_server.data import add_addresses, new_outage

from .live import serving

expect = pytest.importorskip("playwright.sync_api").expect
# Its browser and its page with the CSP watcher (skips without Chromium).
injection = pytest.importorskip("tests.map_server.test_browser_injection")
browser_test_browser, page = injection.browser_test_browser, injection.page


def unused_port() -> int:
    """A port nothing listens on: `public_url` names it, the server is elsewhere."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp: Path = tmp_path_factory.mktemp("origin")
    engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    new_outage(engine, cause="Putkirikko", description="Kluuvi")
    elsewhere = f"http://127.0.0.1:{unused_port()}"
    with serving(
        lambda _url: create_app(Settings(data_dir=tmp, public_url=elsewhere), engine)
    ) as url:
        yield url, elsewhere
    engine.dispose()


PAGES = ["/oapi/collections/outages/items?f=html", "/oapi/collections/outages?f=html",
         "/oapi?f=html", "/oapi/openapi?f=html"]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_oapi_pages_run_their_scripts_when_served_on_another_origin(
    page, site: tuple[str, str], path: str
) -> None:
    url, elsewhere = site
    response = page.goto(url + path, wait_until="load")
    assert response is not None and response.status == 200
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert elsewhere in response.text()  # pygeoapi's links still name the public URL...
    page.wait_for_load_state("networkidle")
    # ...but its assets came from here: the scripts ran (the map is drawn), no violation.
    if "items" in path:
        expect(page.locator("#items-map.leaflet-container")).to_be_visible()
        expect(page.locator("#items-map .leaflet-interactive")).to_have_count(1)
    elif path.startswith("/oapi/collections/"):
        expect(page.locator("#collection-map path.leaflet-interactive")).to_have_count(1)
    elif path.startswith("/oapi/openapi"):
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")
    page.watch.assert_clean()
