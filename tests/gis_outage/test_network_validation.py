"""Bad network files get every problem named by layer and feature id."""

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from gis_outage.network import NetworkError, build_network, read_layers

from .networks import small_water


def write(layers, path):
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def problems_of(layers) -> list[str]:
    with pytest.raises(NetworkError) as err:
        build_network(layers)
    return [str(p) for p in err.value.problems]


def test_a_good_file_round_trips_through_geopackage(tmp_path):
    layers = read_layers(write(small_water(), tmp_path / "net.gpkg"))
    assert set(layers) == {"links", "devices", "sources", "service_points"}
    net = build_network(layers)
    assert len(net.link_ids) == 6 and len(net.device_ids) == 6
    assert not net.device_passes[net.device_index["V6"]]
    assert not net.device_operable[net.device_index["V4"]]
    assert net.crs.to_epsg() == 3067


def test_every_problem_is_reported_at_once():
    layers = small_water()
    links = layers["links"]
    links.loc[1, "id"] = "L1"  # duplicate
    links.loc[2, "geometry"] = LineString()
    layers["devices"].loc[0, "link_id"] = "nope"
    layers["devices"].loc[4, "node_id"] = "n3"  # not an end of L5
    layers["devices"]["normally_passes"] = layers["devices"]["normally_passes"].astype(object)
    layers["devices"].loc[2, "normally_passes"] = "maybe"
    layers["devices"].loc[3, "kind"] = "tap"
    layers["sources"].loc[0, "node_id"] = "n99"
    layers["service_points"].loc[0, "customers"] = -2
    layers["addresses"] = gpd.GeoDataFrame(
        {"id": ["A1"], "street": ["Mannerheimintie"], "house_number": ["1"],
         "postal_code": ["00100"], "municipality": ["Helsinki"]},
        geometry=[Point(0, 0)], crs="EPSG:3067",
    )
    found = problems_of(layers)
    assert "links 'L1': id is used by more than one feature" in found
    assert "links 'L3': geometry is missing or empty" in found
    assert "devices 'V1': link_id 'nope' is not a link" in found
    assert "devices 'V5': node_id 'n3' is not an end of link 'L5'" in found
    assert "devices 'V2': link_id 'L2' is not a link" in found  # L2's row is a second L1
    assert "devices 'V3': normally_passes must be true or false, not 'maybe'" in found
    assert "devices 'V4': kind 'tap' is not one of valve, switch, breaker, fuse" in found
    assert "sources 'S1': node_id 'n99' is not a node" in found
    assert "service_points 'SP1': customers must be a whole number ≥ 0, not -2" in found
    assert "service_points 'SP2': address_id 'A2' is not an address" in found


def test_missing_links_layer_and_unreadable_files(tmp_path):
    assert problems_of({}) == ["links: layer is missing or empty"]
    garbage = tmp_path / "broken.gpkg"
    garbage.write_bytes(b"this is not a geopackage")
    with pytest.raises(NetworkError, match="cannot read"):
        read_layers(garbage)
    with pytest.raises(NetworkError, match="file not found"):
        read_layers(tmp_path / "missing.gpkg")


def test_wrong_geometry_type_and_missing_ids():
    layers = small_water()
    layers["sources"].loc[0, "geometry"] = LineString([(0, 0), (1, 1)])
    layers["service_points"].loc[1, "id"] = None
    found = problems_of(layers)
    assert "sources 'S1': geometry is LineString, expected Point" in found
    assert "service_points '#2': feature has no id" in found


def test_a_folder_of_geojson_files_is_read_like_a_geopackage(tmp_path):
    for name, gdf in small_water().items():
        gdf.to_file(tmp_path / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
    net = build_network(read_layers(tmp_path))
    assert sorted(net.link_ids) == ["L1", "L2", "L3", "L4", "L5", "L6"]


def test_duplicate_ids_and_broken_references_are_reported_in_one_run():
    layers = small_water()
    layers["links"].loc[5, "id"] = "L5"  # L6 becomes a second L5
    layers["devices"].loc[0, "link_id"] = "L99"
    layers["service_points"].loc[0, "link_id"] = "L77"
    layers["sources"].loc[0, "node_id"] = "n99"
    assert problems_of(layers) == [
        "links 'L5': id is used by more than one feature",
        "devices 'V1': link_id 'L99' is not a link",
        "sources 'S1': node_id 'n99' is not a node",
        "service_points 'SP1': link_id 'L77' is not a link",
        "service_points 'SP3': link_id 'L6' is not a link",
    ]


def test_geometry_and_topology_problems_do_not_hide_the_reference_checks():
    layers = small_water()
    links = layers["links"]
    links.loc[0, "geometry"] = None  # missing
    links["from_node"] = links["from_node"].astype(object)
    links.loc[1, "from_node"] = None  # an empty end
    layers["devices"].loc[0, "link_id"] = "L99"
    layers["devices"].loc[4, "geometry"] = None
    layers["sources"].loc[0, "node_id"] = "n99"
    found = problems_of(layers)
    assert "links 'L1': geometry is missing or empty" in found
    assert "links 'L2': from_node is empty" in found
    assert "devices 'V5': geometry is missing or empty" in found
    assert "devices 'V1': link_id 'L99' is not a link" in found
    assert "sources 'S1': node_id 'n99' is not a node" in found


def test_without_node_ids_a_line_without_geometry_does_not_stop_the_other_checks():
    layers = small_water()
    links = layers["links"].drop(columns=["from_node", "to_node"])
    links.loc[2, "geometry"] = LineString([(5, 5), (5, 5)])  # zero length, no node ids
    links.loc[3, "geometry"] = None
    layers["links"] = links
    layers["devices"] = layers["devices"].drop(columns=["node_id"])
    layers["devices"].loc[0, "link_id"] = "L99"
    layers["sources"] = layers["sources"].drop(columns=["node_id"])
    layers["sources"].loc[0, "geometry"] = Point(9999, 9999)
    found = problems_of(layers)
    assert "links 'L3': line has zero length and no from_node/to_node" in found
    assert "links 'L4': geometry is missing or empty" in found
    assert "devices 'V1': link_id 'L99' is not a link" in found
    assert any(p.startswith("sources 'S1': has no node_id and is not on a link end")
               for p in found)
