"""The embedded worker runs the periodic jobs that Celery beat runs in production."""

from datetime import timedelta

import sqlalchemy as sa

from gis_outage.config import Settings
from gis_outage.storage.schema import deliveries
from notifier.celery_app import make_app
from notifier.providers import build_providers
from notifier.worker import EmbeddedWorker
from tests.notifier.outage_data import deliveries_with_one_old


def test_old_delivery_logs_are_deleted_by_the_embedded_worker(db_engine, tmp_path):
    deliveries_with_one_old(db_engine, "+358401234567", "+358451112233", timedelta(days=400))
    settings = Settings(data_dir=tmp_path)
    worker = EmbeddedWorker(db_engine, settings, build_providers(settings))
    worker.run_once()
    with db_engine.connect() as conn:
        left = conn.execute(sa.select(deliveries.c.destination)).scalars().all()
    assert left == ["+358451112233"]


def test_celery_beat_schedules_retention_daily():
    schedule = make_app("memory://").conf.beat_schedule
    assert schedule["retention"]["task"] == "notifier.tasks.retention"
    assert schedule["retention"]["schedule"] == 24 * 3600.0


def test_e_mails_point_to_the_portal_opt_out_page_by_default():
    assert Settings(public_url="https://outages.example.fi/").opt_out_url == (
        "https://outages.example.fi/portal/unsubscribe"
    )
    stop = Settings(notify={"unsubscribe_url": "https://x.example/stop"})
    assert stop.opt_out_url == "https://x.example/stop"
