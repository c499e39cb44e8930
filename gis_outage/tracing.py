"""Trace engines for the stored networks, rebuilt only when a new version is imported."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from .network import Network, build_network
from .storage.errors import NotFound
from .storage.networks import current_network_version, load_network_layers
from .trace import TraceEngine


@dataclass(frozen=True)
class LoadedNetwork:
    version: int
    network: Network
    engine: TraceEngine


class TraceEngines:
    """One engine per service; a cheap version check per use keeps it current."""

    def __init__(self, db: Engine, snap_tolerance_m: float | None = None):
        self._db = db
        # For versions stored without their tolerance (imported before it was kept).
        self._snap_tolerance_m = snap_tolerance_m
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
        return int(row["id"])

    def _load(self, service: str) -> LoadedNetwork:
        # Read the version again after the layers so a concurrent import can't mislabel them.
        while True:
            row = current_network_version(self._db, service)
            if row is None:
                raise NotFound(f"no {service} network has been imported")
            layers = load_network_layers(self._db, service)
            if layers is not None and self._version(service) == row["id"]:
                # The version's own tolerance: server and import build the same topology.
                tolerance = row.get("snap_tolerance_m") or self._snap_tolerance_m
                network = build_network(layers, snap_tolerance_m=tolerance)
                return LoadedNetwork(int(row["id"]), network, TraceEngine(network))
