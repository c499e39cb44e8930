"""The whole resident flow in headless Chromium against a real uvicorn server.

Register with a PIN read from the real SMPP test server, add two addresses (typing,
with the autocomplete's suggestions), an engineer publishes an outage at one of them,
the embedded notifier worker runs the pipeline and the SMS arrives at the SMPP server;
the resident blocks the number in the portal, a second outage there sends nothing.
Chromium runs as in tests/map_server/test_browser.py (Debian's binary, a dead proxy so
nothing leaves loopback, every request watched).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from shapely import box
from sqlalchemy.engine import Engine

from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.outages import change_status, create_outage, outage_events_for
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.schema import utcnow
from map_server.app import create_app
from map_server.portal.i18n import PORTAL
from notifier.worker import EmbeddedWorker, start_embedded_worker
from tests.map_server import live
from tests.map_server.data import add_addresses
from tests.notifier.smpp_server import ServerConfig, SmppServer

from .conftest import PIN, Mailbox, portal_settings

browser_test = pytest.importorskip("tests.map_server.test_browser")  # skips without Chromium
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

FI = PORTAL["fi"]
PHONE, DIGITS = "040 123 4567", "358401234567"
ENGINEER = "Portal E2E Engineer"


@dataclass
class Demo:
    url: str
    engine: Engine
    smpp: SmppServer
    worker: EmbeddedWorker

    def sms(self) -> list[str]:
        return [m["text"] for m in self.smpp.messages() if m["destination"] == DIGITS]

    def wait_sms(self, count: int) -> list[str]:
        ok = self.smpp.wait_for(
            lambda s: sum(m["destination"] == DIGITS for m in s.received) >= count
        )
        assert ok, f"SMS #{count} did not arrive: {self.sms()}"
        return self.sms()

    def publish(self, address_id: str, cause: str) -> int:
        """An unplanned water outage at one address, published as the engineer API does."""
        starts = utcnow().replace(microsecond=0) - timedelta(minutes=5)
        outage = create_outage(
            self.engine, service="water", kind="unplanned", starts_at=starts,
            estimated_end_at=starts + timedelta(hours=3), created_by=ENGINEER, cause=cause,
            texts={"fi": cause}, area_description="Kluuvi",
            affected={"devices_to_operate": ["V-1"], "isolated_links": ["L-1"],
                      "links": ["L-1"], "service_points": [f"SP-{address_id}"],
                      "addresses": [address_id], "customers": 1,
                      "streets": ["Mannerheimintie"]},
            public_area=box(24.939, 60.168, 24.941, 60.170),
        )  # fmt: skip
        change_status(self.engine, outage, "published", ENGINEER)
        self.worker.wake()
        return outage

    def wait_processed(self, outage: int, timeout: float = 20.0) -> None:
        """Until the worker has finished the outage's events (its outbox rows are done)."""
        events = {e.id for e in outage_events_for(self.engine, outage)}
        deadline = time.monotonic() + timeout
        while {r.event_id for r in pending_outbox(self.engine)} & events:
            assert time.monotonic() < deadline, "the notifier did not process the event"
            time.sleep(0.05)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    smpp = SmppServer(ServerConfig()).start()
    mailbox = Mailbox()
    mailbox.port = 9  # type: ignore[attr-defined]  # e-mail is not used in this flow
    made = {}

    def make_app(url: str):
        # The portal's PINs and the notifier's messages go through the same SMPP provider.
        made["settings"] = portal_settings(tmp_path, smpp, mailbox, poll_seconds=0.05,
                                           public_url=url, map={},
                                           portal={"secret_key": "e2e-key"})
        return create_app(made["settings"], engine)

    try:
        with live.serving(make_app) as url:
            worker = start_embedded_worker(made["settings"], engine)
            try:
                yield Demo(url, engine, smpp, worker)
            finally:
                worker.stop()
    finally:
        smpp.stop()
        engine.dispose()


@pytest.fixture
def page(demo: Demo) -> Iterator[tuple[object, object]]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=browser_test.CHROMIUM, args=browser_test.CHROMIUM_ARGS
        )
        context = chromium.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
        context.set_default_timeout(browser_test.TIMEOUT_MS)
        tab = context.new_page()
        watch = browser_test.Watch()
        watch.attach(tab)
        yield tab, watch
        context.close()
        chromium.close()


def add_address(tab, street_typed: str, street: str, number: str, postal: str) -> None:
    tab.click("#add-address")
    tab.wait_for_selector("body[data-portal-ready=true]")  # the autocomplete script ran
    tab.fill("#postal_code", postal)
    tab.locator("#street").press_sequentially(street_typed, delay=30)
    # The register's streets of that postal code are offered as the resident types.
    expect(tab.locator(f"#street-options option[value='{street}']")).to_have_count(1)
    tab.fill("#street", street)
    tab.locator("#house_number").press_sequentially(number, delay=30)
    expect(tab.locator(f"#number-options option[value='{number}']")).to_have_count(1)
    expect(tab.locator("#phone")).to_have_value(re.compile(r"^\+358401234567$"))
    tab.click("#save-address")
    tab.wait_for_url(re.compile(r"/portal/me\?m=saved$"))


def test_register_add_addresses_get_notified_opt_out_and_hear_no_more(
    demo: Demo, page: tuple
) -> None:
    tab, watch = page
    # -- register with a PIN from the SMPP server
    tab.goto(f"{demo.url}/portal/")
    expect(tab.locator("h1")).to_have_text(FI["start_heading"])
    tab.fill("#name", "Maija Meikäläinen")
    tab.fill("#phone", PHONE)
    tab.click("#send-code")
    tab.wait_for_url(re.compile(r"/portal/pin$"))
    [sms] = demo.wait_sms(1)
    tab.fill("#pin", PIN.search(sms).group(1))
    tab.click("#confirm-pin")
    tab.wait_for_url(re.compile(r"/portal/me\?m=welcome_new$"))
    expect(tab.locator("#flash")).to_have_text(FI["welcome_new"])
    cookies = {c["name"]: c for c in tab.context.cookies()}
    session = cookies["__Secure-portal_session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"
    assert session["path"] == "/portal"

    # -- two addresses: home and a relative's home
    add_address(tab, "Manner", "Mannerheimintie", "5", "00100")
    add_address(tab, "Häm", "Hämeentie", "12", "00530")
    expect(tab.locator("article.place")).to_have_count(2)
    expect(tab.locator("article.place[data-address-id='A1']")).to_contain_text("Mannerheimintie 5")
    expect(tab.locator("article.place[data-address-id='A3']")).to_contain_text("Hämeentie 12")

    # -- an outage at home: the notifier pipeline sends the SMS through the SMPP server
    first = demo.publish("A1", "Vesijohtovuoto")
    texts = demo.wait_sms(2)
    assert "Mannerheimintie" in texts[-1] and "Vesijohtovuoto" in texts[-1], texts[-1]
    demo.wait_processed(first)

    # -- opt out in the portal
    tab.goto(f"{demo.url}/portal/me")
    row = tab.locator("#destinations li", has_text="+358401234567")
    row.locator("button.block").click()
    tab.wait_for_url(re.compile(r"/portal/me\?m=opted_out$"))
    expect(tab.locator("#destinations li", has_text="+358401234567")).to_have_attribute(
        "data-blocked", "true"
    )

    # -- another outage there: nothing more arrives
    second = demo.publish("A1", "Toinen vuoto")
    demo.wait_processed(second)
    time.sleep(0.5)  # a message in flight would have reached the server by now
    assert len(demo.sms()) == 2, demo.sms()
    watch.assert_clean()
