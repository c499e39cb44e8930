"""The console's field page over HTTP: a page without outage data under the strict CSP, in
each language; and the calls its script makes: a preview (confirm false) stores nothing,
a cancelled preview leaves the outage as it was, a confirm stores the difference shown."""

from __future__ import annotations

import re

import pytest

from gis_outage.storage.outages import get_outage, outage_events_for

from .test_api_backfeed_critical import ties  # noqa: F401  (the fixture)


@pytest.mark.parametrize(("lang", "heading"), [("fi", "Kenttätoimet: katko"),
                                               ("sv", "Fältåtgärder: avbrott"),
                                               ("en", "Field actions: outage")])
def test_the_page_carries_no_data_and_no_inline_script(ties, lang, heading):  # noqa: F811
    client, _, oid = ties
    page = client.get(f"/console/outages/{oid}?lang={lang}")
    assert page.status_code == 200
    assert f"{heading} {oid}" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    assert page.headers["cache-control"] == "no-store"
    # Every script is a file of ours; the data comes from the API with the tab's token.
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all('src="../../static/' in s for s in scripts)
    assert "SP3" not in page.text and "V3" not in page.text and "T3" not in page.text
    assert '"api": "../../api/v1"' in page.text
    for bad in ("/console/outages/0", "/console/outages/x", "/console/outages/99999999999"):
        r = client.get(bad)
        assert r.status_code == 422 and "Traceback" not in r.text


def test_preview_cancel_and_confirm_as_the_page_calls_them(ties):  # noqa: F811
    client, tokens, oid = ties
    eng = tokens["engineer"]
    db = client.app.state.db
    before = get_outage(db, oid)
    # Preview: the difference, nothing stored. Cancel is the page forgetting it.
    r = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng, json={"device": "T3"})
    assert r.status_code == 200 and r.json()["confirmed"] is False
    difference = r.json()["difference"]
    assert difference["addresses"]["removed"] == ["A3"]
    assert [c["category"] for c in difference["critical_customers"]["removed"]] == ["hospital"]
    assert get_outage(db, oid).version == before.version
    assert outage_events_for(db, oid) == []
    # A viewer can neither preview nor confirm.
    for confirm in (False, True):
        assert client.post(f"/api/v1/outages/{oid}/backfeed", headers=tokens["viewer"],
                           json={"device": "T3", "confirm": confirm}).status_code == 403
    # Confirm: the same call with confirm true stores what was shown.
    r = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng,
                    json={"device": "T3", "confirm": True})
    assert r.status_code == 200 and r.json()["difference"]["addresses"] == difference["addresses"]
    stored = get_outage(db, oid)
    assert stored.version > before.version
    assert stored.affected["backfeed_devices"] == ["T3"]
    assert stored.affected["addresses"] == ["A4"]


def test_confirm_refuses_a_difference_shown_on_an_older_outage(ties):  # noqa: F811
    """The page sends back the version the difference was worked out on: if the outage
    changed in between, nothing is stored and the engineer looks again."""
    client, tokens, oid = ties
    eng = tokens["engineer"]
    db = client.app.state.db
    shown = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng,
                        json={"device": "T3"}).json()["difference"]
    version = shown["outage_version"]
    assert version == get_outage(db, oid).version
    # Someone else feeds the other part back first.
    r = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng,
                    json={"device": "T4", "confirm": True, "expected_version": version})
    assert r.status_code == 200, r.text
    stale = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng,
                        json={"device": "T3", "confirm": True, "expected_version": version})
    assert stale.status_code == 409
    assert "changed since the difference was shown" in stale.json()["detail"]
    assert get_outage(db, oid).affected["backfeed_devices"] == ["T4"]
    # Asked again, it is confirmed on the current outage.
    fresh = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng,
                        json={"device": "T3"}).json()["difference"]
    r = client.post(f"/api/v1/outages/{oid}/backfeed", headers=eng, json={
        "device": "T3", "confirm": True, "expected_version": fresh["outage_version"]})
    assert r.status_code == 200 and r.json()["outage"]["status"] == "draft"
    assert r.json()["outage"]["affected"]["backfeed_devices"] == ["T3", "T4"]
