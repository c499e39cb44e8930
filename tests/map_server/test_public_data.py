"""No personal data, no service point and no network geometry in any public response.

The database holds directory numbers, subscribers with names, numbers and e-mails, an
engineer's name, a network with service points and links, and outages whose trace
snapshot lists service points and links. Every public endpoint is fetched in every
format and language, and none of those values may appear in any body.
"""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gis_outage.storage.outages import change_status, update_outage
from tests.map_server.data import (
    ADDRESSES,
    CRITICAL_SHOWN,
    EMAILS,
    ENGINEER,
    LINK_COORDS,
    LINKS,
    NAMES,
    PHONES,
    PHONES_LOCAL,
    SERVICE_POINTS,
    add_network,
    add_people,
    new_outage,
)

# Route templates of the app's own public GET routes that the scan below covers.
COVERED = {
    "/",
    "/lookup/addresses",
    "/lookup/status",
    "/feeds/outages.geojson",
    "/feeds/outages.atom",
    "/feeds/cap/{outage_id}.xml",
    "/schemas/outage-feature.json",
    "/basemap.pmtiles",
}


def forbidden() -> list[str]:
    values = [*PHONES, *PHONES_LOCAL, *EMAILS, *NAMES, *SERVICE_POINTS, *LINKS]
    values += [name.split()[-1] for name in NAMES]  # surnames alone
    values += [f"{c:.7f}" for xy in LINK_COORDS for c in xy]
    values += ["affected_addresses", "affected_service_points", "affected_links", "created_by"]
    values += [c for c in CRITICAL_SHOWN if c] + ["critical_customers"]
    # Also as they look inside JSON strings (ä → \u00e4).
    return sorted({v for value in values for v in (value, json.dumps(value)[1:-1])})


def public_urls(outage_ids: list[int]) -> list[str]:
    urls = ["/", "/?lang=sv", "/?lang=en", "/?lang=lt", "/feeds/outages.geojson",
            "/schemas/outage-feature.json"]
    urls += [f"/feeds/outages.geojson?lang={lang}" for lang in ("fi", "sv", "en")]
    urls += [f"/?outage={i}" for i in outage_ids]
    urls += [f"/feeds/outages.atom?lang={lang}" for lang in ("fi", "sv", "en")]
    urls += [f"/feeds/cap/{i}.xml" for i in outage_ids]
    oapi = ["/oapi", "/oapi/conformance", "/oapi/collections", "/oapi/collections/outages",
            "/oapi/collections/outages/queryables", "/oapi/collections/outages/schema",
            "/oapi/collections/outages/items", "/oapi/openapi"]  # fmt: skip
    oapi += [f"/oapi/collections/outages/items/{i}" for i in outage_ids]
    urls += [f"{url}?f={f}" for url in oapi for f in ("json", "html", "jsonld")]
    urls += [f"/lookup/addresses?q={q}" for q in ("Manner", "Hämeentie 1", "00100", "Sturen")]
    urls += [f"/lookup/status?address_id={a[0]}&weeks=26" for a in ADDRESSES]
    urls += [f"/lookup/status?address_id={a[0]}&lang=sv" for a in ADDRESSES]
    return urls


def test_every_public_route_is_scanned(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    public = {p for p, ops in paths.items() if "get" in ops and not p.startswith("/api/")}
    assert public == COVERED, "add new public routes to the scan"


def test_no_personal_or_network_data_in_public_responses(client: TestClient, engine) -> None:
    add_network(engine)
    add_people(engine)
    ongoing = new_outage(engine, addresses=("A1", "A2"))
    planned = new_outage(engine, kind="planned", starts_in=timedelta(days=5), addresses=("A3",))
    resolved = new_outage(engine, service="electricity")
    cancelled = new_outage(engine, service="district_heating")
    draft = new_outage(engine, publish=False)
    update_outage(engine, planned, ENGINEER, cause="Valve replacement")
    change_status(engine, resolved, "resolved", ENGINEER)
    change_status(engine, cancelled, "cancelled", ENGINEER)

    leaks: list[str] = []
    scanned = 0
    showing = 0  # bodies that do carry outage data, so the scan looks at real content
    for url in public_urls([ongoing, planned, resolved, cancelled, draft]):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code == 404:
            continue
        scanned += 1
        body = response.text.casefold()
        leaks += [f"{url}: {value}" for value in forbidden() if value.casefold() in body]
        showing += "kluuvi" in body
    assert not leaks, "\n".join(leaks)
    assert scanned > 40 and showing > 20
