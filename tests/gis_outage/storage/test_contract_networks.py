"""Network versions: round trip, atomic replace, current version per service."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely import LineString, Point
from sqlalchemy.engine import Engine

from gis_outage.storage.addresses import find_addresses
from gis_outage.storage.errors import ConflictError
from gis_outage.storage.networks import (
    BATCH_SIZE,
    current_network_version,
    load_network_layers,
    prune_network_versions,
    save_network,
)
from gis_outage.storage.schema import FEATURE_TABLES, network_versions

from .conftest import helsinki_addresses, network_layers


def feature_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in FEATURE_TABLES.values()
        )


def test_round_trip_keeps_geometries_columns_and_crs(db_engine: Engine, layers) -> None:
    version_id = save_network(db_engine, "water", layers, "network.gpkg")
    loaded = load_network_layers(db_engine, "water")
    assert loaded is not None and set(loaded) == set(layers)

    links = loaded["links"]
    assert list(links.columns) == [
        "id",
        "from_node",
        "to_node",
        "kind",
        "diameter_mm",
        "material",
        "installed",
        "geometry",
    ]
    assert links.crs.to_epsg() == 3067
    assert links["id"].tolist() == ["L1", "L2", "L3"]
    assert links["diameter_mm"].tolist() == [200, 110, 63]
    assert links["diameter_mm"].dtype == np.int64
    assert links["material"].tolist()[:2] == ["cast iron", "PE"]
    assert pd.isna(links["material"].iloc[2])  # None on pandas 2, NaN on pandas 3
    assert links["installed"].tolist()[:2] == [1968.0, 2004.5]
    assert pd.isna(links["installed"].iloc[2])
    # Geometries bit for bit, Z included.
    assert [g.wkb for g in links.geometry] == [g.wkb for g in layers["links"].geometry]
    assert links.geometry.iloc[2].has_z

    devices = loaded["devices"]
    assert devices["normally_passes"].tolist() == [True, False]
    assert devices["operable"].tolist() == [True, True]  # missing -> default
    assert devices["valve_type"].tolist() == ["gate", "butterfly"]
    assert devices["node_id"].tolist() == ["N2", None]
    service_points = loaded["service_points"]
    assert service_points["customers"].tolist() == [3, 1]  # missing -> default
    assert list(service_points.columns) == [
        "id",
        "link_id",
        "node_id",
        "address_id",
        "customers",
        "critical",
        "geometry",
    ]
    assert service_points["critical"].tolist() == [None, None]  # no critical customers
    assert [g.wkb for g in loaded["sources"].geometry] == [
        g.wkb for g in layers["sources"].geometry
    ]

    version = current_network_version(db_engine, "water")
    assert version.id == version_id and version.srid == 3067
    assert version.counts == {"links": 3, "devices": 2, "sources": 1, "service_points": 2}


def test_missing_layers_load_empty_and_no_crs_is_kept_unknown(db_engine: Engine) -> None:
    links = network_layers(crs=None)["links"]
    save_network(db_engine, "electricity", {"links": links}, "local.gpkg")
    loaded = load_network_layers(db_engine, "electricity")
    assert loaded["links"].crs is None
    assert len(loaded["links"]) == 3
    assert len(loaded["devices"]) == 0
    assert "normally_passes" in loaded["devices"].columns
    assert current_network_version(db_engine, "electricity").srid == 0


def test_layers_in_another_crs_are_reprojected_to_the_links_crs(db_engine: Engine, layers):
    layers["sources"] = layers["sources"].to_crs("EPSG:4326")
    save_network(db_engine, "water", layers, "mixed.gpkg")
    source = load_network_layers(db_engine, "water")["sources"].geometry.iloc[0]
    assert source.distance(network_layers()["sources"].geometry.iloc[0]) < 1e-3


def test_no_network_yet(db_engine: Engine) -> None:
    assert load_network_layers(db_engine, "water") is None
    assert current_network_version(db_engine, "water") is None


def test_new_version_replaces_current_per_service(db_engine: Engine, layers) -> None:
    first = save_network(db_engine, "water", layers, "v1.gpkg")
    heating = save_network(db_engine, "district_heating", network_layers("H"), "heat.gpkg")
    second = save_network(db_engine, "water", network_layers("B"), "v2.gpkg")
    assert second > first
    assert current_network_version(db_engine, "water").id == second
    assert current_network_version(db_engine, "district_heating").id == heating
    assert load_network_layers(db_engine, "water")["links"]["id"].tolist() == ["BL1", "BL2", "BL3"]
    with db_engine.connect() as conn:
        current = (
            conn.execute(sa.select(network_versions.c.id).where(network_versions.c.is_current))
            .scalars()
            .all()
        )
    assert sorted(current) == [heating, second]


def test_failed_save_leaves_previous_version_current_and_untouched(db_engine, layers) -> None:
    first = save_network(db_engine, "water", layers, "v1.gpkg")
    before = load_network_layers(db_engine, "water")
    rows_before = feature_count(db_engine)

    broken = network_layers("B")
    # Links and devices go in first; the duplicate id in the last layer fails mid-way.
    broken["service_points"] = pd.concat([broken["service_points"]] * 2, ignore_index=True)
    with pytest.raises(ConflictError, match="network not saved"):
        save_network(db_engine, "water", broken, "v2.gpkg")

    assert current_network_version(db_engine, "water").id == first
    assert feature_count(db_engine) == rows_before  # nothing half-written
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(network_versions)).scalar() == 1
    after = load_network_layers(db_engine, "water")
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name])


def test_failed_save_does_not_keep_its_addresses(db_engine: Engine, layers) -> None:
    addresses = helsinki_addresses()
    addresses.loc[4, "street"] = None  # the last address fails, after all features went in
    layers["addresses"] = addresses
    with pytest.raises(ConflictError):
        save_network(db_engine, "water", layers, "bad.gpkg")
    assert find_addresses(db_engine, postal_code="00100") == []
    assert feature_count(db_engine) == 0
    assert current_network_version(db_engine, "water") is None


def test_addresses_layer_goes_to_the_address_register(db_engine: Engine, layers) -> None:
    layers["addresses"] = helsinki_addresses().to_crs("EPSG:3067")
    save_network(db_engine, "water", layers, "with-addresses.gpkg")
    found = find_addresses(db_engine, postal_code="00530")
    assert [a.id for a in found] == ["A4"]
    assert found[0].geometry.distance(Point(24.96, 60.185)) < 1e-7  # back in EPSG:4326
    assert current_network_version(db_engine, "water").counts["addresses"] == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ls: ls.pop("links"), "links"),
        (lambda ls: ls.update(pipes=ls["links"]), "unknown layers"),
        (lambda ls: ls.update(links=ls["links"].drop(columns="id")), "no `id` column"),
        (lambda ls: ls.update(sources=ls["sources"].set_crs(None, allow_override=True)), "CRS"),
        (lambda ls: ls["devices"].__setitem__("operable", ["yes", "maybe"]), "not a boolean"),
    ],
)
def test_invalid_input_is_refused_before_writing(db_engine, layers, change, message) -> None:
    change(layers)
    with pytest.raises(ValueError, match=message):
        save_network(db_engine, "water", layers, "bad.gpkg")
    assert current_network_version(db_engine, "water") is None


def test_unknown_service_is_refused(db_engine: Engine, layers) -> None:
    with pytest.raises(ValueError):
        save_network(db_engine, "gas", layers, "gas.gpkg")


def test_prune_keeps_current_and_newest(db_engine: Engine, layers) -> None:
    ids = [save_network(db_engine, "water", network_layers(f"V{i}"), "v") for i in range(4)]
    assert prune_network_versions(db_engine, "water", keep=2) == 2
    with db_engine.connect() as conn:
        left = conn.execute(sa.select(network_versions.c.id)).scalars().all()
    assert sorted(left) == ids[2:]
    assert feature_count(db_engine) == 2 * 8  # features of pruned versions cascade away


def test_100k_links_save_and_load(db_engine: Engine) -> None:
    n = 100_000
    x = np.arange(n, dtype=float) * 10
    links = gpd.GeoDataFrame(
        {
            "id": [f"L{i}" for i in range(n)],
            "from_node": [f"N{i}" for i in range(n)],
            "to_node": [f"N{i + 1}" for i in range(n)],
            "kind": "pipe",
            "diameter_mm": np.full(n, 160),
        },
        geometry=[LineString([(xi, 0.0), (xi + 10, 0.0)]) for xi in x],
        crs="EPSG:3067",
    )
    statements: list[bool] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(executemany)

    sa.event.listen(db_engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        save_network(db_engine, "water", {"links": links}, "big.gpkg")
        saved = time.perf_counter() - started
    finally:
        sa.event.remove(db_engine, "before_cursor_execute", count)
    # Bulk: a handful of executemany batches, not a statement per row.
    assert statements.count(True) == n // BATCH_SIZE
    assert len(statements) < 20

    loaded = load_network_layers(db_engine, "water")["links"]
    assert len(loaded) == n
    assert set(loaded["id"]) == set(links["id"])
    assert loaded["diameter_mm"].tolist() == [160] * n
    # A few seconds here; a generous bound, as the machine may be busy.
    assert saved < 90, saved
