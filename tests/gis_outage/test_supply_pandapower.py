"""Field state on pandapower networks against ``pandapower.topology.unsupplied_buses``
after applying the same switch changes to the pandapower net.

Service point id = bus id; ``cigre_mv`` gets a load-break switch at each bare line end. A
line break is the line out of service and the switches of the isolation opened; back-feed
closes an open switch; a stuck switch is one the isolation may not use; resolving one of
two outages puts its line back and closes its switches. Whether a closure keeps the network
radial is counted on pandapower's own graph: independent loops of the energised part,
every external grid joined to one root.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass

import networkx as nx
import pytest

pp = pytest.importorskip("pandapower")
pn = pytest.importorskip("pandapower.networks")
top = pytest.importorskip("pandapower.topology")

from gis_outage.convert.gpkg import write_layers  # noqa: E402
from gis_outage.convert.pandapower import link_id, pandapower_layers, switch_device_id  # noqa: E402
from gis_outage.network import build_network, read_layers  # noqa: E402
from gis_outage.supply import FieldEngine, FieldState  # noqa: E402
from gis_outage.trace import TraceEngine  # noqa: E402

BREAKS = 12
pytestmark = pytest.mark.filterwarnings("ignore:tap_dependency_table:DeprecationWarning")


@dataclass
class Case:
    name: str
    net: object
    engine: FieldEngine
    base: set[int]  # buses unsupplied before anything happens
    switch_of: dict[str, int]


def cigre_mv() -> object:
    """CIGRE MV with a closed load-break switch at each line end that has none, as
    sectionalised feeders have, so that a fault leaves a healthy part to feed back."""
    net = pn.create_cigre_network_mv(with_der=False)
    have = set(zip(net.switch.bus, net.switch.element, strict=True))
    for line in net.line.index:
        for bus in (net.line.at[line, "from_bus"], net.line.at[line, "to_bus"]):
            if (bus, line) not in have:
                pp.create_switch(net, bus, line, et="l", closed=True, type="LBS")
    return net


NETS = {"mv_oberrhein": pn.mv_oberrhein, "cigre_mv": cigre_mv}


@pytest.fixture(scope="module", params=list(NETS))
def case(request, tmp_path_factory) -> Case:
    net = NETS[request.param]()
    path = tmp_path_factory.mktemp("pp") / f"{request.param}.gpkg"
    write_layers(pandapower_layers(net), path)
    engine = FieldEngine(TraceEngine(build_network(read_layers(path))))
    return Case(request.param, net, engine, set(top.unsupplied_buses(net)),
                {switch_device_id(i): int(i) for i in net.switch.index})


def lost(case: Case, net) -> list[str]:
    """Buses without supply that have it normally, as service point ids."""
    return sorted(str(b) for b in set(top.unsupplied_buses(net)) - case.base)


def apply(case: Case, net, line: int | None, opened=(), closed=()):
    out = copy.deepcopy(net)
    if line is not None:
        out.line.at[line, "in_service"] = False
    out.switch.loc[[case.switch_of[d] for d in opened], "closed"] = False
    out.switch.loc[[case.switch_of[d] for d in closed], "closed"] = True
    return out


def loops(net) -> int:
    graph = top.create_nxgraph(net, respect_switches=True, multi=True)
    for bus in net.ext_grid.bus[net.ext_grid.in_service.astype(bool)]:
        graph.add_edge("root", int(bus))
    on = graph.subgraph(nx.node_connected_component(graph, "root"))
    return on.number_of_edges() - on.number_of_nodes() + 1


def line_fed(case: Case, net, line: int) -> bool:
    """With the line back in service, supply reaches it through a closed end."""
    back = copy.deepcopy(net)
    back.line.at[line, "in_service"] = True
    dead = set(top.unsupplied_buses(back))
    sw = back.switch[(back.switch.et == "l") & (back.switch.element == line)]
    for end in ("from_bus", "to_bus"):
        bus = int(back.line.at[line, end])
        open_here = ((sw.bus == bus) & ~sw.closed.astype(bool)).any()
        if bus not in dead and not open_here:
            return True
    return False


def supplied_lines(case: Case) -> list[int]:
    net = case.net
    open_lines = set(net.switch.element[(net.switch.et == "l") & ~net.switch.closed])
    ok = [int(i) for i in net.line.index if i not in open_lines
          and int(net.line.at[i, "from_bus"]) not in case.base]
    return sorted(random.Random(case.name).sample(ok, min(BREAKS, len(ok))))


def test_isolation_and_backfeed_match_unsupplied_buses(case: Case) -> None:
    suggested = 0
    for line in supplied_lines(case):
        iso = case.engine.isolate([link_id("line", line)], FieldState())
        state = iso.state()
        isolated = apply(case, case.net, line, opened=iso.devices_to_operate)
        assert case.engine.cut_off(state).affected_service_points == lost(case, isolated), line
        assert not line_fed(case, isolated, line)
        before = loops(isolated)
        options = {}
        for index in isolated.switch.index[~isolated.switch.closed.astype(bool)]:
            device = switch_device_id(index)
            trial = apply(case, isolated, None, closed=[device])
            restored = sorted(set(lost(case, isolated)) - set(lost(case, trial)))
            if restored and not line_fed(case, trial, line):
                options[device] = (restored, loops(trial) > before)
        for radial in (True, False):
            expected = {d: o for d, o in options.items() if not (radial and o[1])}
            got = {s.device: (s.restores.affected_service_points, s.meshed)
                   for s in case.engine.backfeed(state, radial=radial)}
            assert got == expected, (line, radial)
            suggested += bool(got)
    assert suggested > 0


def test_stuck_switches_overlapping_outages_and_staged_restoration(case: Case) -> None:
    lines = supplied_lines(case)
    rng = random.Random(f"{case.name}-overlap")
    for a_line, b_line in zip(lines[::2], lines[1::2], strict=False):
        a_link, b_link = link_id("line", a_line), link_id("line", b_line)
        a = case.engine.isolate([a_link], FieldState())
        # One switch of A's plan will not open: A is planned again without it.
        stuck = rng.choice(a.devices_to_operate)
        a = case.engine.isolate([a_link], FieldState().finding([stuck]))
        assert stuck not in a.devices_to_operate
        b = case.engine.isolate([b_link], a.state().finding([stuck]))
        both = a.state().merge(b.state())
        net = apply(case, case.net, a_line, opened=a.devices_to_operate)
        net = apply(case, net, b_line, opened=b.devices_to_operate)
        assert case.engine.cut_off(both).affected_service_points == lost(case, net)
        assert not line_fed(case, net, a_line) and not line_fed(case, net, b_line)

        # A is repaired and its switches closed again, except those B's work area relies on.
        after, keep = case.engine.release_safely(
            both.repaired(a.work_links, a.work_nodes), a.devices_to_operate)
        case.engine.check_not_feeding(both, after)
        only_b = apply(case, net, None, closed=[d for d in a.devices_to_operate if d not in keep])
        only_b.line.at[a_line, "in_service"] = True
        change = case.engine.compare(both, after)
        assert change.regained.affected_service_points == sorted(
            set(lost(case, net)) - set(lost(case, only_b)))
        assert change.lost.affected_service_points == sorted(
            set(lost(case, only_b)) - set(lost(case, net)))

        # B comes back in stages: each switch closed gives back what pandapower says.
        current, current_net = after.repaired(b.work_links, b.work_nodes), copy.deepcopy(only_b)
        current_net.line.at[b_line, "in_service"] = True
        for device in b.devices_to_operate:
            nxt = current.release([device])
            nxt_net = apply(case, current_net, None, closed=[device])
            change = case.engine.compare(current, nxt)
            assert change.regained.affected_service_points == sorted(
                set(lost(case, current_net)) - set(lost(case, nxt_net)))
            current, current_net = nxt, nxt_net
        assert case.engine.cut_off(current).affected_service_points == lost(case, current_net)
