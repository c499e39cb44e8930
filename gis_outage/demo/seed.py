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

from gis_outage.demo.city import DemoCity, build_demo_city
from gis_outage.importers import import_addresses, import_directory, import_network
from gis_outage.model import Service
from gis_outage.services import outages
from gis_outage.services.context import Context
from gis_outage.storage.networks import current_network_version
from gis_outage.storage.users import create_token, create_user
from gis_outage.trace import TraceEngine

ENGINEER = "demo-engineer"


@dataclass(frozen=True)
class DemoSeed:
    token: str
    outages: list[int]


def is_seeded(db: Engine) -> bool:
    return all(current_network_version(db, s.value) is not None for s in Service)


def seed_demo(ctx: Context, city_dir: Path, *, seed: int = 42) -> DemoSeed:
    """Build the city into `city_dir`, import it, add an engineer and three outages."""
    db = ctx.db
    city: DemoCity = build_demo_city(city_dir, seed=seed)
    import_addresses(city.addresses, engine=db)
    tolerance = ctx.settings.network.snap_tolerance_m
    for service in Service:
        import_network(city.network(service), service.value, engine=db, snap_tolerance_m=tolerance)
    import_directory(city.directory, source="demo-operator", engine=db,
                     region=ctx.settings.default_region)
    create_user(db, ENGINEER, "engineer", actor="demo")
    token = create_token(db, ENGINEER, actor="demo")
    return DemoSeed(token=token, outages=_demo_outages(ctx, seed))


def _demo_outages(ctx: Context, seed: int) -> list[int]:
    """An unplanned water break, planned district-heating works, an electricity fault.

    Traced and published through the outage service, as an engineer's would be."""
    rng = np.random.default_rng(seed)
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
        loaded = ctx.traces.get(service.value)
        link = _busy_break(loaded.engine, list(loaded.engine.link_ids), rng)
        outage = outages.draft(
            ctx,
            service=service,
            kind=kind,
            starts_at=starts,
            estimated_end_at=starts + duration,
            cause=cause["en"],
            texts=cause,
            selection=outages.Selection(break_links=(link,)),
            actor=ENGINEER,
        )
        outages.publish(ctx, outage.id, ENGINEER)
        ids.append(outage.id)
    return ids


def _busy_break(engine: TraceEngine, link_ids: list[str], rng: np.random.Generator) -> str:
    """A link whose break cuts off a few dozen customers: a believable demo outage."""
    best, most = None, -1
    for link in rng.choice(link_ids, size=min(200, len(link_ids)), replace=False):
        customers = engine.break_trace([str(link)]).customers
        if 20 <= customers <= 300:
            return str(link)
        if customers > most:
            best, most = str(link), customers
    assert best is not None
    return best
