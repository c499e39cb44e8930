"""The segment-graph engine against a plain element-graph search on random networks.

The oracles for real networks are WNTR and pandapower (test_oracle_*); this
check covers what they lack: node devices, inoperable and normally-blocking
devices, several sources, all mixed at random.
"""

import networkx as nx
import numpy as np
import pytest

from gis_outage.network import build_network
from gis_outage.trace import TraceEngine

from .networks import layers


def random_network(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    nodes = {f"n{i}": (float(i % 7) * 10, float(i // 7) * 10) for i in range(n)}
    links = {}
    for i in range(1, n):  # a spanning tree, then a few loops
        links[f"L{i}"] = (f"n{int(rng.integers(0, i))}", f"n{i}")
    for k in range(int(rng.integers(0, n // 3 + 1))):
        a, b = rng.choice(n, 2, replace=False)
        links[f"X{k}"] = (f"n{a}", f"n{b}")
    devices = {}
    for k, (lid, (a, b)) in enumerate(links.items()):
        if rng.random() < 0.5:
            devices[f"D{k}"] = {
                "link_id": lid,
                "node_id": a if rng.random() < 0.5 else b,
                "operable": bool(rng.random() > 0.2),
                "normally_passes": bool(rng.random() > 0.1),
            }
    for k in range(int(rng.integers(0, 3))):
        devices[f"N{k}"] = {"node_id": f"n{int(rng.integers(0, n))}",
                            "operable": bool(rng.random() > 0.2)}
    sources = {f"S{k}": f"n{int(s)}"
               for k, s in enumerate(rng.choice(n, int(rng.integers(1, 3)), replace=False))}
    sps = {f"P{i}": {"node_id": f"n{i}"} for i in range(n)}
    return nodes, links, devices, sources, sps


def brute_force(links, devices, sources, fault=None, operated=()):
    """Affected links and devices to operate, searched over nodes and links directly."""
    g = nx.Graph()
    for lid, (a, b) in links.items():
        g.add_edge(("l", lid), ("n", a))
        g.add_edge(("l", lid), ("n", b))
    on_edge: dict = {}
    for did, spec in devices.items():
        if spec.get("link_id"):
            edges = [(("l", spec["link_id"]), ("n", spec["node_id"]))]
        else:
            edges = [(("n", spec["node_id"]), x) for x in g[("n", spec["node_id"])]]
        for e in edges:
            on_edge.setdefault(frozenset(e), []).append(did)

    def passes(d):
        return devices[d].get("normally_passes", True)

    def supplied(graph):
        out = set()
        for s in sources.values():
            if ("n", s) in graph:
                out |= nx.node_connected_component(graph, ("n", s))
        return out

    normal = g.copy()
    normal.remove_edges_from([tuple(e) for e, ds in on_edge.items() if not all(map(passes, ds))])
    before = supplied(normal)
    isolated, operate = set(), set()
    if fault is not None:
        start = ("l", fault)
        isolated, stack, boundary = {start}, [start], []
        while stack:
            x = stack.pop()
            for y in g[x]:
                ds = on_edge.get(frozenset((x, y)), [])
                if ds and not all(map(passes, ds)):
                    continue
                ops = sorted(d for d in ds if devices[d].get("operable", True))
                if ds and ops:
                    boundary.append((ops[0], y))
                elif y not in isolated:
                    isolated.add(y)
                    stack.append(y)
        operate = {d for d, y in boundary if y not in isolated}
    else:
        operate = {d for d in operated if passes(d)}
    after = normal.copy()
    after.remove_nodes_from(isolated)
    for e, ds in on_edge.items():
        if set(ds) & operate and after.has_edge(*tuple(e)):
            after.remove_edge(*tuple(e))
    lost = (before - supplied(after)) | isolated
    return sorted(x[1] for x in lost if x[0] == "l"), sorted(operate)


@pytest.mark.parametrize("seed", range(60))
def test_engine_agrees_with_element_graph_search(seed):
    nodes, links, devices, sources, sps = random_network(seed)
    engine = TraceEngine(build_network(layers(nodes, links, devices, sources, sps)))
    for lid in links:
        r = engine.break_trace([lid])
        expected_links, expected_ops = brute_force(links, devices, sources, fault=lid)
        assert (r.affected_links, r.devices_to_operate) == (expected_links, expected_ops), lid
    for did in devices:
        r = engine.operate_trace([did])
        expected_links, expected_ops = brute_force(links, devices, sources, operated=[did])
        assert (r.affected_links, r.devices_to_operate) == (expected_links, expected_ops), did
