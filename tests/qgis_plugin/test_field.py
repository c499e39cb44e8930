"""The field actions' Qt-free part: ids typed by hand, a difference read from the API."""

from __future__ import annotations

from qgis_plugin.core.field import Difference, Suggestion, parse_ids


def test_ids_typed_by_hand_are_split_in_order_once():
    assert parse_ids(" WV1, WV2  WV3;WV2\n") == ["WV1", "WV2", "WV3"]
    assert parse_ids(" , ;") == []


def test_a_difference_says_who_is_supplied_again_and_who_is_still_cut_off():
    d = Difference.from_json({
        "outage_id": 7,
        "devices_to_operate": {"added": ["V3"], "removed": ["V1"]},
        "addresses": {"added": [], "removed": ["A1", "A2"], "supplied_again": ["A2"]},
        "customers": {"before": 10, "after": 4},
        "critical_customers": {"added": [], "removed": [
            {"service_point": "S1", "category": "hospital", "address_id": None}]},
        "work_links": ["L1"], "backfeed_devices": [], "affected": {"service_points": ["S9"]},
        "outage_version": 4,
    })
    assert d.outage_version == 4  # what the dock's confirm sends back as expected_version
    assert d.still_cut_off == ("A1",) and d.customers_change == -6
    assert d.critical_removed == (("S1", "hospital", None),)
    assert not d.changes_nothing
    same = Difference.from_json({"outage_id": 7, "customers": {"before": 3, "after": 3}})
    assert same.changes_nothing and same.devices_added == () and same.outage_version is None


def test_a_suggestion_reads_what_it_restores():
    s = Suggestion.from_json({"device": "T7", "meshed": True, "customers": 12, "restores": {
        "affected_service_points": ["S1"], "affected_addresses": ["A1"]}})
    assert (s.device, s.customers, s.meshed, s.addresses) == ("T7", 12, True, ("A1",))
