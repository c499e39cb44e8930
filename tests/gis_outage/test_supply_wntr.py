"""Field state on WNTR's EPANET networks with a valve layer and some valves inoperable.

- The work area of a break is WNTR's segment computed with the inoperable valves left out
  of the valve layer (``wntr.metrics.valve_segments``): a stuck valve separates nothing.
- The valves to close are that segment's boundary valves in the layer.
- What is cut off is a networkx flood fill on ``wn.to_graph()`` from reservoirs and tanks
  (`unsupplied_links` of test_oracle_wntr), with the same valves closed.
- Back-feed: some valves also closed by hand; each closed valve opened in turn, the same
  flood fill says what comes back and whether the work area would be fed.
"""

from __future__ import annotations

import random

import pytest

wntr = pytest.importorskip("wntr")

from gis_outage.supply import FieldEngine, FieldState  # noqa: E402

from .test_oracle_wntr import Case, build_case, unsupplied_links  # noqa: E402

BREAKS = 6
FEEDS = 4
CASES = [("Net3", 0), ("ky10", 0), ("ky4", 1), ("Net2", 2)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-seed{s}" for n, s in CASES])
def case(request, tmp_path_factory) -> tuple[Case, FieldEngine]:
    name, seed = request.param
    c = build_case(name, seed, tmp_path_factory.mktemp("wntr"))
    return c, FieldEngine(c.engine)


def wntr_area(case: Case, link: str, stuck: set[tuple[str, str]]):
    layer = case.valve_layer
    keep = [(v.link, v.node) not in stuck for v in layer.itertuples()]
    layer = layer[keep].reset_index(drop=True)
    node_seg, link_seg, _ = wntr.metrics.valve_segments(case.graph, layer)
    seg = link_seg[link]
    links = set(link_seg.index[link_seg == seg])
    nodes = set(node_seg.index[node_seg == seg])
    boundary = {(v.link, v.node) for v in layer.itertuples()
                if (link_seg[v.link] == seg) != (node_seg[v.node] == seg)}
    return links, nodes, boundary


def test_stuck_valves_and_overlapping_breaks_match_wntr_and_networkx(case) -> None:
    case, engine = case
    rng = random.Random(f"{case.name}-field")
    pairs = sorted(case.device_of)
    pair_of = {d: p for p, d in case.device_of.items()}
    before = unsupplied_links(case, case.closed, set(), set())
    grew = 0
    for _ in range(BREAKS):
        fa, fb = rng.sample(case.links, 2)
        stuck = set(rng.sample(pairs, max(1, len(pairs) // 10)))
        # One valve of the break's own plan is among them, so its work area must grow.
        plan = engine.isolate([fa], FieldState()).devices_to_operate
        if plan:
            stuck.add(pair_of[rng.choice(plan)])
        state = FieldState().finding(case.device_of[p] for p in stuck)
        a = engine.isolate([fa], state)
        links_a, nodes_a, bound_a = wntr_area(case, fa, stuck)
        assert set(a.work_links) == links_a, fa
        assert set(a.devices_to_operate) == {case.device_of[p] for p in bound_a
                                             if p not in case.closed}, fa
        grew += len(links_a) > len(wntr_area(case, fa, set())[0])

        # B on the state A left; where A's work area or closed valves bound B it stops there.
        with_a = state.merge(a.state())
        b = engine.isolate([fb], with_a)
        if fb in links_a:
            continue
        links_b, nodes_b, bound_b = wntr_area(case, fb, stuck)
        closed = case.closed | bound_a
        assert set(b.work_links) == links_b, fb
        assert set(b.devices_to_operate) == {case.device_of[p] for p in bound_b - closed}, fb
        shut = {pair_of[d] for d in b.devices_to_operate}
        both = with_a.merge(b.state())
        dead = unsupplied_links(case, closed | shut, nodes_a | nodes_b, links_a | links_b)
        assert set(engine.cut_off(both).affected_links) == (
            (dead - before) | links_a | links_b), (fa, fb)

        # Resolve A: what comes back is what B does not still cut off.
        after, kept = engine.release_safely(both.repaired(a.work_links, a.work_nodes),
                                            a.devices_to_operate)
        still = case.closed | shut | {pair_of[d] for d in kept}
        dead_b = unsupplied_links(case, still, nodes_b, links_b)
        change = engine.compare(both, after)
        assert set(change.regained.affected_links) == ((dead - before) | links_a | links_b) - (
            (dead_b - before) | links_b), (fa, fb)
    assert grew > 0


def test_backfeed_on_water_matches_networkx(case) -> None:
    case, engine = case
    rng = random.Random(f"{case.name}-backfeed")
    devices = case.engine.net.device_ids
    layer_pairs = [(r.link_id, r.node_id) for r in case.engine.net.layers["devices"].itertuples()]
    pair_of = dict(zip(devices, layer_pairs, strict=True))
    before = unsupplied_links(case, case.closed, set(), set())
    found = 0
    for link in rng.sample(case.links, FEEDS):
        # Valves closed by hand elsewhere (zone boundaries moved): more to feed back from.
        hand = set(rng.sample(sorted(case.device_of), min(12, len(case.device_of) // 8)))
        field = FieldState().operate((case.device_of[p] for p in hand), False)
        iso = engine.isolate([link], field)
        state = field.merge(iso.state())
        links, nodes, _ = wntr_area(case, link, set())
        shut = case.closed | hand | {pair_of[d] for d in iso.devices_to_operate}
        dead = unsupplied_links(case, shut, nodes, links) - before
        fed_before = links - unsupplied_links(case, shut, set(), set())
        expected = {}
        for device, pair in pair_of.items():
            if pair not in shut:
                continue
            trial = shut - {pair}
            back = dead - (unsupplied_links(case, trial, nodes, links) - before)
            fed = links - unsupplied_links(case, trial, set(), set())
            points = engine.engine.segment_contents(
                engine.engine.link_segments(sorted(back))).affected_service_points if back else []
            if back and points and not (fed - fed_before):
                expected[device] = back
        got = {s.device: set(s.restores.affected_links)
               for s in engine.backfeed(state, radial=False)}
        assert got == expected, link
        found += bool(got)
    assert found > 0
