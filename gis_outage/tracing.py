"""Trace engines for the stored networks, rebuilt only when a new version is imported.

With a cache directory (`network.trace_cache_dir`, by default `trace-cache` in the data
dir) each version's engine is built once per host: the first process that needs it
builds the arrays and writes them to one file (trace_store.py); every process then maps
that file, so the web and worker processes of a host share one copy of the pages. A
file that cannot be read (truncated, corrupted, of an older format) is rebuilt with a
warning in the log. Without a cache directory each process builds its own in memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from .network import Network, build_network
from .storage.errors import NotFound
from .storage.networks import NetworkVersion, current_network_version, load_network_layers
from .trace import TraceEngine
from .trace_build import build_arrays
from .trace_store import FORMAT, StoreError, read_arrays, write_arrays

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedNetwork:
    version: int
    engine: TraceEngine
    # The network with its layers, read from storage when first needed (drawn-area
    # traces); traces by link, device and address need only the engine.
    load_network: Callable[[], Network] = field(repr=False, compare=False)

    @cached_property
    def network(self) -> Network:
        return self.load_network()


class TraceEngines:
    """One engine per service; a cheap version check per use keeps it current."""

    def __init__(
        self, db: Engine, snap_tolerance_m: float | None = None, cache_dir: Path | None = None
    ):
        self._db = db
        # For versions stored without their tolerance (imported before it was kept).
        self._snap_tolerance_m = snap_tolerance_m
        self._cache_dir = cache_dir
        self._loaded: dict[str, LoadedNetwork] = {}
        self._lock = threading.Lock()

    def get(self, service: str) -> LoadedNetwork:
        version = self._version(service)
        loaded = self._loaded.get(service)
        if loaded is not None and loaded.version == version:
            return loaded
        with self._lock:
            loaded = self._loaded.get(service)
            if loaded is None or loaded.version != version:
                loaded = self._load(service)
                self._loaded[service] = loaded
        return loaded

    def _version(self, service: str) -> int:
        row = current_network_version(self._db, service)
        if row is None:
            raise NotFound(f"no {service} network has been imported")
        return int(row.id)

    def _load(self, service: str) -> LoadedNetwork:
        while True:
            try:
                return self._load_current(service)
            except VersionChanged:
                continue  # a new version was imported meanwhile: load that one

    def _load_current(self, service: str) -> LoadedNetwork:
        row = current_network_version(self._db, service)
        if row is None:
            raise NotFound(f"no {service} network has been imported")
        # The version's own tolerance: server and import build the same topology.
        tolerance = row.snap_tolerance_m or self._snap_tolerance_m
        version = int(row.id)
        path = self._path(service, row, tolerance)
        if path is not None:
            try:
                arrays, meta = read_arrays(path)
            except StoreError as exc:
                if path.exists():
                    log.warning("rebuilding the trace engine file: %s", exc)
            else:
                engine = TraceEngine.from_arrays(arrays, meta)
                return LoadedNetwork(version, engine, self._network_loader(service, version))
        if path is None:
            return self._in_memory(service, version, tolerance)
        arrays, meta = build_arrays(self._build(service, version, tolerance))
        try:
            write_arrays(path, arrays, meta)
            arrays, meta = read_arrays(path)
        except (OSError, StoreError) as exc:
            log.warning("trace engine kept in this process only: %s", exc)
        engine = TraceEngine.from_arrays(arrays, meta)
        return LoadedNetwork(version, engine, self._network_loader(service, version))

    def _in_memory(self, service: str, version: int, tolerance: float | None) -> LoadedNetwork:
        network = self._build(service, version, tolerance)
        return LoadedNetwork(version, TraceEngine(network), lambda: network)

    def _build(self, service: str, version: int, tolerance: float | None) -> Network:
        """The network of this version (NotFound when another has become current)."""
        # Read the version again after the layers so a concurrent import can't mislabel them.
        layers = load_network_layers(self._db, service)
        if layers is None or self._version(service) != version:
            raise VersionChanged(f"the {service} network changed while it was being loaded")
        return build_network(layers, snap_tolerance_m=tolerance)

    def _network_loader(self, service: str, version: int) -> Callable[[], Network]:
        row = current_network_version(self._db, service)
        tolerance = (row.snap_tolerance_m if row else None) or self._snap_tolerance_m
        return lambda: self._build(service, version, tolerance)

    def _path(self, service: str, row: NetworkVersion, tolerance: float | None) -> Path | None:
        """The version's file: the database, the version's row and the tolerance in its name,
        so that two databases on one host never share one."""
        if self._cache_dir is None:
            return None
        key = json.dumps(
            [
                self._db.url.render_as_string(hide_password=True),
                row.id,
                str(row.created_at),
                row.source_name,
                row.counts,
                tolerance,
            ],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return self._cache_dir / f"{service}-{row.id}-{digest}.f{FORMAT}.trace"


class VersionChanged(NotFound):
    """Another version became current while this one was being loaded."""
