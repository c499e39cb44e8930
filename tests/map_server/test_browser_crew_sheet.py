"""The crew sheet in headless Chromium on a real uvicorn server: an engineer logs in with
the console's token and sees the devices in walking order, the map, the critical
customers and the message; hostile text stays text; nothing breaks the strict CSP, no
console error, no request leaves loopback, axe-core finds nothing serious; without an
engineer's token the page shows no outage data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from gis_outage.services import outages
from gis_outage.services.outages import Selection
from gis_outage.storage.users import create_token
from tests.map_server import live
from tests.processes import ROOT

from .crew_data import HOSTILE_CAUSE, HOSTILE_ID, ORDER, add_crew_network
from .test_browser import browser, load, open_page  # noqa: F401

AXE = (ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text()
CSP_WATCH = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@dataclass
class Sheet:
    url: str
    engineer: str
    viewer: str


@pytest.fixture(scope="module")
def sheet_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sheet]:
    tmp = tmp_path_factory.mktemp("crew")
    users = {"Crew Engineer": "engineer", "Crew Viewer": "viewer"}
    with live.console_site(tmp, users) as (url, engine, app):
        add_crew_network(engine)
        outage = outages.draft(
            app.state.ctx,
            service="water",
            kind="unplanned",
            starts_at=datetime.now(UTC),
            cause=HOSTILE_CAUSE,
            texts={"en": HOSTILE_CAUSE},
            selection=Selection(break_links=("L2",)),
            actor="Crew Engineer",
        )
        yield Sheet(
            f"{url}/console/outages/{outage.id}/crew-sheet?lang=en",
            create_token(engine, "Crew Engineer"),
            create_token(engine, "Crew Viewer"),
        )


def no_serious_axe_violation(page) -> None:
    page.evaluate(AXE)
    found = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    assert not [v for v in found if v["impact"] in ("serious", "critical")], found


def test_an_engineer_sees_the_sheet_in_walking_order(browser, sheet_site: Sheet) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 1280, "height": 900})
    page.context.add_init_script(CSP_WATCH)
    try:
        load(page, sheet_site.url)
        assert page.is_visible("#login") and not page.is_visible("#sheet")
        page.fill("#token", sheet_site.engineer)
        page.click("#login-button")
        page.wait_for_selector("#sheet-device-rows tr")
        page.wait_for_load_state("networkidle")

        rows = page.eval_on_selector_all(
            "#sheet-device-rows tr", "rows => rows.map(r => r.dataset.device)"
        )
        assert rows == ORDER
        numbers = page.eval_on_selector_all(
            "#sheet-device-rows tr td:first-child", "cells => cells.map(c => c.textContent)"
        )
        assert numbers == ["1", "2", "3", "4"]
        # Hostile text is shown as text and never runs.
        assert page.locator("#sheet-device-rows tr").nth(1).locator("th").inner_text() == HOSTILE_ID
        assert HOSTILE_CAUSE in page.locator("#sheet-outage").inner_text()
        assert HOSTILE_CAUSE in page.locator("#sheet-message").inner_text()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#sheet-outage script, #sheet-device-rows img").count() == 0
        # The map: four numbered devices and the work area's links.
        assert page.locator("#sheet-map .sheet-marker").count() == 4
        assert page.locator("#sheet-map path.leaflet-interactive").count() >= 4
        categories = page.eval_on_selector_all(
            "#sheet-critical-rows th", "cells => cells.map(c => c.textContent)"
        )
        assert categories == ["home dialysis", "care home"]

        assert page.evaluate("window.__csp") == []
        no_serious_axe_violation(page)
        page.emulate_media(media="print")
        assert not page.is_visible("#print") and page.is_visible("#sheet-map")
        watch.assert_clean()
    finally:
        page.context.close()


def test_without_an_engineers_token_the_sheet_shows_nothing(browser, sheet_site: Sheet) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 390, "height": 844})
    page.context.add_init_script(CSP_WATCH)
    try:
        load(page, sheet_site.url)
        no_serious_axe_violation(page)
        page.fill("#token", sheet_site.viewer)
        page.click("#login-button")
        page.wait_for_selector("#console-status.error")
        assert "engineer" in page.inner_text("#console-status")
        assert not page.is_visible("#sheet")
        assert "burst" not in page.content() and "Itäkatu" not in page.content()
        assert page.evaluate("window.__csp") == []
        # The API's refusal is the only thing that went wrong.
        assert [p for p in watch.problems if "403" not in p] == []
    finally:
        page.context.close()


def test_the_console_links_each_outage_to_its_sheet(browser, sheet_site: Sheet) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 1280, "height": 900})
    page.context.add_init_script(CSP_WATCH)
    try:
        console = sheet_site.url.split("/console/")[0] + "/console/?lang=en"
        page.goto(console, wait_until="load")
        page.fill("#token", sheet_site.engineer)
        page.click("#login-button")
        page.click("a.crew-sheet-link")  # the same tab keeps the console's token
        page.wait_for_selector("#sheet-device-rows tr")
        assert page.url.split("?")[0] == sheet_site.url.split("?")[0]
        assert page.locator("#sheet-device-rows tr").count() == 4
        assert page.evaluate("window.__csp") == []
        page.wait_for_load_state("networkidle")
        watch.assert_clean()
    finally:
        page.context.close()
