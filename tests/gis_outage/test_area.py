"""The public area never outlines a house and never follows the network."""

import geopandas as gpd
from shapely.geometry import Point

from gis_outage.area import public_area


def test_one_house_gives_a_cell_not_the_house():
    house = Point(385_123.0, 6_672_456.0)  # EPSG:3067, Helsinki
    area = public_area(gpd.GeoSeries([house], crs="EPSG:3067"), None)
    metric = gpd.GeoSeries([area.polygon], crs="EPSG:4326").to_crs("EPSG:3067").iloc[0]
    assert metric.contains(house)
    # Wider than a house lot and not centred on the house.
    assert metric.area > 150 * 150
    assert metric.centroid.distance(house) > 1.0


def test_nearby_points_merge_and_far_ones_stay_apart():
    pts = [Point(385_000 + 20 * i, 6_672_000) for i in range(10)] + [Point(390_000, 6_680_000)]
    area = public_area(gpd.GeoSeries(pts, crs="EPSG:3067"), None)
    assert area.polygon.geom_type == "MultiPolygon"
    assert len(area.polygon.geoms) == 2
    # WGS84 output around Helsinki.
    minx, miny, maxx, maxy = area.polygon.bounds
    assert 24 < minx < maxx < 26 and 60 < miny < maxy < 61


def test_geographic_input_is_gridded_in_metres_and_streets_are_listed():
    pts = gpd.GeoSeries([Point(24.94, 60.17), Point(24.941, 60.171)], crs="EPSG:4326")
    addresses = gpd.GeoDataFrame(
        {"street": ["Mannerheimintie", "Aleksanterinkatu", "Mannerheimintie", " "],
         "municipality": ["Helsinki"] * 4},
        geometry=[Point(0, 0)] * 4, crs="EPSG:4326",
    )
    area = public_area(pts, addresses)
    assert area.polygon.contains(pts.iloc[0]) and area.polygon.contains(pts.iloc[1])
    assert area.streets == ["Aleksanterinkatu", "Mannerheimintie"]
    assert area.description() == "Aleksanterinkatu, Mannerheimintie"


def test_no_crs_means_no_public_polygon():
    area = public_area(gpd.GeoSeries([Point(1, 2)]), None)
    assert area.polygon is None
