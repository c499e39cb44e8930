"""Break-trace benchmark: the trace engine against networkx and pgRouting, same run.

For each network size this generates a synthetic city network
(`gis_outage.synthetic.city_network`), times the engine's load
(`build_network` + `TraceEngine`) and its memory, then traces the same seeded
random pipe breaks three ways:

* ours: `TraceEngine.break_trace`;
* networkx: the plain per-trace search a networkx user writes: walk out from
  the faulty link to the nearest operable valves (crossing inoperable ones),
  take that segment out of the graph, and search from the sources for what is
  still reached;
* pgRouting: the links in a PostGIS table (loaded with COPY); per trace,
  `pgr_drivingDistance` from the faulty link on the edges cut at stopping
  valves finds the isolated segment, a join finds the valves to close, and
  `pgr_connectedComponents` on the edges minus the segment finds what no
  longer reaches a source.

Every answer of a peer is compared with ours (valves to operate, isolated
links, affected links, affected service points, customers); a mismatch is
printed. The peers are slow per trace at large sizes, so they trace the first
breaks of the same sequence (the sample size is printed).

    python -m bench.trace                      # 100k and 1M links, 1,000 traces
    python -m bench.trace --quick              # 20k links, 200 traces (CI smoke)
    python -m bench.trace --links 100k,1M --traces 1000 --json results.json

Each size runs in a fresh process, so its memory figures are its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import re
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:
    # Run as a file: import from the repository root rather than from bench/
    # (where this module would shadow the standard library's `trace`).
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

MIB = 1024 * 1024
P99_TARGET_MS = 10.0  # at 1M links
P99_TARGET_LINKS = 1_000_000
PGR_SPEEDUP_TARGET = 50.0
DEFAULT_DSN = "host=127.0.0.1 port=5432 user=postgres"
BENCH_DB = f"gis_outage_bench_{os.getpid()}"


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """What a break trace answers; lists are sorted ids."""

    devices_to_operate: list[str]
    isolated_links: list[str]
    affected_links: list[str]
    affected_service_points: list[str]
    customers: int

    @classmethod
    def of(cls, result: Any) -> Answer:
        return cls(
            devices_to_operate=list(result.devices_to_operate),
            isolated_links=list(result.isolated_links),
            affected_links=list(result.affected_links),
            affected_service_points=list(result.affected_service_points),
            customers=int(result.customers),
        )


def differences(ours: Answer, theirs: Answer, name: str) -> list[str]:
    """One line per field on which two answers differ."""
    lines = []
    for f in fields(Answer):
        a, b = getattr(ours, f.name), getattr(theirs, f.name)
        if a == b:
            continue
        if isinstance(a, int):
            lines.append(f"{f.name}: ours {a}, {name} {b}")
            continue
        only_ours, only_theirs = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        lines.append(
            f"{f.name}: ours {len(a)}, {name} {len(b)}; only ours {len(only_ours)} "
            f"{only_ours[:5]}, only {name} {len(only_theirs)} {only_theirs[:5]}"
        )
    return lines


# --------------------------------------------------------------------------- memory


def _status_kib(field_name: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def rss() -> int:
    """Resident set size of this process, bytes (0 where /proc is missing)."""
    gc.collect()
    return _status_kib("VmRSS") * 1024


def traced_load(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, float]:
    """Memory of the load, by tracemalloc: held by the network and engine, and the peak."""
    from gis_outage.network import build_network
    from gis_outage.trace import TraceEngine

    gc.collect()
    tracemalloc.start()
    try:
        net = build_network(layers)
        network_held = tracemalloc.get_traced_memory()[0]
        engine = TraceEngine(net)
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del engine, net
    return {"network_mib": network_held / MIB, "held_mib": held / MIB, "peak_mib": peak / MIB}


# --------------------------------------------------------------------------- shared input


@dataclass
class Topology:
    """The interchange layers as integer arrays, read here without gis_outage.network.

    Link ends are numbered 2*link (from end) and 2*link + 1 (to end). The peers
    model devices on a link end (link_id with node_id, or link_id alone: the end
    nearest the device); devices at a node alone are not modelled.
    """

    link_ids: np.ndarray
    n_nodes: int
    link_from: np.ndarray
    link_to: np.ndarray
    device_ids: np.ndarray
    end_blocked: np.ndarray  # a device here does not pass supply normally
    end_operate: np.ndarray  # first operable passing device here, or -1
    source_nodes: np.ndarray
    sp_ids: np.ndarray
    sp_link: np.ndarray
    sp_customers: np.ndarray

    @property
    def end_stops(self) -> np.ndarray:
        """Ends where a break trace stops: already blocked, or a device to operate."""
        return self.end_blocked | (self.end_operate >= 0)

    @classmethod
    def from_layers(cls, layers: dict[str, gpd.GeoDataFrame]) -> Topology:
        links = layers["links"]
        n_links = len(links)
        ends = pd.concat([links["from_node"], links["to_node"]], ignore_index=True)
        codes, uniques = pd.factorize(ends)
        nodes = pd.Index(uniques)
        link_from, link_to = codes[:n_links].astype(np.int64), codes[n_links:].astype(np.int64)
        link_index = pd.Index(links["id"])

        devices = layers.get("devices")
        end_blocked = np.zeros(2 * n_links, dtype=bool)
        end_operate = np.full(2 * n_links, -1, dtype=np.int64)
        device_ids = np.empty(0, dtype=object)
        if devices is not None and len(devices):
            device_ids = devices["id"].to_numpy(dtype=object)
            link = link_index.get_indexer(devices["link_id"])
            if (link < 0).any():
                raise ValueError("the peers model devices on links only (link_id missing/unknown)")
            node = nodes.get_indexer(devices["node_id"]) if "node_id" in devices else -link - 1
            no_node = node < 0
            if no_node.any():  # link_id alone: the end nearest the device's point
                xy = shapely.get_coordinates(devices.geometry.to_numpy()[no_node])
                geoms = links.geometry.to_numpy()[link[no_node]]
                a = shapely.get_coordinates(shapely.get_point(geoms, 0))
                b = shapely.get_coordinates(shapely.get_point(geoms, -1))
                nearer_a = np.hypot(*(a - xy).T) <= np.hypot(*(b - xy).T)
                node[no_node] = np.where(nearer_a, link_from[link[no_node]], link_to[link[no_node]])
            at_to = node == link_to[link]
            if not (at_to | (node == link_from[link])).all():
                raise ValueError("a device's node_id is not an end of its link")
            end = 2 * link + at_to
            passes = devices["normally_passes"].to_numpy(dtype=bool)
            operable = devices["operable"].to_numpy(dtype=bool)
            np.logical_or.at(end_blocked, end, ~passes)
            candidates = np.flatnonzero(passes & operable)
            first = np.full(2 * n_links, len(devices), dtype=np.int64)
            np.minimum.at(first, end[candidates], candidates)
            end_operate = np.where(first < len(devices), first, -1)
            end_operate[end_blocked] = -1

        sources = layers["sources"]
        source_nodes = nodes.get_indexer(sources["node_id"])
        if (source_nodes < 0).any():
            raise ValueError("a source's node_id is not a link end")
        sps = layers["service_points"]
        sp_link = link_index.get_indexer(sps["link_id"])
        if (sp_link < 0).any():
            raise ValueError("the peers model service points on links only")
        return cls(
            link_ids=links["id"].to_numpy(dtype=object),
            n_nodes=len(nodes),
            link_from=link_from,
            link_to=link_to,
            device_ids=device_ids,
            end_blocked=end_blocked,
            end_operate=end_operate,
            source_nodes=source_nodes.astype(np.int64),
            sp_ids=sps["id"].to_numpy(dtype=object),
            sp_link=sp_link.astype(np.int64),
            sp_customers=sps["customers"].to_numpy(dtype=np.int64),
        )


# --------------------------------------------------------------------------- networkx peer


class NetworkxPeer:
    """A plain networkx search per trace.

    Graph vertices are nodes (0..n-1), links (n + link) and one super-source
    joined to every source; a graph edge is a link end, so a valve at a link end
    sits on exactly one graph edge. Ends blocked in normal operation are left out.
    """

    def __init__(self, topo: Topology):
        self.topo = topo
        n = topo.n_nodes
        self.super_source = -1
        link_vertex = n + np.arange(len(topo.link_ids))
        end_node = np.empty(2 * len(topo.link_ids), dtype=np.int64)
        end_node[0::2], end_node[1::2] = topo.link_from, topo.link_to
        open_end = ~topo.end_blocked
        graph = nx.Graph()
        graph.add_nodes_from(range(n + len(topo.link_ids)))
        graph.add_edges_from(
            zip(
                end_node[open_end].tolist(),
                np.repeat(link_vertex, 2)[open_end].tolist(),
                strict=True,
            )
        )
        graph.add_edges_from((self.super_source, s) for s in topo.source_nodes.tolist())
        self.graph = graph
        self._from = topo.link_from.tolist()
        self._stops = topo.end_stops.tolist()
        self._operate = topo.end_operate.tolist()
        supplied = nx.node_connected_component(graph, self.super_source)
        self.normal_links = {v for v in supplied if v >= n}
        self._sps_of_link: dict[int, list[int]] = {}
        for sp, link in enumerate(topo.sp_link.tolist()):
            self._sps_of_link.setdefault(link, []).append(sp)

    def _end(self, a: int, b: int) -> int:
        """The link end that the graph edge (a, b) stands for."""
        node, vertex = (a, b) if a < b else (b, a)
        link = vertex - self.topo.n_nodes
        return 2 * link + (node != self._from[link])

    def break_trace(self, link_id: str, link: int) -> Answer:
        n = self.topo.n_nodes
        graph, adj = self.graph, self.graph.adj
        # 1. The segment: from the faulty link out to valves that stop the trace.
        segment = {n + link}
        stack = [n + link]
        boundary: list[tuple[int, int]] = []
        while stack:
            v = stack.pop()
            for w in adj[v]:
                if w in segment or w == self.super_source:
                    continue
                end = self._end(v, w)
                if self._stops[end]:
                    boundary.append((end, w))
                else:
                    segment.add(w)
                    stack.append(w)
        devices = {self._operate[end] for end, w in boundary if w not in segment}
        # 2. Take the segment out (its boundary valves go with it) and search from
        #    the sources; put it back afterwards.
        saved = list(graph.edges(segment))
        graph.remove_nodes_from(segment)
        try:
            supplied = nx.node_connected_component(graph, self.super_source)
        finally:
            graph.add_nodes_from(segment)
            graph.add_edges_from(saved)
        isolated = [v - n for v in segment if v >= n]
        lost = [v - n for v in self.normal_links.difference(supplied, segment)]
        return self._answer(devices, isolated, isolated + lost)

    def _answer(self, devices: set[int], isolated: list[int], affected: list[int]) -> Answer:
        topo = self.topo
        sps = [sp for link in affected for sp in self._sps_of_link.get(link, ())]
        return Answer(
            devices_to_operate=sorted(topo.device_ids[d] for d in devices if d >= 0),
            isolated_links=sorted(topo.link_ids[isolated].tolist()),
            affected_links=sorted(topo.link_ids[affected].tolist()),
            affected_service_points=sorted(topo.sp_ids[sps].tolist()),
            customers=int(topo.sp_customers[sps].sum()),
        )


# --------------------------------------------------------------------------- pgRouting peer


# Edges for finding the isolated segment: an end where the trace stops gets a
# vertex of its own, so the walk cannot pass it.
SEGMENT_EDGES = """
    SELECT id, seg_source AS source, seg_target AS target,
           1.0::float8 AS cost, 1.0::float8 AS reverse_cost
    FROM bench_links
"""
# Edges once the segment is out: ends blocked normally or at a segment node are cut.
REMAINING_EDGES = """
    SELECT id,
           CASE WHEN src_closed OR source IN (SELECT v FROM seg_v) THEN src_cut ELSE source END
               AS source,
           CASE WHEN tgt_closed OR target IN (SELECT v FROM seg_v) THEN tgt_cut ELSE target END
               AS target,
           1.0::float8 AS cost, 1.0::float8 AS reverse_cost
    FROM bench_links WHERE id NOT IN (SELECT id FROM seg_e)
"""
NORMAL_EDGES = """
    SELECT id,
           CASE WHEN src_closed THEN src_cut ELSE source END AS source,
           CASE WHEN tgt_closed THEN tgt_cut ELSE target END AS target,
           1.0::float8 AS cost, 1.0::float8 AS reverse_cost
    FROM bench_links_raw
"""


def _literal(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


class PgRoutingPeer:
    """What a pgRouting user runs per trace, on the links loaded into PostGIS.

    Vertices: nodes 1..n; each link end also has a vertex of its own (n + 2*link
    + 1 for the from end, + 2 for the to end) used where the end is cut.
    """

    def __init__(self, dsn: str, topo: Topology, layers: dict[str, gpd.GeoDataFrame]):
        import psycopg

        self.topo = topo
        with psycopg.connect(f"{dsn} dbname=postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {BENCH_DB}")
        self.dsn = dsn
        self.conn = psycopg.connect(f"{dsn} dbname={BENCH_DB}", autocommit=True)
        try:
            self.conn.execute("CREATE EXTENSION postgis")
            self.conn.execute("CREATE EXTENSION pgrouting")
            self.conn.execute("SET work_mem = '256MB'")
            self._load(layers)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        import psycopg

        self.conn.close()
        with psycopg.connect(f"{self.dsn} dbname=postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    def _copy(self, table: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(frame.columns)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(frame), 200_000):
                chunk = frame.iloc[start : start + 200_000]
                copy.write(chunk.to_csv(sep="\t", header=False, index=False, na_rep="\\N"))

    def _load(self, layers: dict[str, gpd.GeoDataFrame]) -> None:
        topo = self.topo
        n, n_links = topo.n_nodes, len(topo.link_ids)
        ids = np.arange(n_links)
        stops, blocked = topo.end_stops, topo.end_blocked
        source, target = topo.link_from + 1, topo.link_to + 1
        src_cut, tgt_cut = n + 2 * ids + 1, n + 2 * ids + 2
        geoms = shapely.set_srid(layers["links"].geometry.to_numpy(), 3067)
        self.conn.execute(
            """CREATE TABLE bench_links_raw (
                id integer, link_id text, source bigint, target bigint,
                seg_source bigint, seg_target bigint, src_cut bigint, tgt_cut bigint,
                src_closed boolean, tgt_closed boolean, geom geometry(LineString, 3067))"""
        )
        self._copy(
            "bench_links_raw",
            pd.DataFrame(
                {
                    "id": ids + 1,
                    "link_id": topo.link_ids,
                    "source": source,
                    "target": target,
                    "seg_source": np.where(stops[0::2], src_cut, source),
                    "seg_target": np.where(stops[1::2], tgt_cut, target),
                    "src_cut": src_cut,
                    "tgt_cut": tgt_cut,
                    "src_closed": blocked[0::2],
                    "tgt_closed": blocked[1::2],
                    "geom": shapely.to_wkb(geoms, hex=True, include_srid=True),
                }
            ),
        )
        device_ends = np.flatnonzero(topo.end_operate >= 0)
        self.conn.execute(
            "CREATE TABLE bench_devices (dev_id text, link integer, at_source boolean)"
        )
        self._copy(
            "bench_devices",
            pd.DataFrame(
                {
                    "dev_id": topo.device_ids[topo.end_operate[device_ends]],
                    "link": device_ends // 2 + 1,
                    "at_source": device_ends % 2 == 0,
                }
            ),
        )
        self.conn.execute("CREATE TABLE bench_sources (node bigint)")
        self._copy("bench_sources", pd.DataFrame({"node": topo.source_nodes + 1}))
        self.conn.execute("CREATE TABLE bench_sp (sp_id text, link integer, customers integer)")
        self._copy(
            "bench_sp",
            pd.DataFrame(
                {
                    "sp_id": topo.sp_ids,
                    "link": topo.sp_link + 1,
                    "customers": topo.sp_customers,
                }
            ),
        )
        # Which links are supplied in normal operation: one components run.
        self.conn.execute(
            f"""CREATE TABLE bench_links AS
            WITH cc AS (SELECT component, node FROM pgr_connectedComponents(
                            {_literal(NORMAL_EDGES)})),
                 live AS (SELECT DISTINCT component FROM cc JOIN bench_sources USING (node))
            SELECT r.*, cc.component IN (SELECT component FROM live) AS normally_supplied
            FROM bench_links_raw r
            JOIN cc ON cc.node = CASE WHEN r.src_closed THEN r.src_cut ELSE r.source END"""
        )
        self.conn.execute("DROP TABLE bench_links_raw")
        for statement in (
            "ALTER TABLE bench_links ADD PRIMARY KEY (id)",
            "CREATE INDEX ON bench_links (seg_source)",
            "CREATE INDEX ON bench_links (source)",
            "CREATE INDEX ON bench_links (target)",
            "CREATE INDEX ON bench_devices (link)",
            "CREATE INDEX ON bench_sp (link)",
            "VACUUM ANALYZE",
        ):
            self.conn.execute(statement)

    def break_trace(self, link_id: str, link: int) -> Answer:
        conn = self.conn
        with conn.transaction():
            # 1. The isolated segment: everything reachable from the faulty link.
            conn.execute(
                f"""CREATE TEMP TABLE seg_v ON COMMIT DROP AS
                SELECT node AS v FROM pgr_drivingDistance({_literal(SEGMENT_EDGES)},
                    (SELECT seg_source FROM bench_links WHERE id = %s), 1e15::float8, false)""",
                (link + 1,),
            )
            conn.execute("ANALYZE seg_v")
            conn.execute(
                """CREATE TEMP TABLE seg_e ON COMMIT DROP AS
                SELECT id, link_id FROM bench_links WHERE seg_source IN (SELECT v FROM seg_v)"""
            )
            conn.execute("ANALYZE seg_e")
            # 2. The valves to close: on the segment's edge, one side in, one out.
            devices = conn.execute(
                """WITH near AS (
                    SELECT id FROM seg_e
                    UNION SELECT id FROM bench_links WHERE source IN (SELECT v FROM seg_v)
                    UNION SELECT id FROM bench_links WHERE target IN (SELECT v FROM seg_v))
                SELECT d.dev_id FROM near
                JOIN bench_links l ON l.id = near.id
                JOIN bench_devices d ON d.link = l.id
                WHERE (l.id IN (SELECT id FROM seg_e))
                   <> ((CASE WHEN d.at_source THEN l.source ELSE l.target END)
                       IN (SELECT v FROM seg_v))"""
            ).fetchall()
            # 3. What the sources no longer reach once the segment is out.
            conn.execute(
                f"""CREATE TEMP TABLE dead_e ON COMMIT DROP AS
                WITH cc AS (SELECT component, node FROM pgr_connectedComponents(
                                {_literal(REMAINING_EDGES)})),
                     live AS (SELECT DISTINCT component FROM cc
                              JOIN bench_sources USING (node)),
                     dead_v AS (SELECT node FROM cc
                                WHERE component NOT IN (SELECT component FROM live))
                SELECT l.id, l.link_id FROM bench_links l
                WHERE l.normally_supplied AND l.id NOT IN (SELECT id FROM seg_e)
                  AND (CASE WHEN l.src_closed OR l.source IN (SELECT v FROM seg_v)
                            THEN l.src_cut ELSE l.source END) IN (SELECT node FROM dead_v)"""
            )
            isolated = conn.execute("SELECT link_id FROM seg_e").fetchall()
            lost = conn.execute("SELECT link_id FROM dead_e").fetchall()
            sps = conn.execute(
                """SELECT sp_id, customers FROM bench_sp
                WHERE link IN (SELECT id FROM seg_e UNION ALL SELECT id FROM dead_e)"""
            ).fetchall()
        isolated_ids = [row[0] for row in isolated]
        return Answer(
            devices_to_operate=sorted(row[0] for row in devices),
            isolated_links=sorted(isolated_ids),
            affected_links=sorted(isolated_ids + [row[0] for row in lost]),
            affected_service_points=sorted(row[0] for row in sps),
            customers=sum(row[1] for row in sps),
        )


# --------------------------------------------------------------------------- one size


@dataclass
class SizeConfig:
    n_links: int
    traces: int
    nx_traces: int
    pg_traces: int
    seed: int
    dsn: str | None


def _ms_stats(times: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(times) * 1000.0
    if len(ms) == 0:
        return {"n": 0}
    return {"n": len(ms), "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99))}


def _trace_peer(
    name: str,
    trace: Callable[[str, int], Answer],
    breaks: list[tuple[str, int]],
    ours: list[Answer],
) -> dict[str, Any]:
    """Trace the breaks with a peer, timing each, and compare every answer with ours."""
    times, mismatches = [], []
    for i, (link_id, link) in enumerate(breaks):
        t0 = time.perf_counter()
        answer = trace(link_id, link)
        times.append(time.perf_counter() - t0)
        diff = differences(ours[i], answer, name)
        if diff:
            mismatches.append({"break": link_id, "differences": diff})
            log(f"  MISMATCH ours vs {name}, break {link_id}:")
            for line in diff:
                log(f"    {line}")
    return {**_ms_stats(times), "mismatches": len(mismatches), "mismatch_details": mismatches}


def measure_size(cfg: SizeConfig) -> dict[str, Any]:
    """Everything for one network size; runs in a process of its own."""
    from gis_outage.network import build_network
    from gis_outage.synthetic import city_network
    from gis_outage.trace import TraceEngine

    n = cfg.n_links
    out: dict[str, Any] = {"links": n}
    log(f"\n== {n:,} links ==")
    t0 = time.perf_counter()
    layers = city_network(n, seed=cfg.seed)
    out["generate_s"] = time.perf_counter() - t0
    out["devices"] = len(layers["devices"])
    out["service_points"] = len(layers["service_points"])
    log(
        f"generated in {out['generate_s']:.1f} s: {n:,} links, {out['devices']:,} devices, "
        f"{len(layers['sources'])} sources, {out['service_points']:,} service points"
    )

    # Our load: validation, topology, engine.
    before = rss()
    t0 = time.perf_counter()
    engine = TraceEngine(build_network(layers))
    out["load_s"] = time.perf_counter() - t0
    out["load_rss_mib"] = (rss() - before) / MIB
    log(f"ours: load {out['load_s']:.2f} s, RSS +{out['load_rss_mib']:.0f} MiB")

    rng = np.random.default_rng(cfg.seed + 1)
    picks = rng.choice(n, size=min(cfg.traces, n), replace=False)
    link_ids = layers["links"]["id"].to_numpy(dtype=object)
    breaks = [(str(link_ids[i]), int(i)) for i in picks]
    keep = max(cfg.nx_traces, cfg.pg_traces)
    ours: list[Answer] = []
    times = []
    sizes = []
    gc.collect()
    for i, (link_id, _) in enumerate(breaks):
        t0 = time.perf_counter()
        result = engine.break_trace([link_id])
        times.append(time.perf_counter() - t0)
        sizes.append((len(result.isolated_links), len(result.affected_links)))
        if i < keep:
            ours.append(Answer.of(result))
    out["ours"] = _ms_stats(times)
    sizes_arr = np.asarray(sizes)
    out["isolated_links_mean"] = float(sizes_arr[:, 0].mean())
    out["affected_links_mean"] = float(sizes_arr[:, 1].mean())
    out["affected_links_max"] = int(sizes_arr[:, 1].max())
    log(
        f"ours: {len(breaks)} breaks, p50 {out['ours']['p50']:.3f} ms, "
        f"p99 {out['ours']['p99']:.3f} ms; per break on average {out['isolated_links_mean']:.1f} "
        f"isolated and {out['affected_links_mean']:.1f} affected links "
        f"(at most {out['affected_links_max']:,})"
    )
    slowest = int(np.argmax(times))
    log(f"ours: slowest break {breaks[slowest][0]}: {times[slowest] * 1000:.1f} ms")
    del engine
    out.update(traced_load(layers))  # a second load, under tracemalloc, for memory alone
    log(
        f"ours: network + engine hold {out['held_mib']:.0f} MiB (network alone "
        f"{out['network_mib']:.0f} MiB), peak during load {out['peak_mib']:.0f} MiB (tracemalloc)"
    )

    topo = Topology.from_layers(layers)
    if cfg.nx_traces:
        before = rss()
        t0 = time.perf_counter()
        peer = NetworkxPeer(topo)
        build_s = time.perf_counter() - t0
        log(f"networkx: graph built in {build_s:.1f} s, {(rss() - before) / MIB:.0f} MiB")
        result = _trace_peer("networkx", peer.break_trace, breaks[: cfg.nx_traces], ours)
        out["networkx"] = {**result, "build_s": build_s, "mib": (rss() - before) / MIB}
        log(
            f"networkx: {result['n']} breaks, p50 {result['p50']:.1f} ms, "
            f"p99 {result['p99']:.1f} ms, {result['mismatches']} mismatch(es)"
        )
        del peer
        gc.collect()

    if cfg.pg_traces and cfg.dsn:
        try:
            t0 = time.perf_counter()
            pg = PgRoutingPeer(cfg.dsn, topo, layers)
        except Exception as exc:  # no server, no extension: say so and carry on
            out["pgrouting"] = {"n": 0, "skipped": f"{type(exc).__name__}: {exc}".strip()}
            log(f"pgRouting: skipped ({out['pgrouting']['skipped']})")
        else:
            try:
                load_s = time.perf_counter() - t0
                log(f"pgRouting: loaded in {load_s:.1f} s (COPY, topology columns, indexes)")
                result = _trace_peer("pgRouting", pg.break_trace, breaks[: cfg.pg_traces], ours)
                out["pgrouting"] = {**result, "load_s": load_s}
                log(
                    f"pgRouting: {result['n']} breaks, p50 {result['p50']:.0f} ms, "
                    f"{result['mismatches']} mismatch(es)"
                )
            finally:
                pg.close()
    return out


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio(peer: dict[str, Any] | None, ours: dict[str, Any], key: str) -> float | None:
    if not peer or not peer.get("n") or not ours.get(key):
        return None
    return peer[key] / ours[key]


def report(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'links':>10} {'load s':>7} {'engine MiB':>10} {'peak MiB':>8} "
        f"{'ours p50':>9} {'ours p99':>9} {'nx p50':>8} {'nx p99':>8} {'nx n':>5} "
        f"{'pgr p50':>8} {'pgr n':>5} {'nx/ours p50':>11} {'nx/ours p99':>11} "
        f"{'pgr/ours p50':>12}"
    )
    log("\nBreak traces (times in ms; ratios are peer / ours, measured in the same run)")
    log(header)
    log("-" * len(header))
    for r in results:
        ours, nxr, pgr = r["ours"], r.get("networkx") or {}, r.get("pgrouting") or {}
        log(
            f"{r['links']:>10,} {r['load_s']:>7.2f} {r['held_mib']:>10.0f} "
            f"{r['peak_mib']:>8.0f} {ours['p50']:>9.3f} {ours['p99']:>9.3f} "
            f"{_fmt(nxr.get('p50')):>8} {_fmt(nxr.get('p99')):>8} {nxr.get('n', 0):>5} "
            f"{_fmt(pgr.get('p50'), 0):>8} {pgr.get('n', 0):>5} "
            f"{_fmt(_ratio(nxr, ours, 'p50'), 0):>10}x {_fmt(_ratio(nxr, ours, 'p99'), 0):>10}x "
            f"{_fmt(_ratio(pgr, ours, 'p50'), 0):>11}x"
        )
    log(
        "load = build_network + TraceEngine; engine MiB = held by network and engine after the "
        "load, peak MiB = peak during it (tracemalloc, a separate load). Peers trace the first "
        "n of the same breaks."
    )

    log("\nAgreement (every peer answer compared with ours):")
    for r in results:
        for name in ("networkx", "pgrouting"):
            peer = r.get(name)
            if not peer:
                continue
            if peer.get("skipped"):
                log(f"  {r['links']:,} links, {name}: not run ({peer['skipped']})")
            else:
                log(
                    f"  {r['links']:,} links, {name}: {peer['mismatches']} mismatch(es) "
                    f"in {peer['n']} breaks"
                )

    log("\nTargets (from the issue; reported, not asserted):")
    at_target = [r for r in results if r["links"] >= P99_TARGET_LINKS]
    if at_target:
        for r in at_target:
            p99 = r["ours"]["p99"]
            met = "met" if p99 < P99_TARGET_MS else "NOT met"
            log(f"  p99 < {P99_TARGET_MS:g} ms at {r['links']:,} links: {met} ({p99:.2f} ms)")
    else:
        largest = max(results, key=lambda r: r["links"])
        log(
            f"  p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_LINKS:,} links: not measured "
            f"(largest size {largest['links']:,}: p99 {largest['ours']['p99']:.2f} ms)"
        )
    for r in results:
        ratio = _ratio(r.get("pgrouting"), r["ours"], "p50")
        if ratio is None:
            log(
                f"  >= {PGR_SPEEDUP_TARGET:g}x faster than pgRouting at {r['links']:,} links: "
                "not measured"
            )
        else:
            met = "met" if ratio >= PGR_SPEEDUP_TARGET else "NOT met"
            log(
                f"  >= {PGR_SPEEDUP_TARGET:g}x faster than pgRouting per trace (p50) at "
                f"{r['links']:,} links: {met} ({ratio:,.0f}x on {r['pgrouting']['n']} breaks)"
            )


# --------------------------------------------------------------------------- command line


def _count(text: str) -> int:
    """100000, 100k, 1M, 1_000_000."""
    text = text.strip().replace("_", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.trace", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--links",
        default="100000,1000000",
        help="network sizes, comma-separated (100k and 1M accepted)",
    )
    parser.add_argument("--traces", type=int, default=1000, help="random breaks per size")
    parser.add_argument(
        "--nx-traces",
        type=int,
        default=None,
        help="breaks traced by networkx (default: all up to 200k links, else 100)",
    )
    parser.add_argument(
        "--pg-traces",
        type=int,
        default=None,
        help="breaks traced by pgRouting (default: 20 up to 200k links, else 5)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dsn",
        default=DEFAULT_DSN,
        help="PostgreSQL server with PostGIS and pgRouting (database "
        f"gis_outage_bench_<pid> is created and dropped); default {DEFAULT_DSN!r}",
    )
    parser.add_argument("--no-pg", action="store_true", help="skip the pgRouting peer")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 20k links, 200 traces, 5 pgRouting traces"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--processes",
        type=int,
        default=4,
        help="processes sharing one mapped network (bench/trace_shared.py)",
    )
    parser.add_argument(
        "--no-shared", action="store_true", help="skip the memory of processes sharing one network"
    )
    parser.add_argument(
        "--shared-only",
        action="store_true",
        help="only the memory of processes sharing one network",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.links, args.traces = "20000", 200
        args.pg_traces = 5 if args.pg_traces is None else args.pg_traces
    args.sizes = [_count(s) for s in args.links.split(",") if s.strip()]
    return args


def _configs(args: argparse.Namespace) -> list[SizeConfig]:
    configs = []
    for n in args.sizes:
        large = n > 200_000
        nx_traces = (
            args.nx_traces if args.nx_traces is not None else (100 if large else args.traces)
        )
        pg_traces = args.pg_traces if args.pg_traces is not None else (5 if large else 20)
        configs.append(
            SizeConfig(
                n_links=n,
                traces=args.traces,
                nx_traces=min(nx_traces, args.traces),
                pg_traces=min(pg_traces, args.traces),
                seed=args.seed,
                dsn=None if args.no_pg else args.dsn,
            )
        )
    return configs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = []
    context = multiprocessing.get_context("spawn")
    configs = _configs(args)
    shared = []
    if not args.no_shared:
        from bench.trace_shared import measure
        from bench.trace_shared import report as report_shared

        for cfg in configs:
            shared.append(measure(cfg.n_links, cfg.seed, cfg.traces, args.processes))
    for cfg in configs if not args.shared_only else []:
        log(
            f"\n{cfg.n_links:,} links: {cfg.traces} breaks traced by ours, the first "
            f"{cfg.nx_traces} also by networkx, the first {cfg.pg_traces if cfg.dsn else 0} "
            "also by pgRouting"
        )
        with context.Pool(1) as pool:
            results.append(pool.apply(measure_size, (cfg,)))
    if results:
        report(results)
    for result in shared:
        report_shared(result)
    log(f"\ntotal {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"configs": [asdict(c) for c in configs], "results": results, "shared": shared},
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
