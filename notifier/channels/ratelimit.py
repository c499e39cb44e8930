"""Token buckets that pace sends to a provider's agreed throughput.

`RateLimiter` is one bucket in this process: a bind's own rate, and a provider
account's rate under the embedded worker. `RedisRateLimiter` is one bucket in Redis,
shared by every process that names the same key: a provider account's rate when
several Celery worker processes send through it at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Limiter(Protocol):
    rate: float | None
    burst: float

    def acquire(self) -> float: ...

    def hold(self, seconds: float) -> None: ...


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

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * (self.rate or 0))
        self._last = now

    def acquire(self) -> float:
        """Take one permit, sleeping until it is due; returns the seconds slept."""
        if self.rate is None:
            return 0.0
        with self._lock:
            self._refill()
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold(self, seconds: float) -> None:
        """No permit for the next `seconds` (the provider said: slow down)."""
        if self.rate is None:
            return
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0) - seconds * self.rate


# KEYS[1]: the bucket (a hash: tokens, at). ARGV: rate, burst, permits to take (a
# negative count holds the bucket: that many seconds' worth are taken). Returns the
# microseconds the caller waits for its permits. The clock is Redis's own, so the
# processes that share a bucket need not agree on the time.
_TAKE = """
local rate, burst, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
if take < 0 then
  tokens = math.min(tokens, 0) + take * rate
else
  tokens = tokens - take
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 60000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens / rate * 1000000)
"""


class RedisRateLimiter:
    """The same bucket as `RateLimiter`, kept in Redis under `key` and taken from by an
    atomic script, so every process (Celery's prefork children, several hosts) that
    sends through one provider account shares its rate.

    When Redis cannot be reached, the process falls back to its own bucket at the
    full rate and says so in the log once: sends go on, at the risk of throttling
    errors, which the SMPP client backs off and retries.
    """

    def __init__(
        self, client: Any, key: str, rate: float, burst: float | None = None,
        *, sleep: Callable[[float], None] = time.sleep, batch: int = 1,
    ) -> None:  # fmt: skip
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 20)
        self.key = key
        # Permits taken from Redis at once and handed out here: one round trip per
        # `batch` sends, not per send, which a busy host pays for in stalls.
        self.batch = max(1, batch)
        self._script = client.register_script(_TAKE)
        self._sleep = sleep
        self._fallback = RateLimiter(rate, self.burst)
        self._warned = False
        self._lock = threading.Lock()
        self._held = 0  # permits taken and not yet handed out
        self._due = 0.0  # when they are due (time.monotonic)

    def _take(self, permits: float) -> float:
        try:
            micros = self._script(keys=[self.key], args=[self.rate, self.burst, permits])
        except Exception as exc:  # redis.RedisError and socket errors alike
            if not self._warned:
                log.warning(
                    "rate limit store unreachable (%s); pacing this process alone",
                    exc.__class__.__name__,
                )
                self._warned = True
            for _permit in range(int(permits)):
                self._fallback.acquire()  # sleeps here when its permit is not due yet
            return 0.0
        return int(micros) / 1_000_000

    def acquire(self) -> float:
        if self.batch == 1:
            wait = self._take(1)
        else:
            with self._lock:
                if self._held == 0:
                    self._due = time.monotonic() + self._take(self.batch)
                    self._held = self.batch
                self._held -= 1
                wait = self._due - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        return max(0.0, wait)

    def hold(self, seconds: float) -> None:
        if seconds > 0:
            self._take(-seconds)


def shared_limiter(
    url: str, key: str, rate: float, burst: float | None = None, batch: int = 1
) -> Limiter:
    """A `RedisRateLimiter` on the Redis server at `url`."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return RedisRateLimiter(client, key, rate, burst, batch=batch)
