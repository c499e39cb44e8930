"""One process's sending of one channel's batches, overlapped.

A batch is claimed, rendered, sent and recorded, and ends by waiting for its last
answers. Sent one after another, the binds would idle at every batch's end while the
next batch is fetched, claimed and rendered. A `SendLine` keeps up to `depth` (2) batches
of a channel open in the process: a batch is claimed and rendered in the caller's thread
and then sent on a thread of its own, and `send` returns once all but `lead` (half) of
its messages have gone to the provider, so the caller claims and renders the next one
while the rest of this one goes out. The next batch then waits for the binds (the SMPP
provider hands a batch's messages to its binds only after the batch before it has
handed all of its own, `notifier/smpp_provider.py`), and each bind takes the next
message whenever its window and rate have room.

What is promised per batch stays so across the two:

- in doubt: the batches of a line share one `Doubt` (`notifier/recorder.py`), so the
  process's sender of a channel never has more than one window per bind in doubt;
- leases: a batch is claimed only while at most one other is open, so a claim lives at
  most for the rest of the batch before it and its own sending; an SMS batch on a paced
  account is what it sends in a quarter of a delivery lease
  (`NotifySettings.batch_for`), so the two together take half a lease;
- each batch's rows are claimed once and recorded once, as before.

The embedded worker's channel threads (`notifier/worker.py`) and each Celery process's
`send_batch` task (`notifier/tasks.py`) send through a line.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from gis_outage.services.notification import SendStats
from gis_outage.storage.db import while_database_away

from .pipeline import Batch
from .recorder import Doubt

log = logging.getLogger(__name__)

DEPTH = 2  # batches of a channel open in one process at once
LEAD = 0.5  # the share of a batch still to hand over when the next may be claimed

# finish(batch, doubt, handed): send and record the batch, then close its event when it
# was the last; `handed(n)` is to be told as its messages go to a provider (what
# `pipeline.send_claimed` does with them).
Finish = Callable[[Batch, Doubt, Callable[[int], None]], Any]


class SendLine:
    """Up to `depth` batches of one channel open in this process, the next claimed while
    the last `lead` of the one before goes out."""

    def __init__(self, limit: int | None, *, depth: int = DEPTH, lead: float = LEAD,
                 name: str = "send") -> None:  # fmt: skip
        if depth < 1 or not 0 <= lead <= 1:
            raise ValueError("depth >= 1 and 0 <= lead <= 1")
        self.doubt = Doubt(limit)
        self.depth, self.lead, self.name = depth, lead, name
        self._slots = threading.Semaphore(depth)
        self._open: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._count = 0
        self.peak = 0  # the most batches open at once (reports, tests)

    def send(self, claim: Callable[[], Batch | SendStats], finish: Finish) -> SendStats | None:
        """Claim a batch in this thread (once fewer than `depth` are open), send it on a
        thread of its own with `finish`, and return None once all but `lead` of its
        messages have gone to a provider (or it is done). What `claim` raises is raised
        here, and nothing was sent; when there was nothing to claim, `claim`'s figures
        are returned and no thread is started."""
        self._slots.acquire()
        try:
            batch = claim()
        except BaseException:
            self._slots.release()
            raise
        if isinstance(batch, SendStats):
            self._slots.release()
            return batch
        handed_over = threading.Event()
        wanted = max(1, math.ceil(len(batch.outgoing) * (1 - self.lead)))

        def handed(count: int) -> None:
            if count >= wanted:
                handed_over.set()

        def run() -> None:
            try:
                finish(batch, self.doubt, handed)
            except Exception:
                # Its rows stay claimed and go again after their lease; the traceback is
                # kept (destinations redacted).
                log.exception(
                    "sending a %s batch of event %s failed", batch.channel, batch.event_id
                )
            finally:
                handed_over.set()
                with self._lock:
                    self._open.discard(threading.current_thread())
                self._slots.release()

        with self._lock:
            self._count += 1
            thread = threading.Thread(target=run, name=f"{self.name}-{self._count}", daemon=True)
            self._open.add(thread)
            self.peak = max(self.peak, len(self._open))
        thread.start()
        handed_over.wait()
        return None

    @property
    def open(self) -> int:
        """Batches claimed and not yet done."""
        with self._lock:
            return len(self._open)

    def drain(self, timeout: float) -> bool:
        """Wait until every open batch is done (at most `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._open)
            if not threads:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            threads[0].join(left)


def until_database(work: Callable[..., Any], *args: Any, stopping: threading.Event,
                   what: str = "a batch", **kwargs: Any) -> Any:  # fmt: skip
    """Run `work` while the database is away (a restart), as `while_database_away` tries
    again: the batch keeps its place instead of waiting for the event's next look. Gives
    up (raises) once `stopping` is set."""

    def away(exc: BaseException, tries: int) -> None:
        if tries == 1:  # the class name only: parameters hold destinations
            log.warning("database unavailable (%s): %s waits", exc.__class__.__name__, what)

    return while_database_away(
        functools.partial(work, *args, **kwargs),
        give_up=stopping.is_set, wait=stopping.wait, on_away=away,
    )
