"""The embedded default's work queue: a thread that drains the outbox in-process.

It claims outbox rows (a lease, so a second worker or a restarted one takes over rows
a dead worker held), runs the pipeline for each event and marks the row processed
once every delivery is final, or gives it back to be looked at again when retries,
quiet hours or a held message are due. Also writes the day-before reminders.

Run standalone with `python -m notifier.worker` (settings from the environment).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings, get_settings
from gis_outage.logs import LEVELS, configure_logging
from gis_outage.portal_cli import retention as delete_expired
from gis_outage.storage.errors import NotFound
from gis_outage.storage.outbox import NOTIFY_TASK, claim_outbox, mark_processed, release_outbox
from gis_outage.storage.schema import utcnow

from .channels.demo import recent_messages
from .pipeline import EventReport, process_event
from .providers import Providers, build_providers
from .receipts import ReceiptSink, opt_out_handler
from .reminders import schedule_reminders
from .render import RenderConfig
from .settings import NotifierSettings, get_notifier_settings

log = logging.getLogger(__name__)

REMINDER_EVERY = 60.0  # seconds
RETENTION_EVERY = 24 * 3600.0


class _Stopping(Exception):
    """Raised between batches to leave an event when the worker is asked to stop."""


class EmbeddedWorker:
    def __init__(
        self,
        db: Engine,
        providers: Providers,
        *,
        settings: Settings | None = None,
        notifier: NotifierSettings | None = None,
        receipts: ReceiptSink | None = None,
        reminders: bool = True,
        name: str = "notifier-worker",
    ) -> None:
        self.db = db
        self.providers = providers
        self.settings = settings or get_settings()
        self.notifier = notifier or get_notifier_settings()
        self.render_config = RenderConfig.from_settings(self.settings)
        self.receipts = receipts
        self.reminders = reminders
        self.name = name
        self.reports: list[EventReport] = []  # the most recent ones, for the demo and tests
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reminders = 0.0
        self._last_retention = float("-inf")

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> EmbeddedWorker:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.providers.close()

    def wake(self) -> None:
        """Look at the outbox now (e.g. right after a publish) instead of at the next poll."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        log.info("%s started", self.name)
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:  # the database may be away for a moment
                log.error("%s: outbox round failed: %s", self.name, exc.__class__.__name__)
                busy = 0
            if not busy:
                self._wake.wait(self.notifier.poll_seconds)
                self._wake.clear()
        log.info("%s stopped", self.name)

    # -- work --------------------------------------------------------------------------

    def run_once(self, limit: int = 10) -> int:
        """One round: reminders when due, then up to `limit` outbox rows; returns rows done."""
        if self.receipts is not None:
            self.receipts.retry()
        if self.reminders and time.monotonic() - self._last_reminders > REMINDER_EVERY:
            self._last_reminders = time.monotonic()
            schedule_reminders(
                self.db,
                timezone=self.settings.timezone,
                reminder_hour=self.notifier.reminder_hour,
            )
        if self.reminders and time.monotonic() - self._last_retention > RETENTION_EVERY:
            self._last_retention = time.monotonic()
            delete_expired(engine=self.db)
        lease = timedelta(seconds=self.notifier.outbox_lease_seconds)
        rows = claim_outbox(self.db, limit, lease=lease)
        for row in rows:
            if self._stop.is_set():
                release_outbox(self.db, row["id"])
                continue
            self.handle(row)
        return len(rows)

    def handle(self, row: dict[str, Any]) -> EventReport | None:
        if row["task"] != NOTIFY_TASK:
            log.warning("%s: outbox row %s has unknown task; skipped", self.name, row["id"])
            mark_processed(self.db, row["id"])
            return None
        try:
            report = process_event(
                self.db,
                row["event_id"],
                self.providers,
                settings=self.settings,
                notifier=self.notifier,
                render_config=self.render_config,
                on_batch_done=self._between_batches,
            )
        except _Stopping:
            with contextlib.suppress(NotFound):
                release_outbox(self.db, row["id"])
            return None
        except Exception as exc:
            # Class name only: database errors quote their parameters (destinations).
            log.error(
                "%s: event %s failed: %s", self.name, row["event_id"], exc.__class__.__name__,
                extra={"event_id": row["event_id"], "error": exc.__class__.__name__},
            )
            retry = self.notifier.backoff(int(row["attempts"]))
            with contextlib.suppress(NotFound):
                release_outbox(self.db, row["id"], retry_at=utcnow() + retry)
            return None
        self.reports = (self.reports + [report])[-100:]
        if report.done:
            mark_processed(self.db, row["id"])
        else:
            # Another worker that took the event over may have finished it meanwhile.
            with contextlib.suppress(NotFound):
                release_outbox(self.db, row["id"], retry_at=report.retry_at)
        return report

    def recent_messages(self, limit: int = 50) -> list[dict[str, Any]]:
        """What the demo provider kept (newest first): for the demo page."""
        return recent_messages(limit, self.settings.data_dir)

    def _between_batches(self) -> None:
        if self.receipts is not None:
            self.receipts.retry()
        if self._stop.is_set():
            raise _Stopping


def start_embedded_worker(
    settings: Settings,
    db: Engine,
    *,
    notifier: NotifierSettings | None = None,
    providers: Providers | None = None,
) -> EmbeddedWorker:
    """Build the providers from the settings and start the worker thread."""
    notifier = (notifier or get_notifier_settings()).under(getattr(settings, "public_url", None))
    receipts = ReceiptSink(db)
    if providers is None:
        providers = build_providers(
            notifier,
            settings.data_dir,
            on_receipt=receipts,
            on_inbound=opt_out_handler(db, settings.default_region),
        )
    worker = EmbeddedWorker(db, providers, settings=settings, notifier=notifier, receipts=receipts)
    return worker.start()


def main(argv: list[str] | None = None, *, install_signals: bool = True) -> int:
    parser = argparse.ArgumentParser(description="Run the notifier's outbox worker.")
    parser.add_argument("--log-level", type=str.upper, choices=LEVELS,
                        help="default: GIS_OUTAGE_LOG_LEVEL")
    args = parser.parse_args(argv)
    configure_logging(level=args.log_level)
    from gis_outage.storage.db import make_engine

    settings = get_settings()
    db = make_engine(settings.effective_database_url)
    worker = start_embedded_worker(settings, db)
    stop = threading.Event()
    if install_signals:
        handler: Callable[..., None] = lambda *_: stop.set()  # noqa: E731
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    log.info("notifier worker running")
    while not stop.wait(1.0):
        if not worker.alive:
            return 1
    worker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
