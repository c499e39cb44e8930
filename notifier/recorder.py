"""Writing send outcomes while sending goes on, and keeping what is in doubt small.

A message is *in doubt* from the moment it is handed to a provider until its outcome is
written: killed in that moment, the worker leaves a delivery that the provider may have
accepted and that is sent again after its lease. The recorder bounds it: at most `limit`
messages (the SMPP window) are handed over and not yet written, because a provider asks
`admit` before each message and waits while that many are out. Outcomes are written on
the recorder's own thread in groups of up to `every` (at most half the limit, so half a
window is being sent while the other half is written).

A database that is away (a restart, a failover) does not lose what was accepted: the
outcomes stay in memory and are written with growing pauses until the database answers
again; in the meantime the window fills and nothing more is submitted. A write refused
for another reason (a wrong statement) is not retried: the batch ends with
`RecordError` and its rows go again after their lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.model import DeliveryStatus, Outcome
from gis_outage.services.notification import SendStats
from gis_outage.storage.db import database_unavailable
from gis_outage.storage.deliveries import SentParts, record_sends
from gis_outage.storage.recipients import Finished

from .channels.base import SendResult

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.1  # the first pause after a failed write; it doubles
RETRY_MAX_SECONDS = 2.0  # the longest pause between two tries


class RecordError(RuntimeError):
    """Send outcomes could not be written; the rows are sent again after their lease."""


Pending = tuple[int, dict[str, Any], SendResult]  # (index in the batch, row, result)


class Recorder:
    """Writes a batch's send outcomes; `admit` holds the sender to `limit` in doubt."""

    def __init__(
        self,
        db: Engine,
        max_attempts: int,
        *,
        limit: int | None = None,
        every: int = 20,
        wait: float = 0.01,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db, self.max_attempts, self.limit, self.wait = db, max_attempts, limit, wait
        self.every = max(1, min(every, limit // 2)) if limit else max(1, every)
        self.sleep = sleep
        self.stats = SendStats()
        self.error: str | None = None
        self.held_back = 0  # write attempts the database was away for (reports, tests)
        self._waiting: list[Pending] = []
        self._out: set[int] = set()  # admitted and not yet written
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="delivery-recorder", daemon=True)
        self._thread.start()

    # -- the sender's side -------------------------------------------------------------

    def admit(self, index: int, block: bool = True) -> bool:
        """Whether message `index` may be handed to a provider: fewer than `limit` are
        out and unwritten. With `block`, waits until so."""
        with self._changed:
            if self.limit is not None:
                if not block and len(self._out) >= self.limit:
                    return False
                self._changed.wait_for(lambda: len(self._out) < self.limit)
            self._out.add(index)
            return True

    def release(self, index: int) -> None:
        """Message `index` left the provider with nothing to write (it goes to the next
        provider, which asks again)."""
        with self._changed:
            self._out.discard(index)
            self._changed.notify_all()

    def add(self, index: int, row: dict[str, Any], result: SendResult) -> None:
        with self._changed:
            self._waiting.append((index, row, result))
            if len(self._waiting) in (1, self.every):  # the first starts the clock
                self._changed.notify_all()

    def close(self) -> SendStats:
        """Wait until every outcome handed over is written (however long the database is
        away), then the batch's figures."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()
        if self.error is not None:
            raise RecordError(f"recording send outcomes failed: {self.error}")
        return self.stats

    # -- the recorder's thread -----------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closing or self._waiting)
                self._changed.wait_for(
                    lambda: self._closing or len(self._waiting) >= self.every, timeout=self.wait
                )
                pending, self._waiting = self._waiting, []
                closing = self._closing
            if pending:
                self._write(pending)
            if closing:
                with self._changed:
                    if not self._waiting:
                        return

    def _write(self, pending: list[Pending]) -> None:
        finished, parts, stats = finished_of(
            [row for _i, row, _r in pending], [r for _i, _row, r in pending], self.max_attempts
        )
        pause = RETRY_FIRST_SECONDS
        while True:
            try:
                record_sends(self.db, finished, parts)
            except Exception as exc:  # the class name only: parameters hold destinations
                if not database_unavailable(exc):
                    self.error = exc.__class__.__name__
                    log.error("recording %d send outcomes failed: %s", len(finished), self.error)
                    break
                if not self.held_back:
                    log.warning(
                        "database unavailable (%s): %d send outcomes held, nothing "
                        "more is sent until they are recorded",
                        exc.__class__.__name__,
                        len(finished),
                    )
                self.held_back += 1
                self.sleep(pause)
                pause = min(pause * 2, RETRY_MAX_SECONDS)
                continue
            self.stats.add(stats)
            if pause > RETRY_FIRST_SECONDS:
                log.warning("database back: %d held send outcomes recorded", len(finished))
            break
        with self._changed:
            self._out.difference_update(i for i, _row, _r in pending)
            self._changed.notify_all()


def finished_of(
    rows: list[dict[str, Any]], results: list[SendResult], max_attempts: int
) -> tuple[list[Finished], list[SentParts], SendStats]:
    """What each send outcome makes of its delivery row."""
    stats = SendStats()
    out = []
    parts = []
    for row, result in zip(rows, results, strict=True):
        if result.outcome is Outcome.ACCEPTED:
            status = DeliveryStatus.SENT
            stats.sent += 1
            if len(result.part_ids) > 1:  # receipts come per part
                parts.append(SentParts(row["id"], result.provider, result.part_ids))
        elif result.outcome is Outcome.PERMANENT_FAILURE:
            status = DeliveryStatus.PERMANENT_FAILURE
            stats.failed += 1
        elif row["attempts"] >= max_attempts:
            status = DeliveryStatus.TECHNICAL_FAILURE  # out of retries
            stats.failed += 1
        else:
            status = DeliveryStatus.TEMPORARY_FAILURE
            stats.retrying += 1
        out.append(Finished(row["id"], status.value, result.provider, result.provider_message_id))
    return out, parts, stats
