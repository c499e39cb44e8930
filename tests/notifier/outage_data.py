"""Test data for the notifier: addresses, directory numbers, subscriptions, outages."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from shapely import Point
from sqlalchemy.engine import Engine

from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import write_transaction
from gis_outage.storage.directory import replace_directory
from gis_outage.storage.outages import change_status, create_outage, outage_events_for
from gis_outage.storage.recipients import insert_deliveries_once
from gis_outage.storage.schema import deliveries, outage_events, subscribers, subscriptions, utcnow

ACTOR = "test-engineer"


def add_addresses(
    db: Engine, ids: Iterable[str], street: str = "Mannerheimintie", municipality: str = "Helsinki"
) -> None:
    ids = list(ids)
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "street": [street] * len(ids),
            "house_number": [str(i + 1) for i in range(len(ids))],
            "postal_code": ["00100"] * len(ids),
            "municipality": [municipality] * len(ids),
        },
        geometry=[Point(24.94 + i * 1e-4, 60.17) for i in range(len(ids))],
        crs="EPSG:4326",
    )
    upsert_addresses(db, frame)


def add_directory(db: Engine, rows: Sequence[dict[str, Any]], source: str = "operator") -> None:
    replace_directory(db, rows, source)


def add_subscription(
    db: Engine,
    address_id: str,
    *,
    service: str = "water",
    phone: str | None = None,
    email: str | None = None,
    verified: bool = True,
    role: str = "resident",
    language: str = "fi",
    name: str = "Test Resident",
) -> int:
    with db.begin() as conn:
        subscriber_id = conn.execute(
            sa.insert(subscribers).values(name=name, language=language, created_at=utcnow())
        ).inserted_primary_key[0]
        conn.execute(
            sa.insert(subscriptions).values(
                subscriber_id=subscriber_id,
                address_id=address_id,
                service=service,
                phone=phone,
                email=email,
                email_verified_at=utcnow() if (email and verified) else None,
                phone_verified_at=utcnow() if (phone and verified) else None,
                role=role,
                created_at=utcnow(),
            )
        )
    return int(subscriber_id)


def publish_outage(
    db: Engine,
    addresses: Sequence[str],
    *,
    service: str = "water",
    kind: str = "unplanned",
    starts_at: datetime | None = None,
    duration: timedelta | None = timedelta(hours=3),
    streets: Sequence[str] = ("Mannerheimintie",),
    publish: bool = True,
) -> int:
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    outage_id = create_outage(
        db,
        service=service,
        kind=kind,
        starts_at=starts_at,
        estimated_end_at=starts_at + duration if duration is not None else None,
        created_by=ACTOR,
        cause="pipe_burst",
        texts={"fi": "Vesijohtovuoto", "sv": "Vattenläcka", "en": "Water main leak"},
        affected={"addresses": list(addresses), "streets": list(streets), "customers": 1},
    )
    if publish:
        change_status(db, outage_id, "published", ACTOR)
    return outage_id


def mobile(n: int) -> str:
    """A valid Finnish mobile number, distinct per n (+358 40 …)."""
    return f"+35840{n:07d}"


def landline(n: int) -> str:
    """A valid Helsinki fixed-line number (+358 9 …)."""
    return f"+3589{n:07d}"


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def last_event(db: Engine, outage_id: int) -> int:
    return outage_events_for(db, outage_id)[-1].id


def numbers_at(db: Engine, count: int, per_address: int = 5, prefix: str = "A") -> list[str]:
    """`count` mobile numbers at count/per_address new addresses; returns the addresses."""
    addresses = [f"{prefix}{i}" for i in range(-(-count // per_address))]
    add_addresses(db, addresses)
    add_directory(
        db,
        [{"phone": mobile(i), "address_id": addresses[i // per_address], "number_type": "mobile"}
         for i in range(count)],
        source=f"operator-{prefix}",
    )
    return addresses


def deliveries_with_one_old(db: Engine, old: str, new: str, age: timedelta) -> None:
    """Two delivery rows of one event, the one to `old` made `age` ago (retention tests)."""
    outage = create_outage(
        db, service="water", kind="unplanned", starts_at=utcnow(), created_by="test"
    )
    with write_transaction(db) as conn:
        event = conn.execute(
            outage_events.insert().values(
                outage_id=outage, kind="published", created_at=utcnow(), payload={}
            )
        ).inserted_primary_key[0]
    insert_deliveries_once(db, event, [(old, "sms"), (new, "sms")])
    with write_transaction(db) as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.destination == old)
            .values(created_at=utcnow() - age)
        )
