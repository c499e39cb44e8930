"""The memory-mapped trace engine answers as the one built in memory, and a damaged
engine file is rebuilt rather than failing."""

import logging
from pathlib import Path

import numpy as np
import pytest

from gis_outage.area import area_of_trace
from gis_outage.importers import import_network
from gis_outage.network import build_network
from gis_outage.supply import FieldEngine, FieldState
from gis_outage.trace import TraceEngine
from gis_outage.trace_build import build_arrays
from gis_outage.trace_store import IdTable, StoreError, read_arrays, write_arrays
from gis_outage.tracing import TraceEngines

from .networks import layers, small_water
from .test_trace_random import random_network


def with_addresses(seed: int):
    """A random network whose service points sit at addresses, some ids not ASCII."""
    nodes, links, devices, sources, sps = random_network(seed)
    rng = np.random.default_rng(seed)
    for i, spec in enumerate(sps.values()):
        spec["address_id"] = None if i % 5 == 4 else f"Äddr-{int(rng.integers(0, 6))}"
        spec["customers"] = int(rng.integers(0, 4))
    sps = {(f"Pö{k[1:]}" if i % 3 == 0 else k): v for i, (k, v) in enumerate(sps.items())}
    return layers(nodes, links, devices, sources, sps), links, devices


def mapped(engine_layers, path: Path) -> tuple[TraceEngine, TraceEngine]:
    net = build_network(engine_layers)
    write_arrays(path, *build_arrays(net))
    return TraceEngine(net), TraceEngine.from_arrays(*read_arrays(path))


@pytest.mark.parametrize("seed", range(30))
def test_mapped_engine_agrees_with_the_one_built_in_memory(seed, tmp_path):
    engine_layers, links, devices = with_addresses(seed)
    memory, disk = mapped(engine_layers, tmp_path / "net.trace")
    assert not disk.segment_of.flags.writeable  # views of the mapped file
    for lid in links:
        assert disk.break_trace([lid]) == memory.break_trace([lid]), lid
    for did in devices:
        assert disk.operate_trace([did]) == memory.operate_trace([did]), did
    addresses = [f"Äddr-{i}" for i in range(6)]
    assert disk.address_trace(addresses[:2]) == memory.address_trace(addresses[:2])
    result = memory.break_trace([next(iter(links))])
    assert area_of_trace(disk, result).polygon == area_of_trace(memory, result).polygon
    if devices:
        state = FieldState().operate(list(devices)[:3], False).finding(list(devices)[3:5])
        fault = list(links)[len(links) // 2]
        a, b = FieldEngine(memory), FieldEngine(disk)
        assert a.cut_off(state) == b.cut_off(state)
        assert a.isolate([fault], state) == b.isolate([fault], state)
        assert a.backfeed(state) == b.backfeed(state)


def test_ids_are_found_in_python_order():
    ids = ["b", "a", "ä", "A", "", "a1", "z" * 50, "ö"]
    table = IdTable.of(ids)
    assert [table.index(i) for i in ids] == list(range(len(ids)))
    assert table.index("nope") == -1 and "ä" in table and "x" not in table
    assert table.take(table.sorted_positions().tolist()) == sorted(ids)
    assert list(table) == ids
    # A common prefix is kept once, also one that ends inside a character; ids in
    # order need no order of their own.
    for ids in (["äb", "äa", "ä"], ["L1", "L10", "L2"], ["ä", "ö"], ["x"], []):
        table = IdTable.of(ids)
        assert list(table) == ids and [table.index(i) for i in ids] == list(range(len(ids)))
        assert table.index("L") == table.index("ä1") == table.index("") == -1
    assert IdTable.of(["L1", "L10", "L2"]).order.size == 0


def test_a_damaged_file_is_refused(tmp_path):
    engine_layers, _, _ = with_addresses(3)
    path = tmp_path / "net.trace"
    write_arrays(path, *build_arrays(build_network(engine_layers)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match="truncated"):
        read_arrays(path)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(StoreError, match="corrupted"):
        read_arrays(path)
    path.write_bytes(b"not an engine file")
    with pytest.raises(StoreError, match="not a trace engine file"):
        read_arrays(path)


def _import(engine_layers, db, tmp_path: Path) -> None:
    gpkg = tmp_path / "net.gpkg"
    for name, gdf in engine_layers.items():
        gdf.to_file(gpkg, layer=name, engine="pyogrio")
    import_network(gpkg, "water", engine=db)


def test_stored_versions_are_written_once_and_a_damaged_file_rebuilt(
    sqlite_engine, tmp_path, caplog
):
    engine_layers, links, _ = with_addresses(7)
    _import(engine_layers, sqlite_engine, tmp_path)
    cache = tmp_path / "trace-cache"
    first = TraceEngines(sqlite_engine, cache_dir=cache).get("water")
    [path] = cache.glob("water-*.trace")
    expected = {lid: TraceEngine(build_network(engine_layers)).break_trace([lid]) for lid in links}
    assert {lid: first.engine.break_trace([lid]) for lid in links} == expected
    written = path.stat().st_mtime_ns

    # Another process maps the same file and builds nothing.
    again = TraceEngines(sqlite_engine, cache_dir=cache).get("water")
    assert path.stat().st_mtime_ns == written
    assert again.engine.break_trace([next(iter(links))]) == expected[next(iter(links))]

    data = path.read_bytes()
    mid = len(data) - 200
    for damaged in (data[: len(data) - 100], data[:mid] + b"\xff" * 8 + data[mid + 8 :]):
        path.write_bytes(damaged)
        with caplog.at_level(logging.WARNING, logger="gis_outage.tracing"):
            rebuilt = TraceEngines(sqlite_engine, cache_dir=cache).get("water")
        assert "rebuilding the trace engine file" in caplog.text
        caplog.clear()
        assert {lid: rebuilt.engine.break_trace([lid]) for lid in links} == expected
        assert path.read_bytes() == data
    # Drawn-area traces read the layers when first asked.
    assert sorted(rebuilt.network.link_ids) == sorted(links)


@pytest.mark.parametrize("crs, within", [("EPSG:3067", 0.01), ("EPSG:4326", 2e-7)])
def test_service_points_are_located_to_the_centimetre(crs, within, tmp_path):
    """The file keeps service point locations as float32 offsets from an origin, each
    axis to within span x 2^-24: under 1 cm (2e-7 degrees) on a network spread over
    100 km each way (1.8 degrees of longitude); absolute float32 would be off by 0.5 m."""
    engine_layers = small_water()
    sps = engine_layers["service_points"]
    far = sps.geometry.translate(xoff=100_000.0, yoff=-100_000.0).iloc[-1:]
    sps = sps.set_geometry(sps.geometry.where(sps.index != sps.index[-1], far))
    engine_layers = {name: layer.to_crs(crs) for name, layer in
                     {**engine_layers, "service_points": sps}.items()}
    _, disk = mapped(engine_layers, tmp_path / "net.trace")
    expected = engine_layers["service_points"].set_index("id").geometry
    points = disk.sp_points(np.arange(len(disk.sp_ids)))
    assert points.crs == expected.crs and len(points) == len(expected)
    for i, point in enumerate(points):
        truth = expected[disk.sp_ids[i]]
        assert point.distance(truth) < within, (disk.sp_ids[i], point, truth)
