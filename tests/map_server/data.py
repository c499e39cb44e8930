"""Test data for the map server: addresses, a network, people and outages, written
through the storage functions (and, for tables they do not cover yet, plain inserts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point
from sqlalchemy.engine import Engine

from gis_outage.storage.db import write_transaction
from gis_outage.storage.directory import replace_directory
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import change_status, create_outage
from gis_outage.storage.schema import subscribers, subscriptions

ADDRESSES = [
    # id, street, house number, postal code, lon, lat
    ("A1", "Mannerheimintie", "5", "00100", 24.9401, 60.1690),
    ("A2", "Mannerheimintie", "7", "00100", 24.9398, 60.1697),
    ("A3", "Hämeentie", "12", "00530", 24.9590, 60.1845),
    ("A4", "Hämeentie", "120", "00560", 24.9780, 60.2010),
    ("A5", "Sturenkatu", "3", "00510", 24.9465, 60.1900),
]

# Personal data and critical-infrastructure details that must never be public.
# Helsinki is bilingual: each street has a Swedish name too.
SWEDISH = {"Mannerheimintie": "Mannerheimvägen", "Hämeentie": "Tavastvägen",
           "Sturenkatu": "Sturegatan"}
PHONES = ["+358401234567", "+358451112233", "+35891234567"]
PHONES_LOCAL = ["0401234567", "0451112233", "091234567"]
EMAILS = ["maija.meikalainen@example.fi", "pekka.property@example.org"]
NAMES = ["Maija Meikäläinen", "Pekka Isännöitsijä", "Erkki Engineer"]
SERVICE_POINTS = ["SP-HIDDEN-0001", "SP-HIDDEN-0002", "SP-HIDDEN-0003"]
LINKS = ["PIPE-SECRET-77", "PIPE-SECRET-78"]
# Link vertices with digits no public geometry has (areas are built from other shapes).
LINK_COORDS = [(24.9412371, 60.1693917), (24.9438529, 60.1712843), (24.9593613, 60.1849471)]
ENGINEER = NAMES[2]
# The critical categories of SERVICE_POINTS.
CRITICAL_SHOWN = ("home_dialysis", "care_home", None)


def add_addresses(engine: Engine) -> None:
    frame = gpd.GeoDataFrame(
        {
            "id": [a[0] for a in ADDRESSES],
            "street": [a[1] for a in ADDRESSES],
            "house_number": [a[2] for a in ADDRESSES],
            "postal_code": [a[3] for a in ADDRESSES],
            "municipality": ["Helsinki"] * len(ADDRESSES),
            "street_sv": [SWEDISH[a[1]] for a in ADDRESSES],
        },
        geometry=[Point(a[4], a[5]) for a in ADDRESSES],
        crs="EPSG:4326",
    )
    from gis_outage.storage.addresses import upsert_addresses

    upsert_addresses(engine, frame)


def add_network(engine: Engine) -> None:
    links = gpd.GeoDataFrame(
        {"id": LINKS, "from_node": ["N1", "N2"], "to_node": ["N2", "N3"], "kind": ["pipe"] * 2},
        geometry=[LineString(LINK_COORDS[:2]), LineString(LINK_COORDS[1:])],
        crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame(
        {
            "id": SERVICE_POINTS,
            "link_id": [LINKS[0], LINKS[0], LINKS[1]],
            "address_id": ["A1", "A2", "A3"],
            "customers": [4, 6, 2],
            # Critical customers: never on a public page (test_public_data).
            "critical": list(CRITICAL_SHOWN),
        },
        geometry=[Point(a[4], a[5]) for a in ADDRESSES[:3]],
        crs="EPSG:4326",
    )
    save_network(engine, "water", {"links": links, "service_points": points}, "test.gpkg")


def add_people(engine: Engine) -> None:
    replace_directory(
        engine,
        [
            {"phone": PHONES[0], "address_id": "A1", "number_type": "mobile"},
            {"phone": PHONES[2], "address_id": "A3", "number_type": "fixed_line"},
        ],
        source="operator-x",
    )
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        for i, (name, email, phone, address) in enumerate(
            [(NAMES[0], EMAILS[0], PHONES[1], "A1"), (NAMES[1], EMAILS[1], None, "A3")], 1
        ):
            conn.execute(
                subscribers.insert().values(id=i, name=name, language="fi", created_at=now)
            )
            conn.execute(
                subscriptions.insert().values(
                    subscriber_id=i,
                    address_id=address,
                    service="water",
                    phone=phone,
                    phone_verified_at=now if phone else None,
                    email=email,
                    role="resident",
                    created_at=now,
                )
            )


def area(lon: float, lat: float, size: float = 0.004) -> shapely.Polygon:
    return shapely.box(lon - size, lat - size / 2, lon + size, lat + size / 2)


def new_outage(
    engine: Engine,
    *,
    service: str = "water",
    kind: str = "unplanned",
    starts_in: timedelta = timedelta(hours=-1),
    lasts: timedelta | None = timedelta(hours=4),
    addresses: tuple[str, ...] = ("A1", "A2"),
    where: tuple[float, float] = (24.94, 60.169),
    cause: str | None = "Pipe burst",
    description: str = "Kluuvi",
    texts: dict[str, str] | None = None,
    publish: bool = True,
    customers: int | None = None,
) -> int:
    """An outage written the way the engineer API writes it; published unless told not.
    `texts` are the cause per language as residents read it (public, like the cause)."""
    starts_at = datetime.now(UTC).replace(microsecond=0) + starts_in
    affected: dict[str, Any] = {
        "addresses": list(addresses),
        "service_points": SERVICE_POINTS[: len(addresses)],
        "links": LINKS,
        "isolated_links": LINKS[:1],
        "customers": 10 * len(addresses) if customers is None else customers,
        "critical_customers": [
            {"service_point": sp, "category": c, "address_id": a, "customers": 1}
            for sp, c, a in zip(SERVICE_POINTS, CRITICAL_SHOWN, addresses, strict=False) if c
        ],
    }
    outage_id = create_outage(
        engine,
        service=service,
        kind=kind,
        starts_at=starts_at,
        estimated_end_at=starts_at + lasts if lasts else None,
        created_by=ENGINEER,
        cause=cause,
        texts=texts or {},
        affected=affected,
        public_area=area(*where),
        area_description=description,
    )
    if publish:
        change_status(engine, outage_id, "published", ENGINEER)
    return outage_id
