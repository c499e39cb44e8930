"""The public outages held in memory, re-read only when the outages table changes.

Under a storm the map is fetched thousands of times a minute while outages change a
few times. Every public response is built from one immutable `Snapshot`; a cheap
aggregate query (`storage.outages.public_state`), run at most once per `ttl` seconds,
tells whether the stored outages changed. Its value is the ETag token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.public import PublicOutage, bounds, iso
from gis_outage.storage.addresses import address_bounds
from gis_outage.storage.outages import public_state

# Processes start with this as the earliest Last-Modified: a new release may render
# the same data differently.
STARTED_AT = datetime.now(UTC).replace(microsecond=0)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    token: str
    last_modified: datetime
    outages: tuple[PublicOutage, ...]  # ordered by start time, then id
    # The service area's box (the address register), read only when there are no outages.
    service_area: tuple[float, float, float, float] | None = None
    versions: Mapping[int, int] | None = field(default=None, repr=False, compare=False)
    by_id: dict[int, PublicOutage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {o.id: o for o in self.outages})

    @property
    def by_version(self) -> dict[int, tuple[int, PublicOutage]]:
        """id -> (version, outage): what the next read may keep instead of parsing."""
        versions = self.versions or {}
        return {o.id: (versions[o.id], o) for o in self.outages if o.id in versions}

    def get(self, outage_id: int) -> PublicOutage | None:
        return self.by_id.get(outage_id)

    def bbox(self) -> tuple[float, float, float, float] | None:
        """The WGS84 box of the outages, else of the service area; None: nothing known."""
        return bounds(self.outages) or self.service_area

    def interval(self) -> tuple[str | None, str | None] | None:
        """First start and last end of the outages (None: open-ended); None: no outages."""
        if not self.outages:
            return None
        ends = [o.ends_at for o in self.outages]
        last = None if any(end is None for end in ends) else max(e for e in ends if e)
        return iso(min(o.starts_at for o in self.outages)), iso(last)

    def feature_collection(self) -> dict[str, Any]:
        features = [o.feature() for o in self.outages]
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": len(features),
            "numberReturned": len(features),
            "timeStamp": iso(self.last_modified),
        }


# A snapshot checked longer ago than this many `ttl`s is not answered from: the request
# waits for a re-read (unless one is under way).
STALE_TTLS = 5


class SnapshotCache:
    """The current Snapshot of one database, re-checked at most every `ttl` seconds.

    Requests never wait for that check: `latest()` answers the snapshot in hand and, when
    it is older than `ttl`, starts one background thread that re-reads it; the next
    requests get the new one once that thread is done. Only the first snapshot of a
    process, and the first one after `invalidate()` (this process changed an outage),
    is waited for (`current()`), by the request that reads it, and so is a snapshot not
    checked for STALE_TTLS × `ttl` (a process that had no requests for a while)."""

    def __init__(
        self, engine: Engine, ttl: float = 1.0, ended_visible: timedelta = timedelta(0)
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.ended_visible = ended_visible  # resolved/cancelled outages stay this long
        self._lock = threading.Lock()  # held while the database is read
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")
        self._wanted = 0  # raised by invalidate(): the next reader waits for a re-read
        self._done = 0  # the `_wanted` the last completed read started under
        self._refreshing = False  # a background re-read is under way

    def fresh(self) -> Snapshot | None:
        """The snapshot if it was checked within `ttl`, without touching the database."""
        if self._done == self._wanted and time.monotonic() - self._checked_at < self.ttl:
            return self._snapshot
        return None

    def latest(self) -> Snapshot | None:
        """The snapshot in hand, at once, never touching the database on this thread.

        When it is older than `ttl`, a background thread re-reads it (one at a time).
        None: there is none yet, this process invalidated it, or `ttl` is 0 (every
        request re-checks); call `current()` (blocking; off the event loop)."""
        snapshot = self._snapshot
        if snapshot is None or self._done != self._wanted or self.ttl <= 0:
            return None
        age = time.monotonic() - self._checked_at
        if age >= STALE_TTLS * self.ttl and not self._refreshing:
            # Not checked for a while (a web worker that had no requests): the outages
            # may have changed long ago in another process, so this request waits for
            # one query rather than answer, and have a proxy cache, an old map.
            return None
        if age >= self.ttl and not self._refreshing:
            self._refreshing = True
            refresh = threading.Thread(target=self._background, name="snapshot", daemon=True)
            try:
                refresh.start()
            except RuntimeError:  # no thread to be had: the next request tries again
                self._refreshing = False
                log.warning("the outage snapshot's re-read could not start", exc_info=True)
        return snapshot

    def get(self) -> Snapshot:
        """What a request answers from: `latest()`, else (the first snapshot, or after
        an invalidate) `current()`, which blocks: call it off the event loop."""
        return self.latest() or self.current()

    def current(self) -> Snapshot:
        """The up-to-date snapshot (blocking: runs a query when the last check is old).

        While another thread runs that query, the snapshot it replaces is answered at
        once: under a storm the database may take a while to answer, and every request
        of that while would otherwise wait for it (the first snapshot is waited for)."""
        snapshot = self.fresh()
        if snapshot is not None:
            return snapshot
        if not self._lock.acquire(blocking=False):
            if self._snapshot is not None:
                return self._snapshot  # at most `ttl` + one query old
            self._lock.acquire()
        try:
            snapshot = self.fresh()  # another thread may have refreshed meanwhile
            if snapshot is not None:
                return snapshot
            return self._read()
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        """Re-check on the next request; call after a write for an at-once update."""
        self._wanted += 1
        self._checked_at = float("-inf")

    def _background(self) -> None:
        try:
            self.current()
        except Exception:  # the database is away: requests keep the snapshot in hand
            log.warning("the outage snapshot could not be re-read", exc_info=True)
            self._checked_at = time.monotonic()  # try again after `ttl`
        finally:
            self._refreshing = False

    def _read(self) -> Snapshot:
        """Re-read the state (the caller holds the lock); unchanged rows are kept."""
        wanted = self._wanted
        previous = self._snapshot
        known = previous.token if previous is not None else None
        since = datetime.now(UTC) - self.ended_visible if self.ended_visible else None
        kept = previous.by_version if previous is not None else None
        state = public_state(self.engine, known, ended_since=since, known=kept)
        if state.outages is not None or previous is None:
            newest = max(state.newest or STARTED_AT, STARTED_AT)
            outages = state.outages or ()
            area = None if outages else address_bounds(self.engine)
            self._snapshot = Snapshot(state.token, newest, outages, area, state.versions)
        self._checked_at = time.monotonic()
        self._done = wanted
        return self._snapshot


# pygeoapi builds its provider from configuration alone, so it finds the cache by key.
_REGISTRY: dict[str, SnapshotCache] = {}


def register(key: str, cache: SnapshotCache) -> None:
    _REGISTRY[key] = cache


def lookup(key: str) -> SnapshotCache:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"no outage snapshot registered as {key!r}") from None
