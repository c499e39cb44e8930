"""The dock's "Show field state" against the real demo server: the "Field state" layer
holds exactly the devices `GET /networks/water/devices` lists, with their attributes."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsCategorizedSymbolRenderer,
    QgsProject,
    QgsVectorLayer,
)

from .helpers import wait_for  # noqa: E402


@pytest.fixture
def dock(dock):
    dock.network.service.setCurrentIndex(dock.network.service.findData("water"))
    return dock


def _layers() -> list[QgsVectorLayer]:
    return [x for x in QgsProject.instance().mapLayers().values()
            if x.customProperty("gis_outage/field_state")]


def _show(dock) -> QgsVectorLayer:
    dock.field_state_button.click()
    assert dock.runner.busy  # the server is asked in a QgsTask
    wait_for(lambda: not dock.runner.busy)
    (layer,) = _layers()  # each refresh replaces the layer
    return layer


def _drawn(layer: QgsVectorLayer) -> dict[str, dict]:
    out = {}
    for f in layer.getFeatures():
        values = {n: f[n] for n in layer.fields().names()}
        for name, value in values.items():  # NULL comes back as a QVariant
            if hasattr(value, "isNull") and value.isNull():
                values[name] = None
        assert not f.geometry().isEmpty()
        out[values.pop("id")] = values
    return out


def _listed(server) -> dict[str, dict]:
    return {d["device_id"]: d for d in server.api("GET", "/networks/water/devices")["devices"]}


def _save_finding(dock, device: str, finding: str, note: str = "") -> None:
    dock.findings_button.click()
    dialog = dock.field.dialog
    dialog.devices.edit.setText(device)
    dialog.finding.setCurrentIndex(dialog.finding.findData(finding))
    dialog.note.setText(note)
    dialog._ok()
    wait_for(lambda: not dock.runner.busy)


def test_show_field_state_holds_what_the_api_lists(dock, network, server):
    devices = sorted(str(f["id"]) for f in network["devices"].getFeatures())
    before = _listed(server)
    found, by_hand = [d for d in devices if d not in before][:2]

    layer = _show(dock)
    assert layer.name() == "Field state"
    assert sorted(_drawn(layer)) == sorted(before)
    assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
    assert layer.labelsEnabled() and layer.crs() == network["devices"].crs()

    # Saved in the findings dialog: the layer shown is refreshed with it.
    _save_finding(dock, found, "not_found", "paved over")
    server.api("PUT", f"/networks/water/devices/{by_hand}", {"passes": False})
    layer = _show(dock)
    listed, drawn = _listed(server), _drawn(layer)
    assert sorted(drawn) == sorted(listed) == sorted({*before, found, by_hand})
    for device in (found, by_hand):
        api = listed[device]
        assert drawn[device]["finding"] == api["finding"]
        assert drawn[device]["passes"] == api["passes"]
        assert drawn[device]["note"] == api["note"]
        assert drawn[device]["who"] == api["changed_by"] and drawn[device]["who"]
        assert drawn[device]["when"] == api["changed_at"]
    assert (drawn[found]["finding"], drawn[found]["note"]) == ("not_found", "paved over")
    assert drawn[found]["passes"] is None
    assert (drawn[by_hand]["finding"], drawn[by_hand]["passes"]) == (None, False)
    assert "Field state: " in dock.message.text()

    # Cleared: the findings dialog's save refreshes the layer, the by-hand one is gone
    # on the next press.
    _save_finding(dock, found, "")
    (layer,) = _layers()
    assert found not in _drawn(layer) and by_hand in _drawn(layer)
    server.api("PUT", f"/networks/water/devices/{by_hand}", {"passes": None})
    layer = _show(dock)
    assert sorted(_drawn(layer)) == sorted(_listed(server)) == sorted(before)


def test_devices_a_published_outage_holds_are_drawn_with_it(dock, network, server):
    before = _listed(server)
    for link in sorted(str(f["id"]) for f in network["links"].getFeatures())[::7]:
        trace = server.api("POST", "/trace", {"service": "water", "break_links": [link]})
        held = set(trace["devices_to_operate"]) - set(before)
        if held:
            break
    else:
        raise AssertionError("no break in the demo network operates a device")
    outage = server.api("POST", "/outages", {
        "service": "water", "kind": "unplanned", "texts": {"fi": "Vesikatko."},
        "starts_at": dt.datetime.now(dt.UTC).isoformat(), "selection": {"break_links": [link]}})
    server.api("POST", f"/outages/{outage['id']}/publish", {})
    try:
        drawn = _drawn(_show(dock))
        assert sorted(drawn) == sorted(_listed(server))
        for device in held:
            assert str(outage["id"]) in drawn[device]["outages"].split(", ")
            assert drawn[device]["finding"] is None and drawn[device]["who"] is None
    finally:
        server.api("POST", f"/outages/{outage['id']}/cancel", {})
    assert sorted(_drawn(_show(dock))) == sorted(_listed(server)) == sorted(before)
