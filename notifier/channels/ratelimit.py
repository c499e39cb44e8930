"""A token bucket that paces sends to a provider's agreed throughput."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """`rate` permits per second on average, at most `burst` at once; None: no limit.

    Waiters reserve their permit before sleeping (the balance may go below zero), so
    several threads sharing one limiter still keep the rate.
    """

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A small burst (1/20 s of traffic) saves sleeping between every single PDU.
        self.burst = burst if burst is not None else max(1.0, (rate or 0) / 20)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one permit, sleeping until it is due; returns the seconds slept."""
        if self.rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
