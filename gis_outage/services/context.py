"""What every service function works on: the settings, the databases and the networks.

`build_context(settings)` is the one place that turns settings into engines; the web
app, the CLI, the Celery tasks and the embedded worker each build one context at start
and hand it to the service functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from ..config import Settings
from ..storage.db import make_engine, make_read_engine, migrate
from ..tracing import TraceEngines


@dataclass(frozen=True)
class Context:
    settings: Settings
    db: Engine  # every write, the engineer API, the portal, the notifier
    read_db: Engine  # the public map, look-up and feeds (a replica when one is set)
    traces: TraceEngines = field(repr=False)


def build_context(
    settings: Settings, *, db: Engine | None = None, migrate_schema: bool = False
) -> Context:
    """Engines and trace engines from the settings (or around the given `db`)."""
    db = db or make_engine(settings.effective_database_url)
    if migrate_schema:
        migrate(db)
    read_db = make_read_engine(settings.read_database_url, db)
    return Context(
        settings,
        db,
        read_db,
        TraceEngines(
            db,
            settings.network.snap_tolerance_m,
            cache_dir=settings.network.trace_cache_dir or settings.data_dir / "trace-cache",
        ),
    )
