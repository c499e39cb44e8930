"""Trace semantics on networks small enough to check by hand."""

import pytest

from gis_outage.network import build_network
from gis_outage.trace import TraceEngine, UnknownIdError

from .networks import layers, small_water


@pytest.fixture(scope="module")
def engine() -> TraceEngine:
    return TraceEngine(build_network(small_water()))


def test_break_is_isolated_by_the_nearest_operable_valves(engine):
    r = engine.break_trace(["L2"])
    assert r.devices_to_operate == ["V1", "V2"]
    assert r.isolated_links == ["L2"]
    # Downstream of V2, L3 and the node n2 lose their only path to the source.
    assert r.affected_links == ["L2", "L3"]
    assert r.affected_service_points == ["SP2", "SP4"]
    assert r.affected_addresses == ["A2"]
    assert r.customers == 3


def test_inoperable_valve_makes_the_trace_run_on(engine):
    r = engine.break_trace(["L5"])
    # V4 cannot be closed, so the isolation runs past it to V3.
    assert r.devices_to_operate == ["V3", "V5"]
    assert r.isolated_links == ["L4", "L5"]
    assert r.affected_links == ["L4", "L5", "L6"]
    assert r.affected_service_points == ["SP3"]
    assert r.customers == 1


def test_normally_closed_valve_is_a_boundary_not_a_device_to_operate(engine):
    r = engine.break_trace(["L3"])
    assert r.devices_to_operate == ["V2"]
    assert r.isolated_links == ["L3"]


def test_device_trace_cuts_off_everything_downstream(engine):
    r = engine.operate_trace(["V3"])
    assert r.devices_to_operate == ["V3"]
    assert r.isolated_links == []
    assert r.affected_links == ["L4", "L5", "L6"]
    assert r.affected_service_points == ["SP3"]


def test_operating_a_device_that_already_blocks_changes_nothing(engine):
    r = engine.operate_trace(["V6"])
    assert r.devices_to_operate == []
    assert r.affected_links == []


def test_break_at_the_source_cuts_off_everything(engine):
    r = engine.break_trace(["L1"])
    assert r.devices_to_operate == ["V1", "V3"]
    assert r.affected_links == ["L1", "L2", "L3", "L4", "L5", "L6"]
    assert r.customers == 3 + 2 + 1 + 1


def test_a_second_source_keeps_a_meshed_part_supplied():
    nodes = {"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)}
    links = {"1": ("a", "b"), "2": ("b", "c"), "3": ("c", "d")}
    devices = {"s1": {"link_id": "2", "node_id": "b", "kind": "switch"},
               "s2": {"link_id": "2", "node_id": "c", "kind": "switch"}}
    sps = {"p": {"node_id": "c"}}
    net = build_network(layers(nodes, links, devices, {"G1": "a", "G2": "d"}, sps))
    engine = TraceEngine(net)
    r = engine.break_trace(["2"])
    assert r.devices_to_operate == ["s1", "s2"]
    assert r.affected_links == ["2"]
    assert r.affected_service_points == []
    assert engine.operate_trace(["s1"]).affected_links == []


def test_device_at_a_node_separates_every_link_there():
    nodes = {"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (1, 1)}
    links = {"1": ("a", "b"), "2": ("b", "c"), "3": ("b", "d")}
    devices = {"k": {"node_id": "b", "kind": "switch"}}
    net = build_network(layers(nodes, links, devices, {"G": "a"}))
    r = TraceEngine(net).operate_trace(["k"])
    assert r.affected_links == ["2", "3"]


def test_device_on_a_link_without_node_sits_at_the_nearest_end():
    nodes = {"a": (0, 0), "b": (100, 0), "c": (200, 0)}
    links = {"1": ("a", "b"), "2": ("b", "c")}
    # The point is near c, so the valve is at link 2's c end: closing it cuts nothing.
    lay = layers(nodes, links, {"v": {"link_id": "2"}}, {"G": "a"})
    lay["devices"].loc[0, "geometry"] = lay["links"].geometry[1].interpolate(0.9, normalized=True)
    r = TraceEngine(build_network(lay)).operate_trace(["v"])
    assert r.affected_links == []


def test_topology_by_snapping_endpoints_gives_the_same_answer():
    snapped = small_water()
    snapped["links"] = snapped["links"].drop(columns=["from_node", "to_node"])
    # Nodes are named by snapping now, so devices and sources are placed by link and point.
    snapped["devices"] = snapped["devices"].assign(node_id=None)
    snapped["sources"] = snapped["sources"].assign(node_id=None)
    snapped["service_points"] = snapped["service_points"].drop(index=3)
    snapped["devices"]["geometry"] = snapped["devices"]["geometry"]
    engine = TraceEngine(build_network(snapped))
    assert engine.break_trace(["L2"]).affected_links == ["L2", "L3"]


def test_unknown_ids_are_named():
    engine = TraceEngine(build_network(small_water()))
    with pytest.raises(UnknownIdError, match="unknown link id 'nope'"):
        engine.break_trace(["nope"])
    with pytest.raises(UnknownIdError, match="unknown device id 'X'"):
        engine.operate_trace(["X"])
