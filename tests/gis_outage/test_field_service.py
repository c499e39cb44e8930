"""Back-feed through the services: applied before publishing, the restored addresses are
never told; applied after, they get the all-clear; radial operation for electricity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.services import field, outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection, TraceError
from gis_outage.storage.networks import save_network
from gis_outage.storage.outages import outage_events_for

from .networks import small_water


def with_tie(service_name: str = "water"):
    """small_water and a second source S2 at n7 behind V7, normally closed, at n6."""
    layers = small_water()
    crs = layers["links"].crs
    layers["links"] = gpd.GeoDataFrame(
        [*layers["links"].to_dict("records"),
         {"id": "L7", "kind": "pipe", "from_node": "n6", "to_node": "n7",
          "geometry": LineString([(300, -100), (400, -100)])}], crs=crs)
    layers["devices"] = gpd.GeoDataFrame(
        [*layers["devices"].to_dict("records"),
         {"id": "V7", "kind": "valve", "link_id": "L7", "node_id": "n6",
          "normally_passes": False, "operable": True, "geometry": Point(300, -100)}], crs=crs)
    layers["sources"] = gpd.GeoDataFrame(
        [*layers["sources"].to_dict("records"),
         {"id": "S2", "node_id": "n7", "geometry": Point(400, -100)}], crs=crs)
    return layers


@pytest.mark.parametrize("publish_first", [False, True])
def test_backfeed_before_or_after_publishing(db_engine: Engine, tmp_path, publish_first):
    save_network(db_engine, "water", with_tie(), "tie.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    outage = outages.draft(ctx, service="water", kind="unplanned",
                           starts_at=datetime.now(UTC) - timedelta(minutes=1),
                           selection=Selection(break_links=("L4",)), actor="eng")
    oid = outage.id
    assert outage.affected["devices_to_operate"] == ["V3", "V5"]
    assert outage.affected["addresses"] == ["A3"]
    if publish_first:
        outages.publish(ctx, oid, "eng")

    offered = field.suggestions(ctx, oid)
    assert [(s["device"], s["restores"]["affected_service_points"]) for s in offered] == [
        ("V7", ["SP3"])]
    proposal = field.backfeed(ctx, oid, "V7")
    assert proposal.difference()["addresses"] == {"added": [], "removed": ["A3"],
                                                  "supplied_again": ["A3"],
                                                  "places": {}}  # A3 is not in the register
    updated = field.confirm(ctx, proposal, "eng", "backfeed")
    assert updated.affected["backfeed_devices"] == ["V7"]
    assert updated.affected["addresses"] == []
    kinds = [e.kind for e in outage_events_for(db_engine, oid)]
    if publish_first:
        assert kinds == ["published", "restored"]
        assert outage_events_for(db_engine, oid)[-1].affected["addresses"] == ["A3"]
    else:
        assert kinds == []  # a draft tells nobody; published now, A3 is not in it
        outages.publish(ctx, oid, "eng")
        assert outage_events_for(db_engine, oid)[0].affected["addresses"] == []
    with pytest.raises(TraceError, match="feeds nothing of this outage back"):
        field.backfeed(ctx, oid, "V3")  # would feed the work area


def test_electricity_back_feed_from_the_other_source_stays_radial(db_engine: Engine, tmp_path):
    """Break L5 on electricity: V4 cannot be operated, so V3 and V5 isolate it and the
    cable to n6 is dead; V7 feeds it from S2 alone, which keeps the network radial."""
    save_network(db_engine, "electricity", with_tie(), "tie.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)
    outage = outages.draft(ctx, service="electricity", kind="unplanned",
                           starts_at=datetime.now(UTC), actor="eng",
                           selection=Selection(break_links=("L5",)))
    assert outage.affected["devices_to_operate"] == ["V3", "V5"]
    assert outage.affected["crossed_devices"] == ["V4"]
    offered = field.suggestions(ctx, outage.id)
    assert [(s["device"], s["meshed"], s["customers"]) for s in offered] == [("V7", False, 1)]


def test_resolving_keeps_closed_what_another_work_area_relies_on(db_engine: Engine, tmp_path):
    """A: break L4 (V4 is inoperable, so V3 and V5). B: break L6, bounded by A's V5 and
    nothing more to operate. A resolves: V5 stays closed, as set by hand, and A3, still
    cut off by B, is not told."""
    from gis_outage.storage.field import device_states_of

    version = save_network(db_engine, "water", small_water(), "small.gpkg")
    ctx = build_context(Settings(data_dir=tmp_path), db=db_engine)

    def published(link: str) -> dict:
        draft = outages.draft(ctx, service="water", kind="unplanned", actor="eng",
                              starts_at=datetime.now(UTC) - timedelta(minutes=1),
                              selection=Selection(break_links=(link,)))
        return outages.publish(ctx, draft.id, "eng")

    a, b = published("L4"), published("L6")
    assert a.affected["devices_to_operate"] == ["V3", "V5"]
    assert b.affected["devices_to_operate"] == []
    outages.resolve(ctx, a.id, "eng")
    rows = device_states_of(db_engine, version)
    assert [(r.device_id, r.passes, r.changed_by) for r in rows] == [("V5", False, "eng")]
    resolved = outage_events_for(db_engine, a.id)[-1]
    assert resolved.kind == "resolved"
    assert resolved.affected["addresses"] == []
