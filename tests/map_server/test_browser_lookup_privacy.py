"""The single-house attack in Chromium: on the public map, the address search answers a
one-customer outage's house exactly like its neighbour, "may be affected", never
"affected now" nor "no outage" (docs/security.md, "What the look-up reveals")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gis_outage.storage.db import make_engine, migrate
from tests.map_server.data import add_addresses, new_outage
from tests.map_server.test_browser import (  # noqa: F401 (fixtures)
    FI,
    browser,
    expect,
    load,
    page_and_watch,
    search,
    serving,
)


@pytest.fixture(scope="module")
def small_outage_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("small")
    engine = make_engine(f"sqlite:///{tmp / 'outages.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    outage = new_outage(engine, addresses=("A2",), customers=1)  # Mannerheimintie 7
    with serving(tmp, engine) as url:
        yield url, outage


def test_the_affected_house_answers_like_its_neighbour(
    page_and_watch, small_outage_site: tuple[str, int]  # noqa: F811 (the fixture)
) -> None:
    page, watch = page_and_watch
    url, outage = small_outage_site
    load(page, url + "/")
    seen = {}
    for address_id, label in (("A1", "Mannerheimintie 5"), ("A2", "Mannerheimintie 7")):
        text = search(page, "Mannerheimintie", address_id, {"A1", "A2"})
        assert text == f"{label}, 00100 Helsinki: {FI['maybe_affected']}"
        expect(page.locator("#address-result")).to_have_class("affected")
        expect(page.locator("#address-result-outages li")).to_have_count(0)
        note = page.locator("#address-result-notes li")
        expect(note).to_have_count(1)
        expect(note).to_have_attribute("data-reason", "small_area")
        expect(note).to_have_attribute("data-outage-id", str(outage))
        seen[address_id] = note.inner_text()
    assert seen["A1"] == seen["A2"]
    watch.assert_clean()
