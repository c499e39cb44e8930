"""The embedded worker and the Celery tasks follow one set of rules: the outbox lease,
the cadence of the periodic jobs, and the settings that sign and address each message
(from the environment or from the TOML file)."""

from __future__ import annotations

import os
import secrets
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import get_settings, load_settings
from gis_outage.model import Channel
from gis_outage.services.notification import PERIODIC_JOBS
from gis_outage.storage.schema import deliveries, outbox, utcnow
from notifier.celery_app import PERIODIC_TASKS, make_app
from notifier.providers import build_providers
from notifier.worker import EmbeddedWorker, start_embedded_worker

from .outage_data import deliveries_with_one_old, numbers_at, publish_outage, wait_until

LEASE_SECONDS = 321.0


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("GIS_OUTAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _claimed_for(db: Engine) -> list[float]:
    """Seconds from now until each claimed outbox row's lease ends."""
    with db.connect() as conn:
        until = conn.execute(
            sa.select(outbox.c.claimed_until).where(outbox.c.claimed_until.is_not(None))
        ).scalars().all()
    now = utcnow()
    return [(u - now).total_seconds() for u in until]


def test_celery_beat_runs_the_periodic_jobs_on_the_embedded_workers_cadence() -> None:
    schedule = make_app("memory://").conf.beat_schedule
    assert {job.name: job.every_seconds for job in PERIODIC_JOBS} == {
        name: schedule[name]["schedule"] for name in PERIODIC_TASKS
    }
    assert {schedule[name]["task"] for name in PERIODIC_TASKS} == set(PERIODIC_TASKS.values())


def test_the_embedded_worker_runs_each_periodic_job_at_its_cadence(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    db = sqlite_engine
    settings = load_settings(data_dir=tmp_path)
    now = [1000.0]
    worker = EmbeddedWorker(db, settings, build_providers(settings), clock=lambda: now[0])
    retention = next(job for job in PERIODIC_JOBS if job.name == "retention")

    def old_rows_left() -> int:
        with db.connect() as conn:
            created = conn.execute(sa.select(deliveries.c.created_at)).scalars().all()
        return sum(utcnow() - c > timedelta(days=400) for c in created)

    deliveries_with_one_old(db, "+358401234567", "+358451112233", timedelta(days=400))
    worker.run_once()
    assert old_rows_left() == 0  # the first round runs every job
    deliveries_with_one_old(db, "+358401234568", "+358451112234", timedelta(days=400))
    now[0] += retention.every_seconds - 1
    worker.run_once()
    assert old_rows_left() == 1  # not yet due
    now[0] += 1
    worker.run_once()
    assert old_rows_left() == 0


def test_both_workers_hold_an_outbox_row_for_the_configured_lease(
    postgis_db: Engine, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    db = postgis_db
    addresses = numbers_at(db, 3)
    settings = load_settings(data_dir=tmp_path, notify={"outbox_lease_seconds": LEASE_SECONDS})

    # Embedded: while the event's rows are locked away, the worker holds its claim.
    worker = EmbeddedWorker(db, settings, build_providers(settings), periodic=False)
    publish_outage(db, addresses)
    with db.connect() as blocker:
        blocker.exec_driver_sql("BEGIN")
        blocker.exec_driver_sql("LOCK TABLE outage_events IN ACCESS EXCLUSIVE MODE")
        thread = threading.Thread(target=worker.run_once)
        thread.start()
        wait_until(lambda: _claimed_for(db))
        [left] = _claimed_for(db)
        blocker.exec_driver_sql("ROLLBACK")
    thread.join(30)
    worker.stop()
    assert LEASE_SECONDS - 10 < left <= LEASE_SECONDS

    # Celery: drain_outbox claims and hands the row to a resolve queue nobody reads here.
    with db.begin() as conn:
        conn.execute(outbox.update().values(processed_at=utcnow(), claimed_until=None))
    publish_outage(db, addresses)
    from notifier import tasks

    clean_env.setenv("GIS_OUTAGE_DATABASE_URL", db.url.render_as_string(hide_password=False))
    clean_env.setenv("GIS_OUTAGE_DATA_DIR", str(tmp_path))
    clean_env.setenv("GIS_OUTAGE_BROKER_URL", "redis://127.0.0.1:6379/0")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_QUEUE_PREFIX", f"test-{secrets.token_hex(4)}-")
    clean_env.setenv("GIS_OUTAGE_NOTIFY_OUTBOX_LEASE_SECONDS", str(LEASE_SECONDS))
    get_settings.cache_clear()
    tasks._state.clear()
    try:
        assert tasks.drain_outbox.run() == 1
        [left] = _claimed_for(db)
    finally:
        get_settings.cache_clear()
        tasks._state.clear()
    assert LEASE_SECONDS - 10 < left <= LEASE_SECONDS


def test_the_utility_name_and_the_smsc_in_the_toml_file_reach_every_sms(
    sqlite_engine: Engine, tmp_path: Path, smpp_server: Any, clean_env: pytest.MonkeyPatch
) -> None:
    """One file configures the embedded worker's SMSC and the name on outage SMS and PINs."""
    db = sqlite_engine
    config = tmp_path / "gis-outage.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\n'
        'utility_name = "Toml Water"\n'
        "[notify]\n"
        'sms_providers = "smpp"\n'
        f"smpp_port = {smpp_server.port}\n"
        "poll_seconds = 0.05\n"
    )
    clean_env.setenv("GIS_OUTAGE_CONFIG", str(config))
    settings = load_settings(notify={"quiet_hours_start": None, "quiet_hours_end": None})
    addresses = numbers_at(db, 2)
    worker = start_embedded_worker(settings, db)
    assert worker is not None
    try:
        publish_outage(db, addresses)
        worker.wake()
        assert smpp_server.wait_for(lambda s: len(s.received) >= 2, 20)
    finally:
        worker.stop()
    texts = [m["text"] for m in smpp_server.messages()]
    assert len(texts) == 2 and all(t.startswith("Toml Water: ") for t in texts), texts

    from map_server.portal.outgoing import send_pin
    from map_server.portal.sender import Sender

    portal = SimpleNamespace(sender=Sender(db, settings), settings=settings,
                             config=settings.portal)
    assert send_pin(portal, Channel.SMS, "+358401112233", "4711", "fi")  # type: ignore[arg-type]
    assert smpp_server.wait_for(lambda s: len(s.received) >= 3, 10)
    pin = smpp_server.messages()[-1]["text"]
    assert "Toml Water" in pin and "4711" in pin
