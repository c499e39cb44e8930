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

A process that sends a channel's batches overlapped (`notifier/sendline.py`) gives their
recorders one `Doubt`: the limit holds for the process's sender of that channel, not per
batch, so two batches at once leave no more in doubt than one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy.engine import Engine

from gis_outage.model import DeliveryStatus, Outcome
from gis_outage.services.notification import SendStats
from gis_outage.storage.claims import Finished
from gis_outage.storage.db import while_database_away
from gis_outage.storage.deliveries import SentParts, record_sends
from gis_outage.storage.delivery_records import PendingDelivery

from .channels.base import SendResult

log = logging.getLogger(__name__)


class RecordError(RuntimeError):
    """Send outcomes could not be written; the rows are sent again after their lease."""


Pending = tuple[int, PendingDelivery, SendResult]  # (index in the batch, row, result)


class Doubt:
    """Places for messages in doubt (handed to a provider, outcome not yet written),
    shared by the batches one sender has open at once; `limit` None: no limit."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.out = 0
        self._changed = threading.Condition()

    def take(self, block: bool) -> bool:
        """A place, waiting for one with `block`; False when none is free without it."""
        with self._changed:
            if self.limit is not None:
                if not block and self.out >= self.limit:
                    return False
                self._changed.wait_for(lambda: self.out < self.limit)
            self.out += 1
            return True

    def give(self, count: int = 1) -> None:
        if count:
            with self._changed:
                self.out -= count
                self._changed.notify_all()


class Recorder:
    """Writes a batch's send outcomes; `admit` holds the sender to `limit` in doubt (or
    to the places of a `doubt` it shares with the sender's other open batch)."""

    def __init__(
        self,
        db: Engine,
        max_attempts: int,
        *,
        limit: int | None = None,
        every: int = 20,
        wait: float = 0.01,
        sleep: Callable[[float], None] = time.sleep,
        doubt: Doubt | None = None,
    ) -> None:
        self.doubt = doubt if doubt is not None else Doubt(limit)
        limit = self.doubt.limit
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
        if not self.doubt.take(block):
            return False
        with self._changed:
            if index in self._out:  # already holds a place
                self.doubt.give()
            self._out.add(index)
        return True

    def release(self, index: int) -> None:
        """Message `index` left the provider with nothing to write (it goes to the next
        provider, which asks again)."""
        self._free([index])

    def _free(self, indexes: Iterable[int]) -> None:
        with self._changed:
            freed = self._out.intersection(indexes)
            self._out.difference_update(freed)
            self._changed.notify_all()
        self.doubt.give(len(freed))

    def add(self, index: int, row: PendingDelivery, result: SendResult) -> None:
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
        self._free(list(self._out))  # admitted without an outcome: their places go back
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
        held = self.held_back

        def away(exc: BaseException, _tries: int) -> None:
            if not self.held_back:  # the class name only: parameters hold destinations
                log.warning(
                    "database unavailable (%s): %d send outcomes held, nothing "
                    "more is sent until they are recorded",
                    exc.__class__.__name__,
                    len(finished),
                )
            self.held_back += 1

        try:
            while_database_away(lambda: record_sends(self.db, finished, parts),
                                wait=self.sleep, on_away=away)
        except Exception as exc:
            self.error = exc.__class__.__name__
            log.error("recording %d send outcomes failed: %s", len(finished), self.error)
        else:
            self.stats.add(stats)
            if self.held_back > held:
                log.warning("database back: %d held send outcomes recorded", len(finished))
        self._free([i for i, _row, _r in pending])


def finished_of(
    rows: list[PendingDelivery], results: list[SendResult], max_attempts: int
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
                parts.append(SentParts(row.id, result.provider, result.part_ids))
        elif result.outcome is Outcome.PERMANENT_FAILURE:
            status = DeliveryStatus.PERMANENT_FAILURE
            stats.failed += 1
        elif row.attempts >= max_attempts:
            status = DeliveryStatus.TECHNICAL_FAILURE  # out of retries
            stats.failed += 1
        else:
            status = DeliveryStatus.TEMPORARY_FAILURE
            stats.retrying += 1
        out.append(Finished(row.id, status.value, result.provider, result.provider_message_id))
    return out, parts, stats
