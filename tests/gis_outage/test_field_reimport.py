"""A re-import of the same service's network keeps the field state of the devices it still
has (with who set it and when), reports what it dropped, and published outages keep
working on the new version or the import says which of their ids it lacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.importers import import_network
from gis_outage.services import field, outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection
from gis_outage.storage.field import Dropped, carried_over, device_states_of
from gis_outage.storage.networks import current_network_version

from .networks import small_water


def _gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def _without(layers: dict[str, gpd.GeoDataFrame], layer: str, fid: str) -> dict:
    return {**layers, layer: layers[layer][layers[layer]["id"] != fid].reset_index(drop=True)}


def _version(db: Engine) -> int:
    return int(current_network_version(db, "water").id)


def test_findings_carry_over_to_a_new_version_and_vanished_ones_are_reported(
    db_engine: Engine, tmp_path: Path
) -> None:
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    first = import_network(_gpkg(tmp_path / "v1.gpkg", small_water()), "water",
                           engine=db_engine)
    assert "field state" not in first
    # Break L2: V1 and V2 bound it. V2 is found inoperable: the trace runs on past it.
    assert ctx.traces.get("water").engine.break_trace(["L2"]).devices_to_operate == ["V1", "V2"]
    field.set_device(ctx, "water", "V2", "eng:anna", finding="inoperable")
    field.set_device(ctx, "water", "V5", "eng:anna", passes=False)
    before = {r.device_id: r for r in device_states_of(db_engine, _version(db_engine))}
    result, _ = field.break_trace(ctx, "water", ["L2"])
    assert result.devices_to_operate == ["V1"]

    # The same network again: everything carries over, with its who and when.
    summary = import_network(_gpkg(tmp_path / "v2.gpkg", small_water()), "water",
                             engine=db_engine)
    v2 = _version(db_engine)
    assert f"field state carried over from version {v2 - 1}: 2 device(s) (V2, V5)" in summary
    assert "dropped" not in summary
    after = {r.device_id: r for r in device_states_of(db_engine, v2)}
    assert set(after) == {"V2", "V5"}
    for device in after:
        for key in ("finding", "passes", "changed_by", "changed_at"):
            assert getattr(after[device], key) == getattr(before[device], key)
    assert ctx.traces.get("water").version == v2
    result, _ = field.break_trace(ctx, "water", ["L2"])
    assert result.devices_to_operate == ["V1"]  # V2 is still inoperable

    # A changed network: V5 is gone (its position is dropped and reported), V2 stays.
    summary = import_network(_gpkg(tmp_path / "v3.gpkg",
                                   _without(small_water(), "devices", "V5")),
                             "water", engine=db_engine)
    v3 = _version(db_engine)
    assert "field state carried over from version" in summary and "1 device(s) (V2)" in summary
    assert (f"warning: 1 field finding(s) / position(s) dropped: their devices are not in "
            f"version {v3}:\n  V5: set by hand to block") in summary
    assert [r.device_id for r in device_states_of(db_engine, v3)] == ["V2"]
    assert carried_over(db_engine, v3).dropped == [Dropped("V5", False, None)]
    result, _ = field.break_trace(ctx, "water", ["L2"])
    assert result.devices_to_operate == ["V1"]

    # Removing V2 itself drops its finding and says so.
    summary = import_network(_gpkg(tmp_path / "v4.gpkg",
                                   _without(small_water(), "devices", "V2")),
                             "water", engine=db_engine)
    assert "V2: inoperable" in summary
    assert device_states_of(db_engine, _version(db_engine)) == []


def test_a_published_outage_keeps_working_or_the_import_warns(
    db_engine: Engine, tmp_path: Path
) -> None:
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    import_network(_gpkg(tmp_path / "v1.gpkg", small_water()), "water", engine=db_engine)
    draft = outages.draft(ctx, service="water", kind="unplanned", actor="eng",
                          starts_at=datetime.now(UTC) - timedelta(minutes=1),
                          selection=Selection(break_links=("L4",)))
    outages.publish(ctx, draft.id, "eng")
    outage, _ = outages.get(ctx, draft.id)  # publish answers the header, without id lists
    assert outage.affected["devices_to_operate"] == ["V3", "V5"]
    assert outage.affected["addresses"] == ["A3"]

    # Same network: no warning; the outage's devices still hold on the new version.
    summary = import_network(_gpkg(tmp_path / "v2.gpkg", small_water()), "water",
                             engine=db_engine)
    assert "published outage" not in summary
    assert field.break_trace(ctx, "water", ["L6"])[0].devices_to_operate == []

    # V5 gone: the import names the outage and the device; traces and field steps go on.
    summary = import_network(_gpkg(tmp_path / "v3.gpkg",
                                   _without(small_water(), "devices", "V5")),
                             "water", engine=db_engine)
    v3 = _version(db_engine)
    assert (f"warning: published outage {outage.id} holds devices V5 that version {v3} "
            "lacks") in summary
    field.break_trace(ctx, "water", ["L2"])
    proposal = field.restore(ctx, outage.id, everything=True)
    assert proposal.difference()["addresses"]["supplied_again"] == ["A3"]
    assert field.confirm(ctx, proposal, "eng", "restore").status == "resolved"
