"""The synthetic city network: deterministic, in proportion, valid, supplied."""

from __future__ import annotations

import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gis_outage.synthetic import MIN_LINKS, city_network

N_LINKS = 5000
LAYERS = ("links", "devices", "sources", "service_points")


@pytest.fixture(scope="module")
def city() -> dict[str, gpd.GeoDataFrame]:
    return city_network(N_LINKS, seed=3)


def _link_ends(links: gpd.GeoDataFrame) -> dict[tuple[str, str], int]:
    """(link id, node id) -> 0 for the from end, 1 for the to end."""
    return {
        **{(lid, node): 0 for lid, node in zip(links["id"], links["from_node"], strict=True)},
        **{(lid, node): 1 for lid, node in zip(links["id"], links["to_node"], strict=True)},
    }


def test_same_seed_same_network_other_seed_other_network() -> None:
    a, b = city_network(2000, seed=7), city_network(2000, seed=7)
    for name in LAYERS:
        assert_geodataframe_equal(a[name], b[name], check_less_precise=False)
    c = city_network(2000, seed=8)
    assert not a["links"].geometry.geom_equals_exact(c["links"].geometry, 0).all()


@pytest.mark.parametrize("n", [MIN_LINKS, 1234, 20_000])
def test_exactly_the_links_asked_for(n: int) -> None:
    assert len(city_network(n)["links"]) == n


def test_too_small_is_refused() -> None:
    with pytest.raises(ValueError):
        city_network(MIN_LINKS - 1)


def test_columns_crs_and_geometry_types(city: dict[str, gpd.GeoDataFrame]) -> None:
    expected = {
        "links": ({"id", "from_node", "to_node", "kind"}, "LineString"),
        "devices": ({"id", "link_id", "node_id", "kind", "normally_passes", "operable"}, "Point"),
        "sources": ({"id", "node_id"}, "Point"),
        "service_points": ({"id", "link_id", "address_id", "customers"}, "Point"),
    }
    for name, (columns, geom_type) in expected.items():
        layer = city[name]
        assert columns <= set(layer.columns), name
        assert layer.crs.to_epsg() == 3067, name
        assert (layer.geom_type == geom_type).all(), name
        x0, y0, x1, y1 = layer.total_bounds
        assert 50_000 < x0 < x1 < 800_000 and 6_600_000 < y0 < y1 < 7_800_000, name
    assert (city["links"]["kind"] == "pipe").all()
    assert (city["devices"]["kind"] == "valve").all()
    assert city["devices"]["normally_passes"].dtype == bool
    assert city["devices"]["operable"].dtype == bool


def test_proportions(city: dict[str, gpd.GeoDataFrame]) -> None:
    links, devices = city["links"], city["devices"]
    sources, sps = city["sources"], city["service_points"]
    assert 1 / 3 <= len(devices) / len(links) <= 1 / 2  # a valve per 2–3 links
    assert 0.002 <= (~devices["operable"]).mean() <= 0.025  # about 1% inoperable
    closed = devices[~devices["normally_passes"]]
    assert 2 <= len(closed) <= 12  # a few normally-closed boundaries
    assert set(links.set_index("id").loc[closed["link_id"], "role"]) == {"tie"}
    assert 2 <= len(sources) <= 8  # a handful of plants
    assert 0.85 <= len(sps) / len(links) <= 1.15  # about one service point per link
    customers = sps["customers"]
    assert customers.min() == 1 and customers.max() <= 40 and customers.max() > 20
    assert (customers == 1).mean() > 0.5


def test_meshed_with_dead_ends(city: dict[str, gpd.GeoDataFrame]) -> None:
    links = city["links"]
    graph = nx.MultiGraph()
    graph.add_edges_from(zip(links["from_node"], links["to_node"], strict=True))
    assert nx.number_connected_components(graph) == 1
    loops = graph.number_of_edges() - graph.number_of_nodes() + 1
    assert loops > 0.3 * len(links)  # a street grid, not a tree
    degrees = np.array([d for _, d in graph.degree()])
    assert (degrees == 1).mean() > 0.03  # dead-end branches
    assert (degrees >= 3).mean() > 0.3  # junctions
    roles = links["role"].value_counts()
    assert roles["trunk"] >= 3 and roles["tie"] >= 2 and roles["branch"] > 0.05 * len(links)


def test_references_are_valid(city: dict[str, gpd.GeoDataFrame]) -> None:
    links, devices = city["links"], city["devices"]
    sources, sps = city["sources"], city["service_points"]
    for name in LAYERS:
        assert city[name]["id"].is_unique, name
    nodes = set(links["from_node"]) | set(links["to_node"])
    assert not (links["from_node"] == links["to_node"]).any()
    ends = _link_ends(links)
    assert all(
        (lid, node) in ends
        for lid, node in zip(devices["link_id"], devices["node_id"], strict=True)
    )
    assert not devices[["link_id", "node_id"]].duplicated().any()  # one valve per link end
    assert set(sources["node_id"]) <= nodes
    assert set(sps["link_id"]) <= set(links["id"])
    assert sps["address_id"].isna().all()


def test_geometry_agrees_with_topology(city: dict[str, gpd.GeoDataFrame]) -> None:
    links, devices = city["links"], city["devices"]
    geoms = links.geometry.to_numpy()
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    # A node has one position, wherever it appears.
    node_xy: dict[str, tuple[float, float]] = {}
    for node, xy in zip(
        np.concatenate([links["from_node"], links["to_node"]]), np.vstack([start, end]), strict=True
    ):
        assert node_xy.setdefault(node, tuple(xy)) == tuple(xy), node
    # A valve stands on its link, close to its node.
    by_id = links.set_index("id").geometry
    link_geoms = by_id.loc[devices["link_id"]].to_numpy()
    assert (shapely.distance(devices.geometry.to_numpy(), link_geoms) < 1e-6).all()
    node_points = shapely.points([node_xy[n] for n in devices["node_id"]])
    assert (shapely.distance(devices.geometry.to_numpy(), node_points) <= 3.0 + 1e-6).all()
    sources = city["sources"]
    source_points = shapely.points([node_xy[n] for n in sources["node_id"]])
    assert shapely.equals(sources.geometry.to_numpy(), source_points).all()


def test_everything_is_supplied_in_normal_state(city: dict[str, gpd.GeoDataFrame]) -> None:
    """From the sources, past every valve but the normally-closed ones, reach every link."""
    links, devices = city["links"], city["devices"]
    closed = set(
        zip(
            devices.loc[~devices["normally_passes"], "link_id"],
            devices.loc[~devices["normally_passes"], "node_id"],
            strict=True,
        )
    )
    graph = nx.Graph()  # vertices: ("node", id), ("link", id); an edge per open link end
    for column in ("from_node", "to_node"):
        graph.add_edges_from(
            (("node", node), ("link", lid))
            for lid, node in zip(links["id"], links[column], strict=True)
            if (lid, node) not in closed
        )
    graph.add_edges_from(("plants", ("node", node)) for node in city["sources"]["node_id"])
    reached = nx.node_connected_component(graph, "plants")
    assert all(("link", lid) in reached for lid in links["id"])
    assert all(("link", lid) in reached for lid in city["service_points"]["link_id"])


def test_segments_are_small_like_a_valve_plan(city: dict[str, gpd.GeoDataFrame]) -> None:
    """Closing a segment's valves shuts off a handful of links, not a district."""
    links, devices = city["links"], city["devices"]
    n_links = len(links)
    node_index = {n: i for i, n in enumerate(set(links["from_node"]) | set(links["to_node"]))}
    ends = _link_ends(links)
    link_pos = {lid: i for i, lid in enumerate(links["id"])}
    valved = np.zeros(2 * n_links, dtype=bool)
    for lid, node in zip(devices["link_id"], devices["node_id"], strict=True):
        valved[2 * link_pos[lid] + ends[(lid, node)]] = True
    end_node = np.empty(2 * n_links, dtype=np.int64)
    end_node[0::2] = [node_index[n] for n in links["from_node"]]
    end_node[1::2] = [node_index[n] for n in links["to_node"]]
    end_link = len(node_index) + np.repeat(np.arange(n_links), 2)
    size = len(node_index) + n_links
    graph = coo_matrix(
        (np.ones((~valved).sum()), (end_node[~valved], end_link[~valved])), shape=(size, size)
    )
    _, label = connected_components(graph, directed=False)
    links_per_segment = np.bincount(label[len(node_index) :])
    links_per_segment = links_per_segment[links_per_segment > 0]
    assert np.median(links_per_segment) <= 15
    assert links_per_segment.max() < 0.05 * n_links


@pytest.mark.slow
def test_a_million_links_in_well_under_a_minute() -> None:
    started = time.perf_counter()
    layers = city_network(1_000_000)
    elapsed = time.perf_counter() - started
    assert len(layers["links"]) == 1_000_000
    assert elapsed < 30, f"{elapsed:.1f} s"
