"""A water-quality notice on the public map in headless Chromium: drawn in its own style
(the notice colour and a dash-dot line, not the water service's supply-cut style), listed
with its kind's name, filtered by its own legend box, and not counted as a supply cut."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gis_outage.storage.db import make_engine, migrate
from map_server.i18n import STRINGS
from tests.map_server.data import add_addresses, new_outage
from tests.map_server.test_browser import (
    Browser,
    Page,
    Watch,
    browser,  # noqa: F401 - the module's Chromium, a fixture
    drawn_ids,
    expect,
    load,
    open_page,
    search,
    serving,
)

FI = STRINGS["fi"]
NOTICE_COLOUR = "#00704a"  # --water_notice in map.css


@pytest.fixture(scope="module")
def notice_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    tmp: Path = tmp_path_factory.mktemp("notices")
    engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    ids = {
        "cut": new_outage(engine, kind="unplanned", addresses=("A1",), where=(24.94, 60.169)),
        "boil": new_outage(engine, kind="boil_water", addresses=("A3",), lasts=None,
                           where=(24.959, 60.1845), cause="Bakteereja vesinäytteessä"),
        "dnd": new_outage(engine, kind="do_not_drink", addresses=("A5",),
                          starts_in=timedelta(minutes=-5), where=(24.9465, 60.19)),
    }  # fmt: skip
    with serving(tmp, engine) as url:
        yield url, ids


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Watch]]:  # noqa: F811
    page, watch = open_page(browser, viewport={"width": 1280, "height": 900})
    yield page, watch
    page.context.close()


def _style(page: Page, outage_id: int) -> dict[str, str | None]:
    path = page.locator(f"path.outage-{outage_id}")
    return {name: path.get_attribute(name) for name in ("class", "stroke", "stroke-dasharray")}


def test_notices_have_their_own_map_style_list_name_and_filter(
    page: tuple[Page, Watch], notice_site: tuple[str, dict]
) -> None:
    page, watch = page
    url, ids = notice_site
    load(page, url + "/")
    assert drawn_ids(page) == sorted(ids.values())

    cut, boil, dnd = _style(page, ids["cut"]), _style(page, ids["boil"]), _style(page, ids["dnd"])
    assert "service-water kind-unplanned" in cut["class"]
    assert "service-water kind-boil_water" in boil["class"]
    assert "service-water kind-do_not_drink" in dnd["class"]
    assert boil["stroke"] == dnd["stroke"] == NOTICE_COLOUR != cut["stroke"]
    assert boil["stroke-dasharray"] == "10 4 2 4" and cut["stroke-dasharray"] is None

    row = page.locator(f"#outage-rows tr[data-outage-id='{ids['boil']}']")
    expect(row).to_contain_text(FI["boil_water"])
    expect(row).to_contain_text("Bakteereja vesinäytteessä")
    expect(page.locator(f"#outage-rows tr[data-outage-id='{ids['dnd']}']")).to_contain_text(
        FI["do_not_drink"]
    )
    # A notice is no supply cut: the summary counts the one outage only.
    expect(page.locator("#summary-now")).to_have_text(FI["summary_now"].format(n=1, customers=10))

    # The address search says a notice is in force, not that the supply is cut.
    text = search(page, "Hämeentie 12", "A3", {"A3", "A4"})
    assert FI["notice_now"] in text and FI["affected_now"] not in text
    expect(page.locator("#address-result")).to_have_class("affected")
    expect(page.locator("#address-result-outages li")).to_contain_text(FI["boil_water"].lower())

    # Its legend box hides it, and only it.
    page.locator("#filters input[name='kind'][value='boil_water']").uncheck()
    expect(page.locator(f"path.outage-{ids['boil']}")).to_have_count(0)
    assert drawn_ids(page) == sorted([ids["cut"], ids["dnd"]])
    watch.assert_clean()
