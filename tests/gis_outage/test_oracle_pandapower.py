"""Device and break traces on pandapower's bundled networks against
``pandapower.topology.unsupplied_buses``.

Service point id = bus id, so affected service points are comparable with buses.
``mv_oberrhein`` (WGS84 geodata, 322 line switches, open rings) is the main case;
``example_multivoltage`` adds bus-bus switches, transformer switches, a three-winding
transformer and an impedance; ``mv_oberrhein_outages`` has lines, a transformer and a bus
out of service, so that a part of it has no supply before anything happens. Each net goes
through the converter and a GeoPackage file.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

pp = pytest.importorskip("pandapower")
pn = pytest.importorskip("pandapower.networks")
top = pytest.importorskip("pandapower.topology")

from gis_outage.convert.gpkg import write_layers  # noqa: E402
from gis_outage.convert.pandapower import link_id, pandapower_layers, switch_device_id  # noqa: E402
from gis_outage.network import build_network, read_layers  # noqa: E402
from gis_outage.trace import TraceEngine  # noqa: E402

LINE_BREAKS = 25
pytestmark = pytest.mark.filterwarnings("ignore:tap_dependency_table:DeprecationWarning")


@dataclass
class Case:
    name: str
    net: object
    engine: TraceEngine
    base_unsupplied: set[int]
    switch_of: dict[str, int]  # our device id -> pandapower switch index


def mv_oberrhein_outages() -> object:
    net = pn.mv_oberrhein()
    rng = random.Random(0)
    net.line.loc[rng.sample(sorted(net.line.index), 6), "in_service"] = False
    net.trafo.loc[142, "in_service"] = False  # leaves one of the two 20 kV areas without supply
    graph = top.create_nxgraph(net)
    middle = sorted(b for b in net.bus.index if graph.degree(b) == 2)
    net.bus.at[rng.choice(middle), "in_service"] = False
    return net


NETS = {
    "mv_oberrhein": pn.mv_oberrhein,
    "example_multivoltage": pn.example_multivoltage,
    "mv_oberrhein_outages": mv_oberrhein_outages,
}


def build_case(name: str, tmp: Path) -> Case:
    net = NETS[name]()
    path = tmp / f"{name}.gpkg"
    write_layers(pandapower_layers(net), path)
    engine = TraceEngine(build_network(read_layers(path)))
    return Case(
        name=name,
        net=net,
        engine=engine,
        base_unsupplied=set(top.unsupplied_buses(net)),
        switch_of={switch_device_id(i): int(i) for i in net.switch.index},
    )


@pytest.fixture(scope="module", params=list(NETS))
def case(request, tmp_path_factory) -> Case:
    return build_case(request.param, tmp_path_factory.mktemp("pp"))


def newly_unsupplied(case: Case, net: object) -> set[str]:
    return {str(b) for b in set(top.unsupplied_buses(net)) - case.base_unsupplied}


def test_opening_each_closed_switch_matches_unsupplied_buses(case: Case) -> None:
    closed = case.net.switch.index[case.net.switch["closed"].astype(bool)]
    assert len(closed) > 0
    cut_off_some = 0
    for index in closed:
        opened = copy.deepcopy(case.net)
        opened.switch.at[index, "closed"] = False
        expected = newly_unsupplied(case, opened)
        r = case.engine.operate_trace([switch_device_id(index)])
        assert set(r.affected_service_points) == expected, f"switch {index}"
        assert r.customers >= len(expected)
        cut_off_some += bool(expected)
    assert cut_off_some > len(closed) // 4  # not a vacuous comparison


def test_opening_a_normally_open_switch_changes_nothing(case: Case) -> None:
    for index in case.net.switch.index[~case.net.switch["closed"].astype(bool)]:
        r = case.engine.operate_trace([switch_device_id(index)])
        assert r.affected_service_points == [] and r.devices_to_operate == []


def test_line_breaks_match_unsupplied_buses(case: Case) -> None:
    """Take the line out, open the switches the trace names: the same buses lose supply.

    With the line back in service and those switches still open, the answer must not
    change either: the switches really isolate the fault.
    """
    net = case.net
    # Lines carrying supply: the isolated segment counts even where it had no supply before,
    # pandapower's difference would not.
    open_lines = set(net.switch.element[(net.switch["et"] == "l") & ~net.switch["closed"]])
    supplied = net.line["in_service"].astype(bool) & ~net.line.index.isin(open_lines)
    for end in ("from_bus", "to_bus"):
        supplied &= ~net.line[end].isin(case.base_unsupplied)
    lines = sorted(int(i) for i in net.line.index[supplied])
    chosen = random.Random(f"{case.name}-lines").sample(lines, min(LINE_BREAKS, len(lines)))
    beyond_segment = 0
    for index in chosen:
        r = case.engine.break_trace([link_id("line", index)])
        assert link_id("line", index) in r.isolated_links
        switches = [case.switch_of[d] for d in r.devices_to_operate]
        assert all(bool(net.switch.at[s, "closed"]) for s in switches), r.devices_to_operate

        isolated = copy.deepcopy(net)
        isolated.switch.loc[switches, "closed"] = False
        energised_line = newly_unsupplied(case, isolated)
        isolated.line.at[index, "in_service"] = False
        expected = newly_unsupplied(case, isolated)

        assert set(r.affected_service_points) == expected, f"line {index}"
        assert energised_line == expected, f"line {index} is not isolated by {switches}"
        beyond_segment += len(r.affected_links) > len(r.isolated_links)
    assert beyond_segment > 0
