"""Parts an SMSC throttled, sent again when their back-off is over.

One thread per SMPP bind, started when the first throttled part waits and gone once
none has waited for a while, so a bind that is never throttled has none.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

IDLE_SECONDS = 5.0


class Resubmitter:
    """Calls `resubmit(*item)` for each added item once its delay is over, in due order."""

    def __init__(self, resubmit: Callable[..., None], name: str = "smpp-resubmit") -> None:
        self._resubmit, self._name = resubmit, name
        self._due: list[tuple[float, int, tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, delay: float, *item: Any) -> None:
        with self._changed:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), item))
            self._changed.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def clear(self) -> list[tuple[Any, ...]]:
        """Take every waiting item out (the connection is gone): the caller fails them."""
        with self._changed:
            items, self._due = [entry[2] for entry in self._due], []
            return items

    def __len__(self) -> int:
        with self._changed:
            return len(self._due)

    def _run(self) -> None:
        while True:
            with self._changed:
                idle_since = time.monotonic()
                while True:
                    now = time.monotonic()
                    if self._due and self._due[0][0] <= now:
                        item = heapq.heappop(self._due)[2]
                        break
                    if not self._due and now - idle_since > IDLE_SECONDS:
                        self._thread = None
                        return
                    wait = self._due[0][0] - now if self._due else IDLE_SECONDS
                    self._changed.wait(wait)
            self._resubmit(*item)
