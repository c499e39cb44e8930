"""Break and device traces on WNTR's bundled EPANET networks against oracles we did not write.

- The isolated segment is WNTR's: ``wntr.metrics.valve_segments`` on the same valve layer.
- The devices to operate are WNTR's boundary valves of that segment: a valve on link L at
  node N bounds segment S when exactly one of L and N is in S (``valve_segment_attributes``
  counts a valve whose node and link share a segment as inside it, not around it).
- The affected links are found by brute force with networkx on ``wn.to_graph()`` for every
  break: the segment's nodes and links removed, its boundary valves closed, then every link
  with no path to a reservoir or tank, less those already unsupplied before the break, plus
  the segment.

Each network goes through the converter and a GeoPackage file, as a user's would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

wntr = pytest.importorskip("wntr")

from gis_outage.convert.epanet import epanet_layers, load_model  # noqa: E402
from gis_outage.convert.gpkg import write_layers  # noqa: E402
from gis_outage.network import build_network, read_layers  # noqa: E402
from gis_outage.trace import TraceEngine  # noqa: E402

BREAKS = 200
Pair = tuple[str, str]  # (link, node): a valve on that link at that node


@dataclass
class Case:
    name: str
    wn: object
    graph: nx.MultiGraph  # wn.to_graph(), undirected
    valve_layer: pd.DataFrame  # generated isolation valves + closed pipes, WNTR's format
    closed: set[Pair]  # pairs that do not pass supply in normal operation
    device_of: dict[Pair, str]  # passing valve pair -> our device id
    node_seg: pd.Series
    link_seg: pd.Series
    sources: list[str]
    engine: TraceEngine

    @property
    def links(self) -> list[str]:
        return [k for _, _, k in self.graph.edges(keys=True)]


def build_case(name: str, seed: int, tmp: Path) -> Case:
    wn = load_model(Path(wntr.library.model_library.get_filepath(name)))
    valves = wntr.network.generate_valve_layer(wn, "strategic", 2, seed=seed)
    path = tmp / f"{name}-{seed}.gpkg"
    write_layers(epanet_layers(wn, valves), path)
    layers = read_layers(path)
    engine = TraceEngine(build_network(layers))

    devices = layers["devices"]
    closed = {(r.link_id, r.node_id) for r in devices.itertuples() if not r.normally_passes}
    device_of = {(r.link_id, r.node_id): r.id for r in devices.itertuples() if r.normally_passes}
    assert set(device_of) == set(zip(valves["link"], valves["node"], strict=True))
    # A closed pipe's valve bounds segments too, so WNTR gets it as a valve as well.
    extra = pd.DataFrame(sorted(closed), columns=["link", "node"])
    layer = pd.concat([valves, extra], ignore_index=True).drop_duplicates(ignore_index=True)
    graph = wn.to_graph()
    node_seg, link_seg, _ = wntr.metrics.valve_segments(graph, layer)
    return Case(
        name=name,
        wn=wn,
        graph=graph.to_undirected(),
        valve_layer=layer,
        closed=closed,
        device_of=device_of,
        node_seg=node_seg,
        link_seg=link_seg,
        sources=list(wn.reservoir_name_list) + list(wn.tank_name_list),
        engine=engine,
    )


def unsupplied_links(
    case: Case, cut: set[Pair], removed_nodes: set[str], removed_links: set[str]
) -> set[str]:
    """Links with no path to a source; a valve in ``cut`` separates its node from its link."""
    incidence = nx.Graph()
    for u, v, link in case.graph.edges(keys=True):
        if link in removed_links:
            continue
        incidence.add_node(("L", link))
        for node in (u, v):
            if node not in removed_nodes and (link, node) not in cut:
                incidence.add_edge(("L", link), ("N", node))
    supplied: set = set()
    for source in case.sources:
        if source not in removed_nodes and ("N", source) in incidence:
            supplied |= nx.node_connected_component(incidence, ("N", source))
    return {k for k in case.links if k not in removed_links and ("L", k) not in supplied}


def expected_break(case: Case, link: str, before: set[str]) -> tuple[set[str], set[str], set[str]]:
    """WNTR's segment, its boundary valves to operate, and the brute-force affected links.

    ``before``: the links already unsupplied in normal operation.
    """
    seg = case.link_seg[link]
    seg_links = set(case.link_seg.index[case.link_seg == seg])
    seg_nodes = set(case.node_seg.index[case.node_seg == seg])
    boundary = {
        (v.link, v.node)
        for v in case.valve_layer.itertuples()
        if (case.link_seg[v.link] == seg) != (case.node_seg[v.node] == seg)
    }
    to_operate = {case.device_of[p] for p in boundary if p not in case.closed}
    after = unsupplied_links(case, case.closed | boundary, seg_nodes, seg_links)
    return seg_links, to_operate, seg_links | (after - before)


CASES = [("Net3", 0), ("Net3", 1), ("Net3", 2), ("ky10", 0)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-seed{s}" for n, s in CASES])
def case(request, tmp_path_factory) -> Case:
    name, seed = request.param
    return build_case(name, seed, tmp_path_factory.mktemp("wntr"))


def internal_valve_links(case: Case) -> set[str]:
    """Links of valves whose link and node share a segment: they separate nothing."""
    return {
        v.link
        for v in case.valve_layer.itertuples()
        if case.link_seg[v.link] == case.node_seg[v.node]
    }


def test_break_traces_match_wntr_segments_and_networkx_supply(case: Case) -> None:
    links = sorted(case.links)
    rng = random.Random(f"{case.name}-breaks")
    breaks = rng.sample(links, min(BREAKS, len(links)))
    # Make sure segments holding a valve inside them (not to be operated) are traced.
    breaks += sorted(internal_valve_links(case) - set(breaks))
    before = unsupplied_links(case, case.closed, set(), set())
    grew = 0
    for link in breaks:
        seg_links, to_operate, affected = expected_break(case, link, before)
        r = case.engine.break_trace([link])
        assert set(r.isolated_links) == seg_links, link
        assert set(r.devices_to_operate) == to_operate, link
        assert set(r.affected_links) == affected, link
        grew += len(affected) > len(seg_links)
    # Not a vacuous comparison: some breaks cut off more than their own segment.
    assert grew > 0


def test_closing_each_valve_matches_networkx_supply(case: Case) -> None:
    before = unsupplied_links(case, case.closed, set(), set())
    pairs = sorted(case.device_of)
    if len(pairs) > BREAKS:
        pairs = random.Random(f"{case.name}-valves").sample(pairs, BREAKS)
    for pair in pairs:
        after = unsupplied_links(case, case.closed | {pair}, set(), set())
        r = case.engine.operate_trace([case.device_of[pair]])
        assert set(r.affected_links) == after - before, pair
        assert r.isolated_links == []
