"""The embedded worker runs the periodic jobs that Celery beat runs in production."""

from datetime import timedelta

import sqlalchemy as sa

from gis_outage.config import Settings
from gis_outage.storage.db import write_transaction
from gis_outage.storage.outages import create_outage
from gis_outage.storage.recipients import insert_deliveries_once
from gis_outage.storage.schema import deliveries, outage_events, utcnow
from notifier.celery_app import make_app
from notifier.providers import build_providers
from notifier.settings import NotifierSettings
from notifier.worker import EmbeddedWorker


def test_old_delivery_logs_are_deleted_by_the_embedded_worker(db_engine, tmp_path):
    outage = create_outage(
        db_engine, service="water", kind="unplanned", starts_at=utcnow(), created_by="test"
    )
    with write_transaction(db_engine) as conn:
        event = conn.execute(
            outage_events.insert().values(
                outage_id=outage, kind="published", created_at=utcnow(), payload={}
            )
        ).inserted_primary_key[0]
    insert_deliveries_once(db_engine, event, [("+358401234567", "sms"), ("+358451112233", "sms")])
    with write_transaction(db_engine) as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.destination == "+358401234567")
            .values(created_at=utcnow() - timedelta(days=400))
        )
    notifier = NotifierSettings()
    worker = EmbeddedWorker(
        db_engine, build_providers(notifier, tmp_path), settings=Settings(data_dir=tmp_path),
        notifier=notifier,
    )
    worker.run_once()
    with db_engine.connect() as conn:
        left = conn.execute(sa.select(deliveries.c.destination)).scalars().all()
    assert left == ["+358451112233"]


def test_celery_beat_schedules_retention_daily():
    schedule = make_app("memory://").conf.beat_schedule
    assert schedule["retention"]["task"] == "notifier.tasks.retention"
    assert schedule["retention"]["schedule"] == 24 * 3600.0


def test_e_mails_point_to_the_portal_opt_out_page_by_default():
    assert NotifierSettings(public_url="https://outages.example.fi/").opt_out_url == (
        "https://outages.example.fi/portal/unsubscribe"
    )
    assert NotifierSettings(unsubscribe_url="https://x.example/stop").opt_out_url == (
        "https://x.example/stop"
    )
    assert NotifierSettings().opt_out_url is None
