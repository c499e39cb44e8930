"""What residents and communications staff meet, in headless Chromium against the real
demo (`gis-outage demo`: the Helsinki city, its own base map, the embedded worker).

Every page is loaded on a phone (390×844) and a laptop (1366×900) in Finnish, Swedish
and English, under the strict Content-Security-Policy the site sends (no inline script
or style, only our origin), with axe-core (tests/vendor/axe-core, from npm) checking it:
no serious or critical violation. Chromium's proxy does not exist, so a request for
another origin fails, and every request is recorded: one to another host fails the test.

The README's screenshots come from here: set GIS_OUTAGE_SCREENSHOT_DIR=docs/screenshots.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from map_server.console.texts import TEXTS as CONSOLE
from map_server.i18n import STRINGS
from map_server.portal.i18n import PORTAL
from tests.notifier.conftest import free_port
from tests.processes import ROOT, Process, child_env, tail, wait_for

browser_test = pytest.importorskip("tests.map_server.test_browser")  # skips without Chromium
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

AXE = (ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text()
# What every HTML response of the site carries: only our origin, nothing inline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"laptop": LAPTOP, "phone": PHONE}
LANGS = ("en", "fi", "sv")
SCREENSHOTS = os.environ.get("GIS_OUTAGE_SCREENSHOT_DIR")


@dataclass
class Demo:
    url: str
    data_dir: Path
    token: str

    def pin_for(self, digits: str) -> str:
        """The last PIN the demo's SMS provider kept for a number ending in `digits`
        (it keeps destinations masked, their last two digits showing)."""
        for line in reversed((self.data_dir / "demo-messages.jsonl").read_text().splitlines()):
            message = json.loads(line)
            if message["kind"] == "portal_pin" and message["to"].endswith(digits[-2:]):
                return re.search(r"\b(\d{4})\b", message["text"]).group(1)
        raise AssertionError(f"no PIN for …{digits[-2:]}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo")
    port = free_port()
    process = Process(
        [sys.executable, "-m", "gis_outage.cli", "demo", "--port", str(port),
         "--data-dir", str(data_dir)],
        child_env(), ROOT, data_dir / "demo.log",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.alive(), tail(data_dir / "demo.log")
        try:
            return httpx.get(url + "/", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 300, "the demo to start", interval=0.5)
        yield Demo(url, data_dir, (data_dir / "engineer-token.txt").read_text().strip())
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_test.CHROMIUM, args=browser_test.CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_page(browser, viewport: dict, lang: str = "fi"):
    context = browser.new_context(
        viewport=viewport, locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang],
        timezone_id="Europe/Helsinki", is_mobile=viewport is PHONE, has_touch=viewport is PHONE,
    )
    context.set_default_timeout(15_000)

    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    watch = browser_test.Watch()
    watch.attach(page)
    # The policy each page (and each redirect to it) came with, as the site sent it.
    watch.policies = []
    page.on("response", lambda r: watch.policies.append(
        (r.url, r.headers.get("content-security-policy"))
    ) if r.request.resource_type == "document" else None)
    return page, watch


def audit(page, watch, what: str) -> None:
    """axe finds nothing serious, nothing breaks the CSP, nothing scrolls sideways."""
    page.evaluate(AXE)
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{what}: {bad}"
    assert page.evaluate("window.__csp") == [], what
    assert watch.policies and all(csp == CSP for _, csp in watch.policies), watch.policies
    width = page.evaluate("window.innerWidth")
    wide = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert wide <= width, f"{what}: {wide} px wide on a {width} px screen"
    # A form sent while the page's style sheets still load cancels them: not a fault.
    watch.problems[:] = [p for p in watch.problems if "net::ERR_ABORTED" not in p]
    watch.assert_clean()


def expected_400(watch, path: str) -> None:
    """A form answered 400 with its error shown, as it should: not a problem."""
    watch.problems[:] = [p for p in watch.problems if not (
        ("HTTP 400" in p or "status of 400" in p) and path in p)]


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=False)


def load_map(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_load_state("networkidle")


# --------------------------------------------------------------------------- the map


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_public_map_with_its_own_basemap(browser, demo: Demo, lang: str, size: str) -> None:
    t = STRINGS[lang]
    page, watch = open_page(browser, VIEWPORTS[size], lang)
    try:
        load_map(page, f"{demo.url}/?lang={lang}")
        if lang == "en" and size == "laptop":
            page.locator("#map").scroll_into_view_if_needed()
            shoot(page, "map.png")
        # The base map: the PMTiles file read in byte ranges from our origin, drawn.
        ranges = [line for line in watch.log if "206 GET" in line and "basemap.pmtiles" in line]
        assert ranges, watch.log
        expect(page.locator(".leaflet-tile-pane canvas").first).to_be_visible()
        colours = page.evaluate(
            """() => { const c = document.querySelector('.leaflet-tile-pane canvas');
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 const seen = new Set(); for (let i = 0; i < d.length; i += 64) seen.add(
                   d[i] + ',' + d[i + 1] + ',' + d[i + 2]); return seen.size; }"""
        )
        assert colours > 3, "the base map canvas is blank"
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == t["zoom_in"]
        # Summary, filters, the portal and the warning against scams.
        expect(page.locator("#summary-now")).to_contain_text(t["summary_now"].split("{")[0])
        expect(page.locator("#portal-link")).to_have_attribute("href", f"portal/?lang={lang}")
        expect(page.locator("#scam-warning")).to_have_text(t["scam_warning"])
        expect(page.locator("#approximate")).to_have_text(t["approximate"])
        drawn = page.locator("path.outage")
        expect(drawn).to_have_count(3)
        page.locator("#filters input[value=water]").check()
        page.locator("#filters input[value=water]").uncheck()
        expect(page.locator("path.service-water")).to_have_count(0)
        expect(page.locator("#outage-rows tr[data-service=water]")).to_have_count(0)
        expect(page.locator("#outage-count")).to_have_text(t["count"].format(n=2))
        page.locator("#filters input[value=water]").check()
        expect(page.locator("path.service-water")).to_have_count(1)
        audit(page, watch, f"map {lang} {size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_sms_link_opens_the_outage(browser, demo: Demo, size: str) -> None:
    page, watch = open_page(browser, VIEWPORTS[size], "sv")
    try:
        load_map(page, f"{demo.url}/?outage=2&lang=sv")
        page.wait_for_selector("body[data-focused='2']")
        expect(page.locator(".leaflet-popup .outage-popup[data-outage-id='2']")).to_be_visible()
        popup = page.locator(".leaflet-popup").bounding_box()
        map_box = page.locator("#map").bounding_box()
        assert popup["y"] >= map_box["y"] - 1, "the pop-up is cut at the top"
        row = page.locator("#outage-rows tr[data-outage-id='2']")
        expect(row).to_have_class(re.compile("highlight"))
        expect(row).to_have_attribute("aria-current", "true")
        # The cause in Swedish (the demo's texts), not the English one.
        expect(row).to_contain_text("Underhåll av fjärrvärmenätet")
        expect(page.locator(".leaflet-popup-close-button")).to_have_attribute(
            "aria-label", STRINGS["sv"]["close"]
        )
        audit(page, watch, f"deep link {size}")
    finally:
        page.context.close()


def test_swedish_street_names_and_the_pin(browser, demo: Demo) -> None:
    page, watch = open_page(browser, LAPTOP, "sv")
    try:
        load_map(page, f"{demo.url}/?lang=sv")
        hint = page.inner_text("#address-hint")
        example = re.search(r"t\.ex\. (.+)$", hint).group(1)
        page.locator("#address-input").press_sequentially(example, delay=20)
        option = page.locator("#address-suggestions li[role=option]").first
        expect(option).to_contain_text(example)
        option.click()
        page.click("#address-submit")
        expect(page.locator("#address-result-text")).to_contain_text(example)
        expect(page.locator(".address-pin")).to_have_count(1)
        expect(page.locator(".address-pin-label")).to_contain_text(example)
        page.fill("#address-input", "")
        page.locator("#address-input").press_sequentially("Mannerheimvägen", delay=20)
        expect(page.locator("#address-suggestions li[role=option]").first).to_contain_text(
            "Mannerheimvägen"
        )
        audit(page, watch, "Swedish search")
    finally:
        page.context.close()


# --------------------------------------------------------------------------- the portal

NUMBERS = {"fi": "040 765 4321", "sv": "040 765 4322", "en": "040 765 4323"}


@pytest.mark.parametrize("lang", LANGS)
def test_portal_on_a_phone(browser, demo: Demo, lang: str) -> None:
    t = {**STRINGS[lang], **PORTAL[lang]}
    page, watch = open_page(browser, PHONE, lang)
    try:
        page.goto(f"{demo.url}/portal/?lang={lang}")
        expect(page.locator("#who")).to_contain_text(t["portal_who"])
        expect(page.locator("#scam-warning")).to_have_text(t["scam_warning"])
        audit(page, watch, f"portal start {lang}")
        page.fill("#name", "Testi Asukas")
        page.fill("#phone", NUMBERS[lang])
        page.click("#send-code")
        page.wait_for_url(re.compile("/portal/pin"))
        page.fill("#pin", "12")
        page.click("#confirm-pin")
        expect(page.locator("#pin-error")).to_have_text(t["pin_format"])
        expected_400(watch, "/portal/pin")
        audit(page, watch, f"portal pin {lang}")
        page.fill("#pin", demo.pin_for(NUMBERS[lang].replace(" ", "")))
        page.click("#confirm-pin")
        page.wait_for_url(re.compile("/portal/me"))
        page.click("#add-address")
        page.fill("#postal_code", "00100")
        page.fill("#street", "Mannerheimintie")
        page.fill("#house_number", "999")
        page.check("input[name=services][value=water]")
        page.click("#save-address")
        expect(page.locator("#address-error")).to_have_attribute("data-reason", "number_unknown")
        expected_400(watch, "/portal/me/addresses")
        audit(page, watch, f"portal address {lang}")
        page.fill("#house_number", page.locator("#address-alternatives li").first.inner_text()
                  .rsplit(" ", 1)[1])
        page.click("#save-address")
        page.wait_for_url(re.compile("/portal/me"))
        # Every subscription's fields and its change/remove links fit on the screen.
        for link in page.locator("td.actions a, td.actions button").all():
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        audit(page, watch, f"portal me {lang}")
        if lang == "fi":
            shoot(page, "portal-phone.png")
        page.locator("td.actions button.link").first.click()
        expect(page.locator("#delete-what")).to_be_visible()
        audit(page, watch, f"portal delete {lang}")
        page.click("#cancel-delete")
        page.goto(f"{demo.url}/portal/privacy?lang={lang}")
        expect(page.locator("#privacy-complaint")).to_contain_text("tietosuoja.fi")
        audit(page, watch, f"portal privacy {lang}")
    finally:
        page.context.close()


# --------------------------------------------------------------------------- the console


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_console(browser, demo: Demo, lang: str, size: str) -> None:
    c = {**STRINGS[lang], **CONSOLE[lang]}
    page, watch = open_page(browser, VIEWPORTS[size], lang)
    try:
        page.goto(f"{demo.url}/console/?lang={lang}")
        page.wait_for_selector("body[data-loaded=true]")
        audit(page, watch, f"console login {lang} {size}")
        page.fill("#token", "not-a-token")
        page.click("#login-button")
        expect(page.locator("#console-status")).to_have_text(c["bad_token"])
        watch.problems.clear()  # the 401 was the point
        page.fill("#token", demo.token)
        page.click("#login-button")
        expect(page.locator("#console-rows tr").first).to_be_visible()
        # Draft by picking a street, preview the SMS per language, publish.
        page.fill("#starts_at", "2030-06-10T08:00")
        page.fill("#street-input", "Annankatu")
        page.click("#add-street")
        expect(page.locator("#picked li[data-kind=streets]")).to_have_count(1)
        page.fill("#text-fi", "Putkirikko")
        page.click("#save-draft")
        expect(page.locator("#preview-body figure.sms")).to_have_count(3)
        expect(page.locator("#preview-body figure.sms[data-lang=fi]")).to_contain_text(
            "Putkirikko"
        )
        draft = page.locator("#console-rows tr[data-status=draft]").first
        draft_id = draft.get_attribute("data-outage-id")
        draft.locator("button[data-action=publish]").click()
        expect(page.locator("#console-status")).to_contain_text(c["publish"])
        row = page.locator(f"#console-rows tr[data-outage-id='{draft_id}']")
        expect(row).to_have_attribute("data-status", "published")
        audit(page, watch, f"console {lang} {size}")
        if lang == "en" and size == "laptop":
            shoot(page, "console.png")
        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("button[data-action=resolve]").click()
        expect(row).to_have_attribute("data-status", "resolved")
        # Over, it stays on the public map marked restored.
        feed = httpx.get(f"{demo.url}/feeds/outages.geojson").json()["features"]
        assert {f["id"]: f["properties"]["status"] for f in feed}[int(draft_id)] == "resolved"
    finally:
        page.context.close()


def test_demo_messages_page_under_the_csp(browser, demo: Demo) -> None:
    page, watch = open_page(browser, LAPTOP, "en")
    try:
        page.goto(f"{demo.url}/demo/messages", wait_until="load")
        expect(page.locator("h1")).to_have_text("Messages residents received")
        # Its style sheet is a file now: applied, and nothing inline was refused.
        assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
        assert page.evaluate("window.__csp") == []
        assert watch.policies and all(csp == CSP for _, csp in watch.policies), watch.policies
        watch.assert_clean()
    finally:
        page.context.close()
