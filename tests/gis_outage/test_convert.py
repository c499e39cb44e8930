"""The converters write GeoPackages that match their source models, read back with pyogrio."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import Point

from gis_outage.convert.gpkg import SCHEMA
from gis_outage.network import build_network, read_layers

wntr = pytest.importorskip("wntr")
pp = pytest.importorskip("pandapower")
pn = pytest.importorskip("pandapower.networks")

from gis_outage.convert.epanet import convert_epanet  # noqa: E402
from gis_outage.convert.pandapower import convert_pandapower, link_id, switch_device_id  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:tap_dependency_table:DeprecationWarning")
INTERCHANGE = {"links", "devices", "sources", "service_points"}


def inp(name: str) -> Path:
    return Path(wntr.library.model_library.get_filepath(name))


def check_schema(path: Path, counts: dict[str, int], crs: str | None) -> None:
    """Layer names, geometry types, required columns, CRS, and counts as returned."""
    listed = {name: geometry for name, geometry in pyogrio.list_layers(path)}
    assert set(listed) == INTERCHANGE
    for name in INTERCHANGE:
        geometry_type, required = SCHEMA[name]
        info = pyogrio.read_info(path, layer=name)
        assert listed[name] == geometry_type
        assert list(info["fields"][: len(required)]) == list(required)
        assert info["crs"] == crs
        assert info["features"] == counts[name]
    devices = pyogrio.read_info(path, layer="devices")
    subtypes = dict(zip(devices["fields"], devices["ogr_subtypes"], strict=True))
    assert subtypes["normally_passes"] == subtypes["operable"] == "OFSTBoolean"


def read(path: Path, name: str):
    return pyogrio.read_dataframe(path, layer=name)


# --------------------------------------------------------------------------- EPANET


@pytest.mark.parametrize("name", ["Net3", "ky10"])
def test_epanet_layers_match_the_model(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.gpkg"
    counts = convert_epanet(inp(name), out, seed=7)
    check_schema(out, counts, crs=None)

    wn = wntr.network.WaterNetworkModel(str(inp(name)))
    valves = wntr.network.generate_valve_layer(wn, "strategic", 2, seed=7)
    closed = [n for n, p in wn.pipes() if p.initial_status == wntr.network.LinkStatus.Closed]
    demand = wn.query_node_attribute("base_demand", node_type=wntr.network.Junction)
    assert counts == {
        "links": wn.num_links,
        "devices": len(valves) + len(closed),
        "sources": wn.num_reservoirs + wn.num_tanks,
        "service_points": int((demand > 0).sum()),
    }

    links = read(out, "links").set_index("id")
    assert set(links.index) == set(wn.link_name_list)
    kinds = links["kind"].value_counts().to_dict()
    expected_kinds = {"pipe": wn.num_pipes, "pump": wn.num_pumps, "valve": wn.num_valves}
    assert kinds == {k: v for k, v in expected_kinds.items() if v}
    for lname, link in wn.links():
        row = links.loc[lname]
        assert (row["from_node"], row["to_node"]) == (link.start_node_name, link.end_node_name)
        coords = list(row.geometry.coords)
        assert coords[0] == pytest.approx(link.start_node.coordinates)
        assert coords[-1] == pytest.approx(link.end_node.coordinates)
        for vertex in link.vertices:
            assert tuple(vertex) in coords
        if link.link_type == "Pipe":
            assert row["length_m"] == pytest.approx(link.length)
            assert row["diameter_mm"] == pytest.approx(link.diameter * 1000)

    devices = read(out, "devices")
    pairs = set(zip(devices["link_id"], devices["node_id"], strict=True))
    assert set(zip(valves["link"], valves["node"], strict=True)) <= pairs
    assert devices["id"].is_unique
    assert set(devices["kind"]) == {"valve"} and devices["operable"].all()
    shut = devices[~devices["normally_passes"]]
    assert sorted(shut["link_id"]) == sorted(closed)
    for row in devices.itertuples():
        line = links.loc[row.link_id].geometry
        assert line.distance(row.geometry) < 1e-6 * max(1.0, line.length)
        # Near its node's end of the link; a link drawn at one point is zero-length.
        at_start = row.node_id == links.loc[row.link_id, "from_node"]
        end, other = (line.coords[0], line.coords[-1])[:: 1 if at_start else -1]
        if line.length > 0:
            assert Point(end).distance(row.geometry) < Point(other).distance(row.geometry)

    sources = read(out, "sources")
    assert set(sources["id"]) == set(wn.reservoir_name_list) | set(wn.tank_name_list)
    assert (sources["id"] == sources["node_id"]).all()

    sps = read(out, "service_points")
    assert set(sps["node_id"]) == set(demand.index[demand > 0])
    assert (sps["customers"] == 1).all() and sps["address_id"].isna().all()

    net = build_network(read_layers(out))
    assert len(net.node_ids) == wn.num_nodes


def test_epanet_valves_can_be_left_out_or_read_from_csv(tmp_path: Path) -> None:
    none = convert_epanet(inp("Net3"), tmp_path / "none.gpkg", valves="none")
    assert none["devices"] == 1  # the Closed pipe 330 only
    csv = tmp_path / "valves.csv"
    csv.write_text("link,node\n10,10\n101,10\n")
    counts = convert_epanet(inp("Net3"), tmp_path / "csv.gpkg", valves=str(csv))
    assert counts["devices"] == 3
    with pytest.raises(ValueError):
        convert_epanet(inp("Net3"), tmp_path / "bad.gpkg", valves="everywhere")


def test_epanet_valve_layer_follows_the_seed(tmp_path: Path) -> None:
    def pairs(seed: int) -> set[tuple[str, str]]:
        out = tmp_path / f"s{seed}.gpkg"
        convert_epanet(inp("Net3"), out, seed=seed)
        d = read(out, "devices")
        return set(zip(d["link_id"], d["node_id"], strict=True))

    assert pairs(3) == pairs(3) != pairs(4)


# --------------------------------------------------------------------------- pandapower


def test_mv_oberrhein_layers_match_the_net(tmp_path: Path) -> None:
    net = pn.mv_oberrhein()
    out = tmp_path / "oberrhein.gpkg"
    counts = convert_pandapower(net, out)
    check_schema(out, counts, crs="EPSG:4326")
    assert counts == {
        "links": len(net.line) + len(net.trafo),
        "devices": len(net.switch),
        "sources": len(net.ext_grid),
        "service_points": len(net.bus),
    }

    links = read(out, "links").set_index("id")
    kinds = links["kind"].value_counts().to_dict()
    assert kinds == {
        "cable": int((net.line["type"] == "cs").sum()),
        "line": int((net.line["type"] != "cs").sum()),
        "transformer": len(net.trafo),
    }
    for index, line in net.line.iterrows():
        row = links.loc[link_id("line", index)]
        assert (row["from_node"], row["to_node"]) == (str(line.from_bus), str(line.to_bus))
        assert row.geometry.equals_exact(shapely.from_geojson(line.geo), 1e-12)
    for index, trafo in net.trafo.iterrows():
        row = links.loc[link_id("trafo", index)]
        assert (row["from_node"], row["to_node"]) == (str(trafo.hv_bus), str(trafo.lv_bus))
        # Drawn from bus to bus: at one point when the buses share it, zero-length then.
        assert len(row.geometry.coords) == 2 and not row.geometry.is_empty

    devices = read(out, "devices").set_index("id")
    for index, switch in net.switch.iterrows():
        row = devices.loc[switch_device_id(index)]
        assert row["link_id"] == link_id("line", switch.element)
        assert row["node_id"] == str(switch.bus)
        assert bool(row["normally_passes"]) == bool(switch.closed)
        assert row["kind"] == ("breaker" if switch.type == "CB" else "switch")

    sources = read(out, "sources")
    assert sorted(sources["node_id"]) == sorted(str(b) for b in net.ext_grid.bus)

    sps = read(out, "service_points").set_index("id")
    assert set(sps.index) == {str(b) for b in net.bus.index}
    assert (sps.index == sps["node_id"]).all()
    loads = net.load.groupby("bus").size()
    for bus in net.bus.index:
        assert sps.at[str(bus), "customers"] == max(1, int(loads.get(bus, 0)))
        bus_point = shapely.from_geojson(net.bus.at[bus, "geo"])
        assert sps.at[str(bus), "geometry"].equals_exact(bus_point, 1e-12)

    build_network(read_layers(out))


def test_switches_of_every_kind_without_geodata(tmp_path: Path) -> None:
    net = pn.example_multivoltage()
    out = tmp_path / "multivoltage.gpkg"
    counts = convert_pandapower(net, out)
    check_schema(out, counts, crs=None)
    bus_switches = net.switch[net.switch["et"] == "b"]
    n_links = len(net.line) + len(net.trafo) + 3 * len(net.trafo3w) + len(net.impedance)
    assert counts["links"] == n_links + len(bus_switches)
    assert counts["devices"] == len(net.switch)

    links = read(out, "links").set_index("id")
    devices = read(out, "devices").set_index("id")
    assert (links["kind"] == "bus_coupler").sum() == len(bus_switches)
    for index, switch in net.switch.iterrows():
        device = devices.loc[switch_device_id(index)]
        link = links.loc[device["link_id"]]
        assert device["node_id"] == str(switch.bus)
        assert device["node_id"] in (link["from_node"], link["to_node"])
        other = {"b": str(switch.element), "l": None, "t": None}[switch.et]
        if other is not None:
            assert {link["from_node"], link["to_node"]} == {str(switch.bus), other}
        if switch.et == "t":
            assert device["link_id"] == link_id("trafo", switch.element)
    build_network(read_layers(out))


def small_net():
    """ext grid - 0 =trafo= 1 -line0- 2 -line1 (out of service)- 3, a bus coupler 2-4."""
    net = pp.create_empty_network()
    for i in range(5):
        pp.create_bus(net, vn_kv=110 if i == 0 else 20, geodata=(24.9 + i / 100, 60.2))
    pp.create_ext_grid(net, 0)
    trafo = pp.create_transformer(net, 0, 1, "25 MVA 110/20 kV")
    pp.create_line(net, 1, 2, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_line(net, 2, 3, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", in_service=False)
    pp.create_switch(net, 1, trafo, et="t", type="CB", closed=True)
    pp.create_switch(net, 2, 4, et="b", type="DS", closed=False)
    for bus in (2, 2, 2, 3):
        pp.create_load(net, bus, p_mw=0.1)
    return net


def test_out_of_service_lines_loads_and_json_input(tmp_path: Path) -> None:
    net = small_net()
    source = tmp_path / "net.json"
    pp.to_json(net, str(source))
    out = tmp_path / "small.gpkg"
    counts = convert_pandapower(source, out)
    check_schema(out, counts, crs="EPSG:4326")
    assert counts == {"links": 4, "devices": 4, "sources": 1, "service_points": 5}

    devices = read(out, "devices").set_index("id")
    breaker = devices.loc[switch_device_id(0)]
    assert (breaker["link_id"], breaker["node_id"], breaker["kind"]) == ("trafo-0", "1", "breaker")
    coupler = devices.loc[switch_device_id(1)]
    assert coupler["link_id"] == "coupler-1" and not coupler["normally_passes"]
    dead = devices[devices["link_id"] == link_id("line", 1)]
    assert sorted(dead["node_id"]) == ["2", "3"] and not dead["normally_passes"].any()

    sps = read(out, "service_points").set_index("id")
    assert sps["customers"].to_dict() == {"0": 1, "1": 1, "2": 3, "3": 1, "4": 1}

    from gis_outage.trace import TraceEngine

    engine = TraceEngine(build_network(read_layers(out)))
    r = engine.break_trace([link_id("line", 0)])
    assert r.devices_to_operate == [switch_device_id(0)]
    assert r.affected_service_points == ["1", "2"]  # 3 and 4 had no supply before
