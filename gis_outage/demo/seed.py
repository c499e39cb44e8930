"""Fill a fresh store with the demo city: networks, addresses, directory, users, outages.

The outages are traced on the imported networks like an engineer's would be,
so the map shows real traced areas from the first page load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from gis_outage.affected import affected_snapshot
from gis_outage.area import area_of_trace
from gis_outage.demo.city import DemoCity, build_demo_city
from gis_outage.importers import import_addresses, import_directory, import_network
from gis_outage.model import Service
from gis_outage.storage.addresses import load_addresses
from gis_outage.storage.networks import current_network_version
from gis_outage.storage.outages import change_status, create_outage
from gis_outage.storage.users import create_token, create_user
from gis_outage.trace import TraceResult
from gis_outage.tracing import TraceEngines

ENGINEER = "demo-engineer"


@dataclass(frozen=True)
class DemoSeed:
    token: str
    outages: list[int]


def is_seeded(db: Engine) -> bool:
    return all(current_network_version(db, s.value) is not None for s in Service)


def seed_demo(db: Engine, city_dir: Path, *, seed: int = 42) -> DemoSeed:
    """Build the city into `city_dir`, import it, add an engineer and three outages."""
    city: DemoCity = build_demo_city(city_dir, seed=seed)
    import_addresses(city.addresses, engine=db)
    for service in Service:
        import_network(city.network(service), service.value, engine=db)
    import_directory(city.directory, source="demo-operator", engine=db)
    create_user(db, ENGINEER, "engineer", actor="demo")
    token = create_token(db, ENGINEER, actor="demo")
    return DemoSeed(token=token, outages=_demo_outages(db, seed))


def _demo_outages(db: Engine, seed: int) -> list[int]:
    """An unplanned water break, planned district-heating works, an electricity fault."""
    rng = np.random.default_rng(seed)
    traces = TraceEngines(db)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    plans = [
        (Service.WATER, "unplanned", now - timedelta(hours=1), timedelta(hours=5),
         {"fi": "Vesijohtovuoto", "sv": "Vattenläcka", "en": "Water main leak"}),
        (Service.DISTRICT_HEATING, "planned", now + timedelta(days=3, hours=8),
         timedelta(hours=6),
         {"fi": "Kaukolämpöverkon huoltotyö", "sv": "Underhåll av fjärrvärmenätet",
          "en": "District heating maintenance"}),
        (Service.ELECTRICITY, "unplanned", now - timedelta(minutes=30), timedelta(hours=2),
         {"fi": "Kaapelivika", "sv": "Kabelfel", "en": "Cable fault"}),
    ]
    ids = []
    for service, kind, starts, duration, cause in plans:
        loaded = traces.get(service.value)
        result = _busy_break(loaded.engine, loaded.network.link_ids, rng)
        addresses = load_addresses(db, result.affected_addresses)
        area = area_of_trace(loaded.network, result, addresses)
        outage_id = create_outage(
            db,
            service=service.value,
            kind=kind,
            starts_at=starts,
            estimated_end_at=starts + duration,
            cause=cause["en"],
            texts=cause,
            affected=affected_snapshot(
                result, network_version=loaded.version, streets=area.streets
            ),
            public_area=area.polygon,
            area_description=area.description() or None,
            created_by=ENGINEER,
        )
        change_status(db, outage_id, "published", ENGINEER)
        ids.append(outage_id)
    return ids


def _busy_break(engine, link_ids: list[str], rng: np.random.Generator) -> TraceResult:
    """A break that cuts off a few dozen customers: a believable demo outage."""
    best = None
    for link in rng.choice(link_ids, size=min(200, len(link_ids)), replace=False):
        result = engine.break_trace([str(link)])
        if 20 <= result.customers <= 300:
            return result
        if best is None or result.customers > best.customers:
            best = result
    assert best is not None
    return best
