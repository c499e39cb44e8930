"""Back-feed suggestions name the critical customers each restores and rank by them
first, then by customers; a role that may not see critical customers gets neither."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.services import field, outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.networks import save_network

from .networks import two_ties

HOSPITAL = {"service_point": "SP3", "category": "hospital", "address_id": "A3", "customers": 1}


def _outage(db: Engine, tmp_path: Path) -> tuple:
    save_network(db, "water", two_ties(), "ties.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db)
    outage = outages.draft(ctx, service="water", kind="unplanned", starts_at=datetime.now(UTC),
                           selection=Selection(break_links=("L2",)), actor="eng")
    assert outage.affected["devices_to_operate"] == ["V1", "V3", "V4"]
    return ctx, outage.id


def test_critical_customers_restored_rank_first(db_engine: Engine, tmp_path: Path) -> None:
    ctx, oid = _outage(db_engine, tmp_path)
    offered = field.suggestions(ctx, oid)
    assert [(s["device"], s["customers"], s["critical_customers"]) for s in offered] == [
        ("T3", 1, [HOSPITAL]), ("T4", 5, [])]
    # Without the critical customers: neither listed nor ranked by, most customers first.
    plain = field.suggestions(ctx, oid, critical=False)
    assert [(s["device"], s["customers"]) for s in plain] == [("T4", 5), ("T3", 1)]
    assert all("critical_customers" not in s for s in plain)
    # Applying the first one restores the hospital.
    proposal = field.backfeed(ctx, oid, "T3")
    assert proposal.difference()["critical_customers"] == {"added": [], "removed": [HOSPITAL]}


def test_the_command_line_lists_them_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    db = make_engine(url)
    migrate(db)
    _, oid = _outage(db, tmp_path)
    out = subprocess.run([sys.executable, "-m", "gis_outage.cli", "field", "backfeed", str(oid)],
                         capture_output=True, text=True, check=False,
                         env=os.environ | {"GIS_OUTAGE_DATABASE_URL": url})
    assert out.returncode == 0, out.stderr
    assert [(s["device"], s["critical_customers"]) for s in json.loads(out.stdout)] == [
        ("T3", [HOSPITAL]), ("T4", [])]
