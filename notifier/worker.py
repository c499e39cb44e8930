"""The embedded default's work queue: the outbox drained in-process, no broker.

A thread claims outbox rows (a lease, so a second worker or a restarted one takes over
rows a dead worker held) and hands each to the notification service, whose batches go
to one sender thread per channel: a landline call never holds back an SMS or an e-mail.
The same service function runs under Celery with the send-* queues as senders. The
thread also runs the periodic jobs (day-before reminders, retention) on the cadence in
`gis_outage.services.notification.PERIODIC_JOBS`, which Celery beat follows too.

`gis-outage serve` starts it in the web process; `python -m notifier.worker` runs it
alone.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Collection
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine

from gis_outage.config import Settings, get_settings
from gis_outage.logs import LEVELS, configure_logging
from gis_outage.model import Channel
from gis_outage.services.notification import (
    PERIODIC_JOBS,
    EventReport,
    Plan,
    SendStats,
    WorkItem,
    close_if_done,
    handle_outbox_row,
)
from gis_outage.storage.db import database_unavailable
from gis_outage.storage.outbox import claim_outbox, event_outbox_done, release_outbox

from .channels.demo import recent_messages
from .pipeline import Batch, claim_batch, doubt_limit, send_claimed
from .providers import Providers, build_providers
from .receipts import ReceiptSink, opt_out_handler
from .recorder import Doubt
from .render import RenderConfig
from .sendline import SendLine, until_database

log = logging.getLogger(__name__)


class ChannelSenders:
    """One sender thread per channel, each working through its own queue of batches.

    SMS batches go through a `SendLine` (`notifier/sendline.py`): the thread claims and
    renders the next batch while the last half of the one before goes out, so the binds
    do not wait between batches; the binds' windows, their rates and the in-doubt limit
    hold for both.
    """

    fresh_grace: timedelta | None = None  # what is queued here is known exactly

    def __init__(self, db: Engine, settings: Settings, providers: Providers,
                 receipts: ReceiptSink | None = None) -> None:
        self.db, self.settings, self.providers, self.receipts = db, settings, providers, receipts
        self.render_config = RenderConfig.from_settings(settings)
        self._queues: dict[str, queue.Queue[Any]] = {c.value: queue.Queue() for c in Channel}
        self._in_flight: set[int] = set()
        self._busy = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.lines = {
            Channel.SMS.value: SendLine(doubt_limit(settings), name="sender-sms-batch")
        }
        self._threads = [
            threading.Thread(target=self._run, args=(c,), name=f"sender-{c}", daemon=True)
            for c in self._queues
        ]
        for thread in self._threads:
            thread.start()

    def in_flight(self) -> Collection[int]:
        with self._lock:
            return set(self._in_flight)

    def __call__(self, outbox_id: int | None, plan: Plan, channel: str,
                 items: list[WorkItem]) -> None:
        with self._lock:
            new = [i for i in items if i.delivery_id not in self._in_flight]
            self._in_flight.update(i.delivery_id for i in new)
            if new:
                self._busy += 1
        if new:
            self._queues[channel].put((outbox_id, plan, new))

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._busy == 0

    def _run(self, channel: str) -> None:
        jobs = self._queues[channel]
        while (job := jobs.get()) is not None:
            outbox_id, plan, items = job
            handed = False
            try:
                handed = self._send(channel, outbox_id, plan, items)
            except Exception:
                # Its deliveries stay open and are sent again when the event is next
                # looked at; the traceback is kept (destinations redacted).
                log.exception("sending a %s batch of event %s failed", channel, plan.event_id)
            finally:
                if not handed:
                    self._finished(items)

    def _send(self, channel: str, outbox_id: int | None, plan: Plan,
              items: list[WorkItem]) -> bool:
        """Send one batch; True when a batch thread of the channel's line took it (and
        says when it is done)."""
        line = self.lines.get(channel)
        claim = functools.partial(
            until_database, claim_batch, self.db, self.settings, plan.event, plan.decision,
            channel, items, self.providers, render_config=self.render_config,
            stopping=self._stopping,
        )
        close = functools.partial(
            until_database, close_if_done, self.db, self.settings, outbox_id, plan.event_id,
            after=max((i.delivery_id for i in items), default=None), stopping=self._stopping,
        )
        if line is None:
            batch = claim()
            if not isinstance(batch, SendStats):
                send_claimed(self.db, self.settings, batch)
            close()
            return False

        def finish(batch: Batch, doubt: Doubt, handed: Callable[[int], None]) -> None:
            try:
                send_claimed(self.db, self.settings, batch, doubt=doubt, handed=handed)
                close()
            finally:
                self._finished(items)

        if line.send(claim, finish) is None:
            return True
        close()  # nothing left to send: perhaps the event is done
        return False

    def _finished(self, items: list[WorkItem]) -> None:
        with self._lock:
            self._in_flight.difference_update(i.delivery_id for i in items)
            self._busy -= 1
        if self.receipts is not None:
            self.receipts.retry()

    def stop(self, timeout: float) -> None:
        """Drop what waits (its rows stay open for the next start), finish what is sent."""
        self._stopping.set()
        for jobs in self._queues.values():
            with contextlib.suppress(queue.Empty):
                while True:
                    jobs.get_nowait()
                    with self._lock:
                        self._busy -= 1
            jobs.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for line in self.lines.values():
            line.drain(max(0.0, deadline - time.monotonic()))


class EmbeddedWorker:
    def __init__(
        self,
        db: Engine,
        settings: Settings,
        providers: Providers,
        *,
        receipts: ReceiptSink | None = None,
        periodic: bool = True,
        name: str = "notifier-worker",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.settings, self.providers = db, settings, providers
        self.clock = clock  # seconds, for the periodic jobs' cadence
        self.receipts = receipts
        self.periodic = periodic
        self.name = name
        self.senders = ChannelSenders(db, settings, providers, receipts)
        self.reports: list[EventReport] = []  # the most recent ones, for the demo and tests
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_run = {job.name: float("-inf") for job in PERIODIC_JOBS}

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
        self.senders.stop(timeout)
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
            except Exception as exc:
                if database_unavailable(exc):  # away for a moment: one line, no traceback
                    log.warning("%s: database unavailable (%s)", self.name, exc.__class__.__name__)
                else:
                    log.exception("%s: outbox round failed", self.name)
                busy = 0
            if not busy:
                self._wake.wait(self.settings.notify.poll_seconds)
                self._wake.clear()
        log.info("%s stopped", self.name)

    # -- work --------------------------------------------------------------------------

    def run_once(self, limit: int = 10) -> int:
        """One round: periodic jobs when due, then up to `limit` outbox rows; returns rows."""
        if self.receipts is not None:
            self.receipts.retry()
        if self.periodic:
            for job in PERIODIC_JOBS:
                if self.clock() - self._last_run[job.name] >= job.every_seconds:
                    self._last_run[job.name] = self.clock()
                    job.run(self.db, self.settings)
        rows = claim_outbox(self.db, limit, lease=self.settings.notify.outbox_lease)
        for row in rows:
            if self._stop.is_set():
                with contextlib.suppress(Exception):
                    release_outbox(self.db, row.id)
                continue
            report = handle_outbox_row(self.db, self.settings, row, self.senders)
            if report is not None:
                self.reports = (self.reports + [report])[-100:]
        return len(rows)

    def wait_done(self, event_id: int, timeout: float = 60.0) -> bool:
        """Wait until the event's outbox row is processed (every delivery final)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if event_outbox_done(self.db, event_id):
                return True
            self.wake()
            time.sleep(0.05)
        return False

    def recent_messages(self, limit: int = 50) -> list[dict[str, Any]]:
        """What the demo provider kept (newest first): for the demo page."""
        return recent_messages(limit, self.settings.data_dir)


def start_embedded_worker(
    settings: Settings,
    db: Engine,
    *,
    providers: Providers | None = None,
    lock_file: Path | None = None,
) -> EmbeddedWorker | None:
    """Build the providers from the settings and start the worker thread.

    With `lock_file`, only the first process on the box to lock it runs a worker (the
    others return None): several web processes share one set of SMSC binds, and when
    that process dies its lock goes with it and the next one to start takes over.
    """
    if lock_file is not None and not _take_lock(lock_file):
        return None
    receipts = ReceiptSink(
        db, hold_seconds=settings.notify.receipt_hold_seconds, region=settings.default_region,
        window=timedelta(hours=settings.notify.receipt_window_hours),
    )
    if providers is None:
        providers = build_providers(
            settings,
            on_receipt=receipts,
            on_inbound=opt_out_handler(db, settings.default_region),
        )
    return EmbeddedWorker(db, settings, providers, receipts=receipts).start()


_held_locks: list[IO[str]] = []  # kept open for the life of the process


def _take_lock(path: Path) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")  # noqa: SIM115 - held open while the process lives
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held_locks.append(handle)
    return True


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
    assert worker is not None
    stop = threading.Event()
    if install_signals:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("notifier worker running")
    while not stop.wait(1.0):
        if not worker.alive:
            return 1
    worker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
