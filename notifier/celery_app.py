"""The production work queue: Celery on the configured broker (Redis or RabbitMQ).

Queues are named by purpose so each can get its own workers and rate:
  resolve     drain the outbox, decide and resolve recipients (a task per slice of a
              large event's addresses), fan out sends, reminders
  send-sms    send-email    send-voice     render and send a batch of deliveries
  receipts    delivery receipts from providers
The outbox in the database stays the source of truth: a lost task only delays a
message (the outbox row comes back when its lease runs out), it never loses one, and
the claim on each delivery row keeps a repeated task from sending twice.

  celery -A notifier.celery_app worker -B -Q resolve,send-sms,send-email,send-voice,receipts
"""

from __future__ import annotations

from typing import Any

from celery import Celery, signals
from celery.utils.log import get_multiprocessing_logger
from kombu import Queue

from gis_outage.config import Settings, get_settings
from gis_outage.logs import configure_logging
from gis_outage.services.notification import PERIODIC_JOBS

PURPOSES = ("resolve", "send-sms", "send-email", "send-voice", "receipts")
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# The task that runs each periodic job; beat runs it at the job's own cadence.
PERIODIC_TASKS = {
    "day-before-reminders": "notifier.tasks.schedule_reminders",
    "retention": "notifier.tasks.retention",
}


def queue_name(purpose: str, settings: Settings | None = None) -> str:
    return f"{(settings or get_settings()).notify.queue_prefix}{purpose}"


def make_app(broker_url: str | None = None, settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    notifier = settings.notify
    broker = broker_url or settings.broker_url or DEFAULT_BROKER
    app = Celery("gis_outage_notifier", broker=broker, include=["notifier.tasks"])
    queues = [Queue(queue_name(p, settings), routing_key=queue_name(p, settings)) for p in PURPOSES]
    resolve = {"queue": queue_name("resolve", settings)}
    app.conf.update(
        task_queues=queues,
        task_default_queue=queue_name("resolve", settings),
        task_routes={
            "notifier.tasks.drain_outbox": resolve,
            "notifier.tasks.resolve_event": resolve,
            "notifier.tasks.resolve_slice": resolve,
            "notifier.tasks.schedule_reminders": resolve,
            "notifier.tasks.retention": resolve,
            "notifier.tasks.record_receipt": {"queue": queue_name("receipts", settings)},
            # send_batch is routed per channel when it is sent (send-sms, …).
        },
        # Arguments are ids and language codes only; JSON keeps them readable.
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A task is acknowledged when done, so a killed worker's task runs again
        # (the delivery claims make running it again harmless). An SMS send_batch is
        # done once half its batch is with the binds; the rest is the process's SMS
        # line's, and a killed process's claims go again after their lease.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone=settings.timezone,
        beat_schedule={
            "drain-outbox": {
                "task": "notifier.tasks.drain_outbox",
                "schedule": notifier.drain_seconds,
                "options": {"expires": max(notifier.drain_seconds * 5, 10.0)},
            },
            **{
                job.name: {
                    "task": PERIODIC_TASKS[job.name],
                    "schedule": job.every_seconds,
                    "options": {"expires": min(job.every_seconds, 3600.0)},
                }
                for job in PERIODIC_JOBS
            },
        },
    )
    return app


@signals.setup_logging.connect
def _setup_logging(loglevel: int | str | None = None, **_kwargs: Any) -> None:
    """Workers and beat log through gis_outage.logs at their --loglevel (a receiver of
    this signal replaces Celery's own set-up, so Celery's loggers reach our handler)."""
    configure_logging(level=loglevel)
    # The pool's logger (billiard's "multiprocessing") keeps its records to itself.
    get_multiprocessing_logger().propagate = True


@signals.celeryd_init.connect
def _early_logging(options: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    # A worker warns (running as root, pickle) before it sets up logging.
    configure_logging(level=(options or {}).get("loglevel"))


app = make_app()
