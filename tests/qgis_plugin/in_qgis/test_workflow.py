"""The engineer's workflow in the dock against the real demo server.

Select on the demo network → trace → result layers hold what the API itself answers
for the same ids; publish → the outage is on /oapi; restoration time, resolve, cancel.
"""

from __future__ import annotations

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
)

from .helpers import wait_for  # noqa: E402

PLUGIN = "gisoutage"


def _module(name: str):
    import importlib

    return importlib.import_module(f"{PLUGIN}.{name}")


def _ids(layer: QgsVectorLayer | None) -> list[str]:
    return sorted(str(f["id"]) for f in layer.getFeatures()) if layer is not None else []


def _select(layer: QgsVectorLayer, ids: list[str]) -> None:
    quoted = ", ".join(f"'{i}'" for i in ids)
    layer.selectByExpression(f'"id" IN ({quoted})')
    assert layer.selectedFeatureCount() == len(ids)


def _trace_in_dock(dock) -> object:
    dock.result_layers = None
    assert dock.trace()
    # The call runs in a QgsTask: the dock returns before the answer is in.
    assert dock.runner.busy and dock.result_layers is None
    wait_for(lambda: not dock.runner.busy)
    assert dock.result_layers is not None, dock.message.text()
    return dock.result_layers


def _assert_layers_match(layers, answer: dict) -> None:
    assert _ids(layers.isolated_links) == answer["isolated_links"]
    assert _ids(layers.devices_to_operate) == answer["devices_to_operate"]
    assert _ids(layers.service_points) == answer["affected_service_points"]
    assert layers.missing == {}
    if answer["public_area"]:
        expected = QgsGeometry.fromWkt(_module("core.geojson").to_wkt(answer["public_area"]))
        (area,) = list(layers.public_area.getFeatures())
        assert area.geometry().symDifference(expected).area() < 1e-12
        assert area["customers"] == answer["customers"]
    project_layers = set(QgsProject.instance().mapLayers().values())
    assert set(layers.layers()) <= project_layers


def _busy_link(server, link_ids: list[str]) -> tuple[str, dict]:
    """A link whose break has devices to operate and service points: a telling test."""
    for link in link_ids:
        answer = server.api("POST", "/trace", {"service": "water", "break_links": [link]})
        if answer["devices_to_operate"] and 3 <= len(answer["affected_service_points"]) <= 200:
            return link, answer
    raise AssertionError("no link in the demo network cuts off a few service points")


def test_settings_dialog_tests_the_connection(installed_plugin, network, server):
    dialog = installed_plugin.dock.open_settings()
    assert dialog.url.text() == server.url  # read back from the auth database
    dialog.test_button.click()
    wait_for(lambda: dialog.test_button.isEnabled())
    assert dialog.status.text() == "Connected: the server accepted the token."
    dialog.token.setText("wrong")
    dialog.test_button.click()
    wait_for(lambda: dialog.test_button.isEnabled())
    assert "did not accept your API token" in dialog.status.text()
    dialog.reject()


def test_token_is_in_the_auth_database_not_in_settings(network, server):
    credentials = _module("integration.credentials")
    connection = credentials.load_connection()
    assert connection == credentials.ServerConnection(server.url, server.token)
    settings = QgsSettings()
    assert settings.value(credentials.SETTINGS_KEY)  # only the auth config id
    for key in settings.allKeys():
        assert server.token not in str(settings.value(key))


def test_break_trace_result_layers_match_the_api(dock, network, server):
    links = network["links"]
    link, answer = _busy_link(server, sorted(_ids(links))[::7])
    _select(links, [link])
    dock.network.set_mode("break")
    assert dock.network.service_name == "water"  # guessed from water.gpkg
    layers = _trace_in_dock(dock)
    _assert_layers_match(layers, answer)
    assert dock.trace_selection.ids == (link,)
    text = dock.result_label.text()
    assert f"Devices to operate: {len(answer['devices_to_operate'])}" in text
    assert str(answer["customers"]) in text


def test_device_trace_result_layers_match_the_api(dock, network, server):
    devices = network["devices"]
    for device in sorted(_ids(devices))[::5]:
        answer = server.api("POST", "/trace", {"service": "water", "operate_devices": [device]})
        if answer["affected_service_points"]:
            break
    else:
        raise AssertionError("no device cuts off a service point")
    _select(devices, [device])
    dock.network.set_mode("operate")
    _assert_layers_match(_trace_in_dock(dock), answer)


def test_drawn_area_is_traced(dock, network, server, installed_plugin):
    canvas = installed_plugin.iface.mapCanvas()
    some_points = [f.geometry().asPoint() for f in network["service_points"].getFeatures()][:1]
    centre = some_points[0]
    dock.start_drawing()
    tool = canvas.mapTool()
    for dx, dy in ((-60, -60), (60, -60), (60, 60), (-60, 60)):
        tool.add_point(QgsPointXY(centre.x() + dx, centre.y() + dy))
    assert tool.finish() is not None
    assert dock.network.mode == "area" and dock.area is not None
    polygon = dock.current_selection().polygon
    assert polygon["type"] == "Polygon"
    lon, lat = polygon["coordinates"][0][0]
    assert 24 < lon < 26 and 59 < lat < 61  # sent in WGS84, drawn in EPSG:3067
    answer = server.api("POST", "/trace", {"service": "water", "polygon": polygon})
    assert answer["affected_service_points"]
    _assert_layers_match(_trace_in_dock(dock), answer)


def test_publish_puts_the_outage_on_oapi(dock, network, server):
    links = network["links"]
    link, _ = _busy_link(server, sorted(_ids(links))[3::11])
    _select(links, [link])
    dock.network.set_mode("break")
    _trace_in_dock(dock)
    form = dock.open_outage_form()
    form.kind.setCurrentIndex(form.kind.findData("planned"))
    form.cause.setText("Pipe renewal")
    form.texts["fi"].setPlainText("Vesikatko putkiston uusimisen vuoksi. Säästä vettä.")
    form.texts["sv"].setPlainText("Vattenavbrott på grund av rörbyte.")
    form.texts["en"].setPlainText("a" * 161)
    assert form.counters["en"].fragments == 2
    assert form.counters["fi"].fragments == 1
    form.publish_button.click()
    wait_for(lambda: dock.last_outage is not None and not dock.runner.busy)
    outage = dock.last_outage
    assert outage.status == "published", dock.message.text()
    assert not form.isVisible()

    stored = server.api("GET", f"/outages/{outage.id}")
    assert stored["status"] == "published"
    assert stored["kind"] == "planned"
    assert stored["affected"]["isolated_links"] == list(dock.trace_result.isolated_links)
    assert stored["texts"]["sv"] == "Vattenavbrott på grund av rörbyte."
    wait_for(lambda: any(f["id"] == outage.id for f in server.public_outages()["features"]),
             timeout=30)
    feature = next(f for f in server.public_outages()["features"] if f["id"] == outage.id)
    assert feature["properties"]["cause"] == "Pipe renewal"

    # The list shows it, and the notifier's delivery figures once messages went out.
    def delivered() -> bool:
        if not dock.runner.busy:
            dock.refresh_outages(select=outage.id)
        wait_for(lambda: not dock.runner.busy)
        shown = next((o for o in dock.outage_list.outages if o.id == outage.id), None)
        return bool(shown and shown.deliveries)

    wait_for(delivered, timeout=60)
    assert dock.outage_list.selected().id == outage.id
    row = [o.id for o in dock.outage_list.outages].index(outage.id)
    assert dock.outage_list.table.item(row, 8).text()  # the delivery figures


def test_the_crew_sheet_opens_in_the_browser(dock, server):
    """The dock hands the API's crew sheet address to the desktop's browser (Qt's URL
    handler for http is where a browser would be asked)."""
    from qgis.PyQt.QtCore import QObject, QUrl, pyqtSlot
    from qgis.PyQt.QtGui import QDesktopServices

    class Browser(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.opened: list[str] = []

        @pyqtSlot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url.toString())

    outage = dock.last_outage
    dock.refresh_outages(select=outage.id)
    wait_for(lambda: not dock.runner.busy)
    browser = Browser()
    QDesktopServices.setUrlHandler("http", browser, "open")
    try:
        dock.outage_list.buttons["crew_sheet"].click()
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert browser.opened == [server.api("GET", f"/outages/{outage.id}")["crew_sheet_url"]]


def test_restoration_time_then_resolve(dock, server):
    outage = dock.last_outage
    dock.refresh_outages(select=outage.id)
    wait_for(lambda: not dock.runner.busy)
    assert dock.outage_list.selected().id == outage.id
    dock.outage_list.buttons["restoration"].click()
    dialog = dock.restoration_dialog
    new_end = dialog.time.dateTime().addSecs(3 * 3600)
    dialog.time.setDateTime(new_end)
    dialog.accept()
    wait_for(lambda: not dock.runner.busy)
    stored = server.api("GET", f"/outages/{outage.id}")
    qt_time = _module("ui.qt_time")
    assert _module("core.models").parse_time(stored["estimated_end_at"]) == \
        qt_time.to_datetime(new_end)

    dock.confirm = lambda question: True
    wait_for(lambda: dock.outage_list.selected() is not None)
    dock.outage_list.buttons["resolve"].click()
    wait_for(lambda: not dock.runner.busy)
    assert server.api("GET", f"/outages/{outage.id}")["status"] == "resolved"
    assert "resolved" in dock.message.text().lower(), dock.message.text()


def test_save_draft_then_cancel(dock, network, server):
    links = network["links"]
    link, _ = _busy_link(server, sorted(_ids(links))[5::13])
    _select(links, [link])
    dock.network.set_mode("break")
    _trace_in_dock(dock)
    dock.last_outage = None
    form = dock.open_outage_form()
    form.texts["fi"].setPlainText("Kokeilu")
    form.save_button.click()
    wait_for(lambda: dock.last_outage is not None and not dock.runner.busy)
    draft = dock.last_outage
    assert draft.status == "draft"
    assert all(f["id"] != draft.id for f in server.public_outages()["features"])
    wait_for(lambda: dock.outage_list.selected() is not None
             and dock.outage_list.selected().id == draft.id)
    dock.confirm = lambda question: True
    dock.outage_list.buttons["cancel"].click()
    wait_for(lambda: not dock.runner.busy)
    assert server.api("GET", f"/outages/{draft.id}")["status"] == "cancelled"


def test_after_a_restart_the_list_loads_when_the_dock_opens(installed_plugin, network, server):
    import qgis.utils

    assert qgis.utils.unloadPlugin(PLUGIN)
    assert qgis.utils.loadPlugin(PLUGIN) and qgis.utils.startPlugin(PLUGIN)
    dock = installed_plugin.dock
    # Nothing decrypted or fetched at start; the address is shown all the same.
    assert not dock.runner.busy and dock.outage_list.outages == []
    assert dock.server_label.text() == f"Server: {server.url}"
    installed_plugin.action.trigger()
    assert dock.runner.busy
    wait_for(lambda: not dock.runner.busy)
    listed = {o.id for o in dock.outage_list.outages}
    expected = {o["id"] for o in server.api("GET", "/outages?status=draft&status=published")}
    assert listed == expected
    installed_plugin.action.trigger()
