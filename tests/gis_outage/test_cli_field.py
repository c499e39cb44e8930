"""`gis-outage field …` run as a user runs it, on a database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from gis_outage.config import Settings
from gis_outage.services import outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.networks import save_network

from .networks import small_water


def run(db_url: str, *args: str):
    env = os.environ | {"GIS_OUTAGE_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "gis_outage.cli", "field", *args],
                          capture_output=True, text=True, check=False, env=env)


def draft_on_a_file(tmp_path):
    """A database file with the small water network and a drafted break of L2."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    db = make_engine(url)
    migrate(db)
    save_network(db, "water", small_water(), "small.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db)
    oid = outages.draft(ctx, service="water", kind="unplanned", starts_at=datetime.now(UTC),
                        selection=Selection(break_links=("L2",)), actor="eng").id
    return url, ctx, oid


def test_stuck_restore_and_device_from_the_command_line(tmp_path):
    url, ctx, oid = draft_on_a_file(tmp_path)

    out = run(url, "stuck", str(oid), "--device", "V1")
    assert out.returncode == 0, out.stderr
    preview = json.loads(out.stdout)
    assert preview["confirmed"] is False
    assert preview["difference"]["devices_to_operate"] == {"added": ["V3"], "removed": ["V1"]}
    out = run(url, "stuck", str(oid), "--device", "V1", "--confirm", "--actor", "crew-7")
    assert json.loads(out.stdout)["status"] == "draft"

    out = run(url, "restore", str(oid), "--device", "V9")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == "error: device 'V9' is not held by this outage"
    out = run(url, "backfeed", str(oid))
    assert out.returncode == 0 and json.loads(out.stdout) == []

    out = run(url, "device", "water", "V1", "--finding", "clear")
    assert out.returncode == 0 and json.loads(out.stdout)["state"] is None
    out = run(url, "device", "water", "V6", "--position", "open", "--note", "flushing")
    state = json.loads(out.stdout)["state"]
    assert (state["passes"], state["note"], state["changed_by"]) == (True, "flushing", "cli")
    out = run(url, "device", "water", "V1")
    assert out.returncode == 2 and "give --position and/or --finding" in out.stderr


def test_a_confirm_on_a_stale_difference_stores_nothing(tmp_path):
    url, ctx, oid = draft_on_a_file(tmp_path)
    shown = json.loads(run(url, "stuck", str(oid), "--device", "V1").stdout)["difference"]
    seen = shown["outage_version"]

    # Someone else stores another change to the outage meanwhile.
    outages.update(ctx, oid, "other-engineer", cause="Pipe burst on the main street")
    before, _ = outages.get(ctx, oid)

    out = run(url, "stuck", str(oid), "--device", "V1", "--confirm",
              "--expected-version", str(seen))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        f"error: outage {oid} changed since the difference was shown (version {seen}, now "
        f"{before.version}): nothing was stored; look at the difference again")
    after, _ = outages.get(ctx, oid)
    assert after.version == before.version
    assert after.affected == before.affected

    out = run(url, "stuck", str(oid), "--device", "V1", "--confirm",
              "--expected-version", str(before.version))
    assert out.returncode == 0, out.stderr
    assert outages.get(ctx, oid)[0].version == before.version + 1
