"""The field-state engine against a plain flood fill of the element graph (nodes and
links as vertices, a device cutting the link ends it sits on) on random networks with
random device positions, inoperable devices, overlapping work areas and back-feed."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gis_outage.network import build_network
from gis_outage.supply import FeedsWorkArea, FieldEngine, FieldState
from gis_outage.trace import TraceEngine

from .networks import layers
from .test_trace_random import random_network


class Oracle:
    """Flood fills over the element graph; knows nothing of segments."""

    def __init__(self, links, devices, sources):
        self.links, self.devices, self.sources = links, devices, sources
        g = nx.Graph()
        for lid, (a, b) in links.items():
            g.add_edge(("l", lid), ("n", a))
            g.add_edge(("l", lid), ("n", b))
        self.graph = g
        self.on_edge: dict[frozenset, list[str]] = {}
        for did, spec in devices.items():
            if spec.get("link_id"):
                edges = [(("l", spec["link_id"]), ("n", spec["node_id"]))]
            else:
                edges = [(("n", spec["node_id"]), x) for x in g[("n", spec["node_id"])]]
            for e in edges:
                self.on_edge.setdefault(frozenset(e), []).append(did)
        self.normal = self.supplied({}, set())

    def passes(self, positions, d):
        return positions.get(d, self.devices[d].get("normally_passes", True))

    def operable(self, inoperable, d):
        return self.devices[d].get("operable", True) and d not in inoperable

    def blocked(self, positions, e):
        return not all(self.passes(positions, d) for d in self.on_edge.get(e, []))

    def supplied(self, positions, dead) -> set:
        g = self.graph.copy()
        g.remove_edges_from([tuple(e) for e in self.on_edge if self.blocked(positions, e)])
        g.remove_nodes_from(dead)
        out: set = set()
        for s in self.sources.values():
            if ("n", s) in g:
                out |= nx.node_connected_component(g, ("n", s))
        return out

    def cut(self, positions, dead) -> set:
        return (self.normal - self.supplied(positions, dead)) | set(dead)

    def isolate(self, fault, positions, inoperable):
        start = ("l", fault)
        area, stack, boundary = {start}, [start], []
        while stack:
            x = stack.pop()
            for y in self.graph[x]:
                e = frozenset((x, y))
                if self.blocked(positions, e):
                    continue
                ds = self.on_edge.get(e, [])
                ops = sorted(d for d in ds if self.operable(inoperable, d))
                if ops:
                    boundary.append((ops[0], y))
                elif y not in area:
                    area.add(y)
                    stack.append(y)
        return {d for d, y in boundary if y not in area}, area

    def loops(self, positions, dead) -> int:
        """E - V + 1 of the energised graph with the sources joined to a root."""
        on = self.supplied(positions, dead)
        g = self.graph.subgraph(on).copy()
        g.remove_edges_from([tuple(e) for e in self.on_edge if self.blocked(positions, e)])
        roots = {("n", s) for s in self.sources.values()} & on
        return g.number_of_edges() + len(roots) - (g.number_of_nodes() + 1) + 1


def links_of(elements) -> list[str]:
    return sorted(x[1] for x in elements if x[0] == "l")


def sps_of(elements) -> list[str]:
    return sorted(f"P{x[1][1:]}" for x in elements if x[0] == "n")


def setup(seed):
    nodes, links, devices, sources, sps = random_network(seed)
    engine = FieldEngine(TraceEngine(build_network(layers(nodes, links, devices, sources, sps))))
    rng = np.random.default_rng(1000 + seed)
    ids = sorted(devices)
    positions = {d: bool(rng.random() > 0.5) for d in ids if rng.random() < 0.2}
    inoperable = {d for d in ids if rng.random() < 0.15}
    state = FieldState(positions, frozenset(inoperable))
    return engine, Oracle(links, devices, sources), state, rng


def assert_cut(engine, oracle, state, positions, dead, what):
    r = engine.cut_off(state)
    cut = oracle.cut(positions, dead)
    assert (r.affected_links, r.affected_service_points) == (links_of(cut), sps_of(cut)), what


@pytest.mark.parametrize("seed", range(60))
def test_supply_and_isolation_under_field_state(seed):
    engine, oracle, state, rng = setup(seed)
    positions, inoperable = dict(state.positions), set(state.inoperable)
    assert_cut(engine, oracle, state, positions, set(), "field state")
    for lid in oracle.links:
        iso = engine.isolate([lid], state)
        ops, area = oracle.isolate(lid, positions, inoperable)
        assert (iso.devices_to_operate, iso.work_links) == (sorted(ops), links_of(area)), lid
        after = state.merge(iso.state())
        assert_cut(engine, oracle, after, positions | dict.fromkeys(ops, False), area, lid)


@pytest.mark.parametrize("seed", range(60))
def test_overlapping_outages_stuck_devices_and_resolving_one(seed):
    engine, oracle, state, rng = setup(seed)
    positions, inoperable = dict(state.positions), set(state.inoperable)
    fa, fb = (str(x) for x in rng.choice(sorted(oracle.links), 2, replace=False))
    a = engine.isolate([fa], state)
    ops_a, area_a = oracle.isolate(fa, positions, inoperable)
    pos_a = positions | dict.fromkeys(ops_a, False)
    b = engine.isolate([fb], state.merge(a.state()))
    ops_b, area_b = oracle.isolate(fb, pos_a, inoperable)
    assert (b.devices_to_operate, b.work_links) == (sorted(ops_b), links_of(area_b))
    both = state.merge(a.state(), b.state())
    pos_both = pos_a | dict.fromkeys(ops_b, False)
    assert_cut(engine, oracle, both, pos_both, area_a | area_b, "both")

    # Resolving A: the all-clear goes to what B does not still cut off.
    only_b = state.merge(b.state())
    change = engine.compare(both, only_b)
    was = oracle.cut(pos_both, area_a | area_b)
    now = oracle.cut(positions | dict.fromkeys(ops_b, False), area_b)
    assert change.regained.affected_service_points == sps_of(was - now)
    assert change.lost.affected_service_points == sps_of(now - was)

    # A device of A's plan will not close: re-plan A from the state without A.
    if a.devices_to_operate:
        stuck = str(rng.choice(a.devices_to_operate))
        again = engine.isolate([fa], state.finding([stuck]))
        ops2, area2 = oracle.isolate(fa, positions, inoperable | {stuck})
        assert (again.devices_to_operate, again.work_links) == (sorted(ops2), links_of(area2))
        assert stuck in again.crossed
        change = engine.compare(state.merge(a.state()), state.merge(again.state()))
        was = oracle.cut(pos_a, area_a)
        now = oracle.cut(positions | dict.fromkeys(ops2, False), area2)
        assert change.lost.affected_service_points == sps_of(now - was)
        assert change.regained.affected_service_points == sps_of(was - now)


@pytest.mark.parametrize("seed", range(60))
def test_staged_restoration_and_backfeed(seed):
    engine, oracle, state, rng = setup(seed)
    positions, inoperable = dict(state.positions), set(state.inoperable)
    fault = str(rng.choice(sorted(oracle.links)))
    iso = engine.isolate([fault], state)
    ops, area = oracle.isolate(fault, positions, inoperable)
    out = state.merge(iso.state())
    pos = positions | dict.fromkeys(ops, False)

    for radial in (True, False):
        got = {s.device: s for s in engine.backfeed(out, radial=radial)}
        expected = {}
        fed_before = oracle.supplied(pos, set()) & area
        for d in sorted(oracle.devices):
            if oracle.passes(pos, d) or not oracle.operable(inoperable, d):
                continue
            trial = pos | {d: True}
            healthy_dead = oracle.normal - oracle.supplied(pos, area) - area
            restored = healthy_dead & oracle.supplied(trial, area)
            feeds = (oracle.supplied(trial, set()) & area) - fed_before
            meshed = oracle.loops(trial, area) > oracle.loops(pos, area)
            if sps_of(restored) and not feeds and not (radial and meshed):
                expected[d] = (sps_of(restored), links_of(restored), meshed)
        assert {d: (s.restores.affected_service_points, s.restores.affected_links, s.meshed)
                for d, s in got.items()} == expected, radial

    # Repair the work area and open the devices back one by one, feeding no work area.
    repaired = out.repaired(iso.work_links, iso.work_nodes)
    assert_cut(engine, oracle, repaired, pos, set(), "repaired")
    current, current_pos = out, pos
    for d in iso.devices_to_operate:
        nxt = current.release([d])
        nxt_pos = {k: v for k, v in current_pos.items() if k != d}
        fed = (oracle.supplied(nxt_pos, set()) - oracle.supplied(current_pos, set())) & area
        if links_of(fed):
            with pytest.raises(FeedsWorkArea):
                engine.check_not_feeding(current, nxt)
            continue
        engine.check_not_feeding(current, nxt)
        change = engine.compare(current, nxt)
        was, now = oracle.cut(current_pos, area), oracle.cut(nxt_pos, area)
        assert change.regained.affected_service_points == sps_of(was - now)
        assert change.lost.affected_service_points == sps_of(now - was)
        current, current_pos = nxt, nxt_pos


def test_the_random_cases_exercise_backfeed_meshing_and_crossing():
    """Not vacuous: over the seeds, back-feed is found, radial operation rules some out
    and inoperable devices make work areas grow."""
    found = meshed = crossed = 0
    for seed in range(60):
        engine, oracle, state, rng = setup(seed)
        fault = str(rng.choice(sorted(oracle.links)))
        iso = engine.isolate([fault], state)
        crossed += bool(iso.crossed)
        out = state.merge(iso.state())
        found += bool(engine.backfeed(out))
        meshed += any(s.meshed for s in engine.backfeed(out, radial=False))
    assert found > 3 and meshed > 0 and crossed > 3, (found, meshed, crossed)
