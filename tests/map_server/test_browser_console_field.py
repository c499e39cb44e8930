"""The console's field page in headless Chromium on a real uvicorn server: an engineer
previews a stuck device and cancels (nothing stored), previews the back-feed that restores
the hospital and confirms it, then restores everything; the difference is shown before
each Confirm. Hostile ids stay text, the strict CSP holds, no request leaves loopback,
axe-core finds nothing serious; a viewer sees no outage data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from gis_outage.services import outages
from gis_outage.services.outages import Selection
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import get_outage, outage_events_for
from gis_outage.storage.users import create_token
from tests.gis_outage.networks import two_ties
from tests.map_server import live

from .crew_data import HOSTILE_CAUSE, HOSTILE_ID, X0, Y0
from .test_browser import browser, load, open_page  # noqa: F401
from .test_browser_crew_sheet import CSP_WATCH, no_serious_axe_violation

SCREENSHOTS = os.environ.get("GIS_OUTAGE_SCREENSHOT_DIR")


def field_network() -> dict:
    """two_ties near Helsinki, the tie T4 named with hostile HTML."""
    out = {}
    for name, frame in two_ties().items():
        out[name] = frame.set_geometry(frame.translate(X0, Y0))
    devices = out["devices"]
    devices.loc[devices["id"] == "T4", "id"] = HOSTILE_ID
    return out


def register_addresses() -> gpd.GeoDataFrame:
    """A3 and A4 in the address register, A3's street named with hostile HTML."""
    return gpd.GeoDataFrame(
        {"id": ["A3", "A4"], "street": [HOSTILE_CAUSE, "Mannerheimintie"],
         "house_number": ["3", "4 B"], "postal_code": ["00100", "00250"]},
        geometry=[Point(24.94, 60.17), Point(24.92, 60.19)], crs="EPSG:4326")


@dataclass
class FieldSite:
    url: str
    db: Engine
    outage_id: int
    engineer: str
    viewer: str
    ctx: object


@pytest.fixture(scope="module")
def field_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FieldSite]:
    tmp = tmp_path_factory.mktemp("field")
    users = {"Field Engineer": "engineer", "Field Viewer": "viewer"}
    with live.console_site(tmp, users) as (url, engine, app):
        save_network(engine, "water", field_network(), source_name="ties.gpkg")
        upsert_addresses(engine, register_addresses())
        ctx = app.state.ctx
        draft = outages.draft(ctx, service="water", kind="unplanned",
                              starts_at=datetime.now(UTC) - timedelta(minutes=5),
                              texts={"en": "Water outage"},
                              selection=Selection(break_links=("L2",)), actor="Field Engineer")
        outages.publish(ctx, draft.id, "Field Engineer")
        yield FieldSite(f"{url}/console/outages/{draft.id}?lang=en", engine, draft.id,
                        create_token(engine, "Field Engineer"),
                        create_token(engine, "Field Viewer"), ctx)


def _difference(page) -> str:
    page.wait_for_selector("#difference:not([hidden]) #diff-customers")
    return page.inner_text("#difference")


def test_preview_cancel_and_confirm_in_the_browser(browser, field_site: FieldSite) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 1280, "height": 900})
    page.context.add_init_script(CSP_WATCH)
    oid = field_site.outage_id
    try:
        load(page, field_site.url)
        assert page.is_visible("#login") and not page.is_visible("#field")
        no_serious_axe_violation(page)
        page.fill("#token", field_site.engineer)
        page.click("#login-button")
        page.wait_for_selector("#backfeed-rows tr[data-device]")
        # The hospital's back-feed first, though the other restores more customers.
        rows = page.eval_on_selector_all("#backfeed-rows tr", "rs => rs.map(r => r.dataset.device)")
        assert rows == ["T3", HOSTILE_ID]
        assert "hospital (SP3)" in page.inner_text("#backfeed-rows tr[data-device=T3]")
        assert page.locator("#backfeed-rows th").nth(1).inner_text() == HOSTILE_ID
        assert "V1, V3, V4" in page.inner_text("#field-outage")

        # A stuck device: the difference, then Cancel stores nothing.
        page.fill("#stuck-devices", "V3")
        page.click("#stuck-preview")
        shown = _difference(page)
        assert "removed (1): V3" in shown and "Customers: 6 → 6" in shown
        no_serious_axe_violation(page)
        page.click("#cancel-change")
        assert page.is_hidden("#difference")
        assert page.inner_text("#console-status") == "Nothing was changed."
        assert get_outage(field_site.db, oid).affected["devices_to_operate"] == [
            "V1", "V3", "V4"]

        # The back-feed through T3: the hospital is supplied again; Confirm stores it.
        page.click("#backfeed-rows tr[data-device=T3] button")
        shown = _difference(page)
        # Addresses read as the register writes them, the hostile street as text.
        assert f"get the all-clear (1): {HOSTILE_CAUSE} 3, 00100 (A3)" in shown
        assert "hospital (SP3)" in page.inner_text("#diff-critical li[data-part=removed]")
        page.click("#confirm-change")
        page.wait_for_selector("#console-status:has-text('Stored')")
        page.wait_for_selector("#field-outage dd:has-text('T3')")
        stored = get_outage(field_site.db, oid)
        assert stored.affected["backfeed_devices"] == ["T3"]
        assert [e.kind for e in outage_events_for(field_site.db, oid)] == [
            "published", "restored"]

        # Staged restoration: everything; the outage resolves.
        page.check("#restore-all")
        page.click("#restore-preview")
        assert "get the all-clear (1): Mannerheimintie 4 B, 00250 (A4)" in _difference(page)
        page.click("#confirm-change")
        page.wait_for_selector("body[data-status=resolved]")
        assert "The outage is over" in page.inner_text("#console-status")
        assert get_outage(field_site.db, oid).status == "resolved"
        assert page.is_disabled("#stuck-preview")

        assert page.evaluate("window.__pwned") is None
        assert page.locator("#field img, #field script").count() == 0
        assert page.evaluate("window.__csp") == []
        page.wait_for_load_state("networkidle")
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_viewer_sees_no_outage_data(browser, field_site: FieldSite) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 390, "height": 844})
    page.context.add_init_script(CSP_WATCH)
    try:
        load(page, field_site.url)
        page.fill("#token", field_site.viewer)
        page.click("#login-button")
        page.wait_for_selector("#console-status.error")
        assert "engineer" in page.inner_text("#console-status")
        assert not page.is_visible("#field")
        visible = page.inner_text("body")
        assert "SP3" not in page.content() and "V3" not in visible and "T3" not in visible
        assert page.evaluate("window.__csp") == []
        watch.assert_clean()
    finally:
        page.context.close()


def test_the_console_links_each_outage_to_its_field_page(browser, field_site: FieldSite) -> None:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 1280, "height": 900})
    page.context.add_init_script(CSP_WATCH)
    oid = outages.draft(field_site.ctx, service="water", kind="unplanned",
                        starts_at=datetime.now(UTC), selection=Selection(break_links=("L1",)),
                        actor="Field Engineer").id
    try:
        site = field_site.url.split("/console/")[0]
        page.goto(f"{site}/console/?lang=en", wait_until="load")
        page.fill("#token", field_site.engineer)
        page.click("#login-button")
        page.click(f"#console-rows tr[data-outage-id='{oid}'] a.field-link")
        page.wait_for_selector("#field-outage dd")  # the same tab keeps the console's token
        assert page.url.split("?")[0] == f"{site}/console/outages/{oid}"
        assert page.evaluate("window.__csp") == []
        page.wait_for_load_state("networkidle")
        watch.assert_clean()
    finally:
        page.context.close()


def test_on_a_phone_the_page_needs_no_sideways_scrolling(browser, field_site: FieldSite) -> None:  # noqa: F811
    oid = outages.draft(field_site.ctx, service="water", kind="unplanned",
                        starts_at=datetime.now(UTC), selection=Selection(break_links=("L1",)),
                        actor="Field Engineer").id
    page, watch = open_page(browser, viewport={"width": 390, "height": 844})
    page.context.add_init_script(CSP_WATCH)
    try:
        load(page, field_site.url.replace(f"/outages/{field_site.outage_id}", f"/outages/{oid}"))
        page.fill("#token", field_site.engineer)
        page.click("#login-button")
        page.wait_for_selector("#backfeed-rows tr[data-device]")
        page.click("#backfeed-rows tr[data-device] button")
        _difference(page)
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/console-field-phone.png", full_page=True)
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        no_serious_axe_violation(page)
        page.click("#cancel-change")
        assert page.evaluate("window.__csp") == []
        watch.assert_clean()
    finally:
        page.context.close()
