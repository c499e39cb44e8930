"""The storm's data: its sizes at a scale and the database they fill: the address
register and the operator directory bulk-loaded, the active outages, the big outage's
draft and the engineer who publishes it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.map import STREETS, make_outages, publish_outages
from bench.notify import draft_outage, mobile

# Full size (scale 1), from the issue.
RECIPIENTS = 200_000
DIRECTORY = 1_000_000
OUTAGES = 2_000
ENGINEER = "storm-engineer"


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    recipients: int  # mobile numbers at the published outage's addresses (asked for)
    directory: int  # directory entries in all
    outages: int  # active published outages on the map before the storm

    @classmethod
    def at_scale(cls, scale: float, outages: int | None = None) -> Sizes:
        return cls(
            recipients=max(1, round(RECIPIENTS * scale)),
            directory=max(5, round(DIRECTORY * scale)),
            outages=outages if outages is not None else max(1, round(OUTAGES * scale)),
        )

    def numbers_per_address(self) -> np.ndarray:
        """2 and 3 numbers at alternate addresses (2.5 on average), `directory` in all."""
        count = np.resize(np.array([2, 3]), (2 * self.directory) // 5 + 1)
        total = np.cumsum(count)
        return count[: int(np.searchsorted(total, self.directory)) + 1]

    def published_addresses(self) -> int:
        """How many addresses (from the first) the big outage covers: the fewest whose
        numbers reach `recipients`."""
        total = np.cumsum(self.numbers_per_address())
        return min(int(np.searchsorted(total, self.recipients)) + 1, len(total))


def published_numbers(sizes: Sizes) -> list[str]:
    """The destinations the big outage must reach, once each: the directory numbers are
    numbered address by address, so its addresses hold the first ones."""
    count = int(sizes.numbers_per_address()[: sizes.published_addresses()].sum())
    return [mobile(n) for n in range(count)]


def address_id(n: int) -> str:
    return f"storm-{n}"


# --------------------------------------------------------------------------- database


@contextlib.contextmanager
def storm_database(backend: str, dsn: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh database (PostGIS `gis_outage_bench_storm_<pid>`, dropped at
    the end, or a SQLite file in `folder`)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'storm.sqlite'}"
        return
    admin = dsn.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"gis_outage_bench_storm_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def address_points(i: np.ndarray) -> np.ndarray:
    """Addresses number i on a grid in central Helsinki (EPSG:4326), 1,000 to a row."""
    return shapely.points(24.80 + (i % 1000) * 2e-4, 60.15 + (i // 1000) * 1e-4)


def street_of(k: int) -> str:
    return STREETS[(k // 60) % len(STREETS)]


def address_rows(n: int) -> Iterator[tuple[Any, ...]]:
    """n addresses as the addresses table holds them on PostgreSQL (hex EWKB points)."""
    from gis_outage.storage.addresses import street_key
    from gis_outage.storage.geometry import encode_many

    step = 50_000
    for start in range(0, n, step):
        i = np.arange(start, min(start + step, n))
        geometry = encode_many(list(address_points(i)), "postgresql", 4326)
        for k, geom in zip(i.tolist(), geometry, strict=True):
            street = street_of(k)
            yield (
                address_id(k), street, str(k % 60 + 1), f"00{100 + (k // 6000) % 900}",
                "Helsinki", street_key(street), geom,
            )  # fmt: skip


def directory_rows(sizes: Sizes) -> Iterator[tuple[str, str]]:
    """(phone, address id): every address's numbers in turn, numbered from 0."""
    n = 0
    for k, count in enumerate(sizes.numbers_per_address().tolist()):
        for _ in range(count):
            yield mobile(n), address_id(k)
            n += 1


def bulk_load(engine: Engine, sizes: Sizes) -> None:
    """The address register and the operator directory: COPY on PostgreSQL, the
    storage layer's own batch writers on SQLite."""
    n_addresses = len(sizes.numbers_per_address())
    if engine.dialect.name != "postgresql":
        _bulk_load_sqlite(engine, sizes, n_addresses)
        return
    now = datetime.now(UTC)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            columns = "id, street, house_number, postal_code, municipality, street_key, geometry"
            with cur.copy(f"COPY addresses ({columns}) FROM STDIN") as copy:
                for row in address_rows(n_addresses):
                    copy.write_row(row)
            columns = "phone, number_type, address_id, secret, source, imported_at"
            with cur.copy(f"COPY directory_entries ({columns}) FROM STDIN") as copy:
                for phone, address in directory_rows(sizes):
                    copy.write_row((phone, "mobile", address, False, "operator", now))
            cur.execute("ANALYZE addresses")
            cur.execute("ANALYZE directory_entries")


def _bulk_load_sqlite(engine: Engine, sizes: Sizes, n_addresses: int) -> None:
    import geopandas as gpd

    from gis_outage.storage.addresses import upsert_addresses
    from gis_outage.storage.directory import replace_directory

    rows = list(address_rows(n_addresses))
    frame = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "street": [r[1] for r in rows],
            "house_number": [r[2] for r in rows],
            "postal_code": [r[3] for r in rows],
            "municipality": [r[4] for r in rows],
        },
        geometry=address_points(np.arange(n_addresses)),
        crs="EPSG:4326",
    )
    upsert_addresses(engine, frame)
    replace_directory(
        engine,
        ({"phone": p, "address_id": a, "number_type": "mobile"} for p, a in directory_rows(sizes)),
        "operator",
    )


def draft_big_outage(engine: Engine, sizes: Sizes) -> int:
    """A draft water outage on the first addresses, its area their convex hull."""
    n = sizes.published_addresses()
    ids = [address_id(k) for k in range(n)]
    hull = shapely.MultiPoint(address_points(np.arange(n))).convex_hull.buffer(2e-4)
    return draft_outage(
        engine, ids, streets=sorted({street_of(k) for k in range(n)}), created_by=ENGINEER,
        public_area=hull, area_description="Helsinki",
    )


def active_outages(engine: Engine, n: int, seed: int) -> None:
    """n published outages with traced areas (bench/map's); announced earlier, so their
    outbox rows are marked done before the storm."""
    from gis_outage.storage.outbox import mark_processed, pending_outbox

    publish_outages(engine, make_outages(n, seed))
    for row in pending_outbox(engine):
        mark_processed(engine, row.id)


def engineer_token(engine: Engine) -> str:
    from gis_outage.storage.users import create_token, create_user

    create_user(engine, ENGINEER, "engineer", actor="bench")
    return create_token(engine, ENGINEER, actor="bench")
