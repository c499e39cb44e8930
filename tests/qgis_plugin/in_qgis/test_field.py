"""The dock's field actions against the real demo server: preview layers, confirm, cancel.

Each preview's layers hold exactly what the API's own preview (asked through plain
urllib) names; confirm stores what the API reports; cancel changes nothing.
"""

from __future__ import annotations

import datetime as dt
import urllib.error

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)

from .helpers import wait_for  # noqa: E402


def _ids(layer: QgsVectorLayer | None, field: str = "id") -> list[str]:
    return sorted(str(f[field]) for f in layer.getFeatures()) if layer is not None else []


def _points_of(network, addresses) -> list[str]:
    """The service points of these addresses in the demo's layer."""
    wanted = set(addresses)
    return sorted(str(f["id"]) for f in network["service_points"].getFeatures()
                  if str(f["address_id"]) in wanted)


def _select(layer: QgsVectorLayer, ids: list[str]) -> None:
    quoted = ", ".join(f"'{i}'" for i in ids)
    layer.selectByExpression(f'"id" IN ({quoted})')
    assert layer.selectedFeatureCount() == len(ids)


def _publish(server, link: str) -> dict:
    outage = server.api("POST", "/outages", {
        "service": "water", "kind": "unplanned", "texts": {"fi": "Vesikatko."},
        "starts_at": dt.datetime.now(dt.UTC).isoformat(),
        "selection": {"break_links": [link]}})
    server.api("POST", f"/outages/{outage['id']}/publish", {})
    return server.api("GET", f"/outages/{outage['id']}")  # the answer has no id lists


def _preview_api(server, path: str, body: dict) -> dict | None:
    try:
        return server.api("POST", path, body)["difference"]
    except urllib.error.HTTPError:  # refused (422): not a telling case
        return None


def _open(dock, outage_id: int, action: str):
    dock.refresh_outages(select=outage_id)
    wait_for(lambda: not dock.runner.busy)
    assert dock.outage_list.selected().id == outage_id
    dock.outage_list.buttons[action].click()
    return dock.field.dialog


def _preview(dock, dialog):
    dock.field.preview = None
    dialog._ok()
    assert dock.runner.busy  # the server is asked in a QgsTask
    wait_for(lambda: not dock.runner.busy)
    assert dock.field.preview is not None, dock.message.text()
    return dock.field.preview, dock.field.layers


def _preview_group_exists() -> bool:
    root = QgsProject.instance().layerTreeRoot()
    return any(g.name() == "gis-outage preview" for g in root.children())


@pytest.fixture(scope="module")
def stuck_case(server, network):
    """A published outage where a stuck device brings in more addresses."""
    links = sorted(_ids(network["links"]))
    for link in links[::5]:
        trace = server.api("POST", "/trace", {"service": "water", "break_links": [link]})
        if not (trace["devices_to_operate"] and 3 <= len(trace["affected_service_points"]) <= 200):
            continue
        outage = _publish(server, link)
        device = trace["devices_to_operate"][0]
        diff = _preview_api(server, f"/outages/{outage['id']}/stuck", {"devices": [device]})
        if diff and diff["addresses"]["added"] and diff["devices_to_operate"]["added"]:
            yield outage, device
            if server.api("GET", f"/outages/{outage['id']}")["status"] == "published":
                server.api("POST", f"/outages/{outage['id']}/cancel", {})
            server.api("PUT", f"/networks/water/devices/{device}", {"finding": None})
            return
        server.api("POST", f"/outages/{outage['id']}/cancel", {})
    raise AssertionError("no stuck valve in the demo network brings in more addresses")


def test_stuck_device_preview_then_cancel_changes_nothing(dock, network, server, stuck_case,
                                                         installed_plugin):
    outage, device = stuck_case
    _select(network["devices"], [device])
    canvas = installed_plugin.iface.mapCanvas()
    canvas.setDestinationCrs(network["links"].crs())
    corner = network["links"].extent()
    canvas.setExtent(QgsRectangle(corner.xMinimum(), corner.yMinimum(),
                                  corner.xMinimum() + 10, corner.yMinimum() + 10))
    dialog = _open(dock, outage["id"], "stuck")
    assert dialog.devices.ids() == [device]  # taken from the selection on the map
    preview, layers = _preview(dock, dialog)
    for layer in layers.layers():  # the map was zoomed out to show the difference
        assert canvas.extent().contains(layer.extent()), layer.name()
    api = server.api("POST", f"/outages/{outage['id']}/stuck", {"devices": [device]})
    diff = api["difference"]
    assert _ids(layers.devices_added) == diff["devices_to_operate"]["added"]
    assert _ids(layers.devices_removed) == diff["devices_to_operate"]["removed"]
    assert sorted(set(_ids(layers.addresses_added, "address_id"))) == diff["addresses"]["added"]
    assert _ids(layers.addresses_added) == _points_of(network, diff["addresses"]["added"])
    assert _ids(layers.supplied_again) == _points_of(network, diff["addresses"]["supplied_again"])
    assert _ids(layers.work_links) == diff["work_links"]
    assert layers.missing == {}
    assert layers.devices_added.crs() == network["devices"].crs()
    assert set(layers.layers()) <= set(QgsProject.instance().mapLayers().values())
    text = preview.summary.text()
    assert f"+ Affected addresses: {len(diff['addresses']['added'])}" in text
    after = diff["customers"]["after"]
    assert f"Customers: {diff['customers']['before']} → {after}" in text

    preview.reject()
    assert not _preview_group_exists() and dock.field.layers is None
    assert not dock.runner.busy
    stored = server.api("GET", f"/outages/{outage['id']}")
    assert stored["version"] == outage["version"]
    assert stored["affected"]["devices_to_operate"] == outage["affected"]["devices_to_operate"]


def test_stuck_device_confirm_changes_the_outage_as_the_api_said(dock, network, server,
                                                                  stuck_case):
    outage, device = stuck_case
    dialog = _open(dock, outage["id"], "stuck")
    dialog.devices.edit.setText(device)  # typed by hand
    preview, layers = _preview(dock, dialog)
    diff = server.api("POST", f"/outages/{outage['id']}/stuck", {"devices": [device]})[
        "difference"]
    preview.accept()
    wait_for(lambda: not dock.runner.busy)
    assert not _preview_group_exists()
    stored = server.api("GET", f"/outages/{outage['id']}")
    before = outage["affected"]
    expected = (set(before["devices_to_operate"]) - set(diff["devices_to_operate"]["removed"])
                ) | set(diff["devices_to_operate"]["added"])
    assert stored["affected"]["devices_to_operate"] == sorted(expected)
    assert set(stored["affected"]["addresses"]) == (
        set(before["addresses"]) | set(diff["addresses"]["added"])
    ) - set(diff["addresses"]["removed"])
    assert stored["affected"]["customers"] == diff["customers"]["after"]
    assert dock.field.answer["outage"]["version"] == stored["version"]
    # The outage is drawn as it now stands; the list shows its new figures.
    assert _ids(dock.result_layers.devices_to_operate) == sorted(expected)
    assert _ids(dock.result_layers.service_points) == stored["affected"]["service_points"]
    shown = next(o for o in dock.outage_list.outages if o.id == outage["id"])
    assert shown.customers == stored["affected"]["customers"]
    assert "customers without supply now" in dock.message.text()


def test_staged_restore_shrinks_the_affected_set(dock, network, server, stuck_case):
    outage, _ = stuck_case
    stored = server.api("GET", f"/outages/{outage['id']}")
    work = stored["affected"]["isolated_links"]
    path = f"/outages/{outage['id']}/restore"
    for device in stored["affected"]["devices_to_operate"]:
        diff = _preview_api(server, path, {"links": work, "devices": [device]})
        if diff and diff["addresses"]["supplied_again"]:
            break
    else:
        raise AssertionError("no device of the outage supplies anything again")
    _select(network["links"], work)
    _select(network["devices"], [device])
    dialog = _open(dock, outage["id"], "restore")
    assert dialog.links.ids() == work and dialog.devices.ids() == [device]
    preview, layers = _preview(dock, dialog)
    assert _ids(layers.supplied_again) == _points_of(network, diff["addresses"]["supplied_again"])
    assert _ids(layers.devices_removed) == [device]
    assert _ids(layers.addresses_added) == []
    assert _ids(layers.work_links) == []  # repaired
    preview.accept()
    wait_for(lambda: not dock.runner.busy)
    after = server.api("GET", f"/outages/{outage['id']}")
    assert after["status"] == "published"
    assert set(after["affected"]["addresses"]) == set(stored["affected"]["addresses"]) - set(
        diff["addresses"]["removed"])
    assert after["affected"]["customers"] == diff["customers"]["after"]
    assert after["affected"]["customers"] < stored["affected"]["customers"]
    assert device not in after["affected"]["devices_to_operate"]


def test_restoring_everything_resolves_the_outage(dock, server, stuck_case):
    outage, _ = stuck_case
    dialog = _open(dock, outage["id"], "restore")
    dialog.everything.setChecked(True)
    assert not dialog.links.edit.isEnabled()
    preview, layers = _preview(dock, dialog)
    stored = server.api("GET", f"/outages/{outage['id']}")
    assert _ids(layers.supplied_again, "address_id") == sorted(
        set(stored["affected"]["addresses"]))
    assert _ids(layers.work_links) == [] and _ids(layers.addresses_added) == []
    assert "Customers: {} → 0".format(stored["affected"]["customers"]) in preview.summary.text()
    preview.accept()
    wait_for(lambda: not dock.runner.busy)
    assert server.api("GET", f"/outages/{outage['id']}")["status"] == "resolved"
    assert dock.message.text() == f"Outage {outage['id']} is resolved: nothing is left."
    assert not _preview_group_exists()
    assert dock.result_layers is None  # nothing left of the outage to draw
    root = QgsProject.instance().layerTreeRoot()
    assert not [g for g in root.children() if g.name() == "gis-outage trace"]


def test_backfeed_suggestion_applied_from_the_dock(dock, network, server):
    for link in sorted(_ids(network["links"]))[1::4]:
        trace = server.api("POST", "/trace", {"service": "water", "break_links": [link]})
        if not trace["affected_service_points"]:
            continue
        outage = _publish(server, link)
        offered = server.api("GET", f"/outages/{outage['id']}/backfeed")
        # Its first suggestion supplies addresses again that no other outage cuts off.
        if offered and _preview_api(server, f"/outages/{outage['id']}/backfeed", {
                "device": offered[0]["device"]})["addresses"]["supplied_again"]:
            break
        server.api("POST", f"/outages/{outage['id']}/cancel", {})
    else:
        raise AssertionError("no outage in the demo network can be fed back")
    try:
        dialog = _open(dock, outage["id"], "backfeed")
        wait_for(lambda: not dock.runner.busy)
        assert [(s.device, s.customers) for s in dialog.suggestions] == [
            (s["device"], s["customers"]) for s in offered]
        assert dialog.list.count() == len(offered) and dialog.chosen().device == \
            offered[0]["device"]
        device = offered[0]["device"]
        preview, layers = _preview(dock, dialog)
        diff = server.api("POST", f"/outages/{outage['id']}/backfeed", {"device": device})[
            "difference"]
        assert _ids(layers.backfeed_devices) == [device]
        assert _ids(layers.supplied_again) == _points_of(
            network, diff["addresses"]["supplied_again"])
        assert diff["addresses"]["supplied_again"]
        preview.accept()
        wait_for(lambda: not dock.runner.busy)
        stored = server.api("GET", f"/outages/{outage['id']}")
        assert stored["affected"]["backfeed_devices"] == [device]
        assert stored["affected"]["customers"] == diff["customers"]["after"]
        assert not set(stored["affected"]["addresses"]) & set(diff["addresses"]["supplied_again"])
    finally:
        server.api("POST", f"/outages/{outage['id']}/cancel", {})


def test_a_change_refused_on_confirm_shows_the_servers_words(dock, network, server,
                                                             stuck_case):
    """The outage is cancelled elsewhere between preview and confirm: 409, in words."""
    outage = _publish(server, stuck_case[0]["affected"]["selection"]["break_links"][0])
    dialog = _open(dock, outage["id"], "stuck")
    dialog.devices.edit.setText(server.api("GET", f"/outages/{outage['id']}")["affected"][
        "devices_to_operate"][-1])
    preview, layers = _preview(dock, dialog)
    assert layers.layers()
    server.api("POST", f"/outages/{outage['id']}/cancel", {})
    preview.accept()
    wait_for(lambda: not dock.runner.busy)
    said = dock.message.text()
    assert said == (f"The change was refused: outage {outage['id']} is cancelled; it cannot "
                    "change. Refresh the list and try again."), said
    assert not _preview_group_exists()
    assert server.api("GET", f"/outages/{outage['id']}")["status"] == "cancelled"


def test_a_confirm_after_the_outage_changed_stores_nothing(dock, network, server, stuck_case):
    """Someone else changes the outage between preview and confirm: the dock confirms
    the version it previewed, the server refuses (409) and the devices stay as they were."""
    outage = _publish(server, stuck_case[0]["affected"]["selection"]["break_links"][0])
    before = server.api("GET", f"/outages/{outage['id']}")
    dialog = _open(dock, outage["id"], "stuck")
    dialog.devices.edit.setText(before["affected"]["devices_to_operate"][-1])
    preview, layers = _preview(dock, dialog)
    assert layers.layers()
    server.api("PATCH", f"/outages/{outage['id']}", {"cause": "Pipe burst, crew on site"})
    preview.accept()
    wait_for(lambda: not dock.runner.busy)
    said = dock.message.text()
    assert "changed since the difference was shown" in said and "nothing was stored" in said, said
    assert not _preview_group_exists()
    after = server.api("GET", f"/outages/{outage['id']}")
    assert after["affected"]["devices_to_operate"] == before["affected"]["devices_to_operate"]
    assert after["version"] == before["version"] + 1  # the other change, and only it


def test_errors_show_the_servers_words_and_findings_are_saved(dock, network, server,
                                                              stuck_case):
    _, device = stuck_case
    outage = _publish(server, stuck_case[0]["affected"]["selection"]["break_links"][0])
    dialog = _open(dock, outage["id"], "restore")
    dialog.devices.edit.setText("NO-SUCH-VALVE")
    dialog._ok()
    wait_for(lambda: not dock.runner.busy)
    assert dock.field.preview is None and not _preview_group_exists()
    assert "'NO-SUCH-VALVE' is not held by this outage" in dock.message.text()
    assert "Traceback" not in dock.message.text()

    dock.findings_button.click()
    findings = dock.field.dialog
    findings.devices.edit.setText(device)
    findings.finding.setCurrentIndex(findings.finding.findData("not_found"))
    findings.note.setText("paved over")
    findings._ok()
    wait_for(lambda: not dock.runner.busy)
    assert "Saved for 1 devices" in dock.message.text(), dock.message.text()
    (saved,) = dock.field.saved_findings
    assert saved["device_id"] == device
    assert (saved["state"]["finding"], saved["state"]["note"]) == ("not_found", "paved over")
    dock.findings_button.click()
    findings = dock.field.dialog
    findings.devices.edit.setText(device)
    findings.finding.setCurrentIndex(findings.finding.findData(""))
    findings._ok()
    wait_for(lambda: not dock.runner.busy)
    assert dock.field.saved_findings == [{"device_id": device, "state": None}]
    server.api("POST", f"/outages/{outage['id']}/cancel", {})


def test_electricity_backfeed_on_a_draft_with_the_radial_option(dock, server, network):
    """On the demo's electricity network: the suggestions with and without keeping it
    radial are the API's; applied to a draft, nobody is told."""
    layers = dock.load_geopackage(str(server.city_dir / "electricity.gpkg"))
    try:
        assert dock.network.service_name == "electricity"
        for link in sorted(_ids(layers["links"]))[1::9]:
            trace = server.api("POST", "/trace", {"service": "electricity",
                                                  "break_links": [link]})
            if not trace["affected_service_points"]:
                continue
            outage = server.api("POST", "/outages", {
                "service": "electricity", "kind": "planned", "texts": {"fi": "Sähkökatko."},
                "starts_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(),
                "selection": {"break_links": [link]}})
            if server.api("GET", f"/outages/{outage['id']}/backfeed"):
                break
            server.api("POST", f"/outages/{outage['id']}/cancel", {})
        else:
            raise AssertionError("no electricity outage in the demo can be fed back")
        path = f"/outages/{outage['id']}/backfeed"
        dialog = _open(dock, outage["id"], "backfeed")
        wait_for(lambda: not dock.runner.busy)
        assert dialog.electricity and dialog.radial.isChecked()
        radial = [(s["device"], s["customers"]) for s in server.api("GET", path)]
        assert [(s.device, s.customers) for s in dialog.suggestions] == radial
        dialog.radial.setChecked(False)  # asks again, without keeping it radial
        wait_for(lambda: not dock.runner.busy)
        meshed = server.api("GET", path + "?radial=false")
        assert [(s.device, s.customers, s.meshed) for s in dialog.suggestions] == [
            (s["device"], s["customers"], s["meshed"]) for s in meshed]
        assert dialog.radial_choice is False
        device = dialog.chosen().device
        preview, layers_shown = _preview(dock, dialog)
        diff = server.api("POST", path, {"device": device, "radial": False})["difference"]
        assert _ids(layers_shown.backfeed_devices) == [device]
        assert _ids(layers_shown.supplied_again, "address_id") == sorted(
            set(diff["addresses"]["supplied_again"]))
        assert "nobody is told yet" in preview.note.text()
        preview.accept()
        wait_for(lambda: not dock.runner.busy)
        stored = server.api("GET", f"/outages/{outage['id']}")
        assert stored["status"] == "draft"
        assert stored["affected"]["backfeed_devices"] == [device]
        assert stored["affected"]["customers"] == diff["customers"]["after"]
        server.api("POST", f"/outages/{outage['id']}/cancel", {})
    finally:
        dock.network.use_layers(network)
