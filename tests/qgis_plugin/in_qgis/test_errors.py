"""Server and network errors reach the engineer in plain words, and QGIS keeps going."""

from __future__ import annotations

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer  # noqa: E402

from .helpers import free_port, wait_for  # noqa: E402

PLUGIN = "gisoutage"


@pytest.fixture
def credentials(installed_plugin, server):
    """The plugin's credential store; the right connection is put back afterwards."""
    import importlib

    module = importlib.import_module(f"{PLUGIN}.integration.credentials")
    yield module
    module.save_connection(server.url, server.token)


@pytest.fixture
def dock(installed_plugin, server, credentials):
    dock = installed_plugin.dock
    credentials.save_connection(server.url, server.token)
    return dock


def _stale_links_layer(link_id: str) -> QgsVectorLayer:
    """A links layer holding an id the server's network does not have (an old layer)."""
    layer = QgsVectorLayer("LineString?crs=EPSG:3067&field=id:string", "old links", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttributes([link_id])
    feature.setGeometry(QgsGeometry.fromPolylineXY(
        [QgsPointXY(385500, 6672000), QgsPointXY(385600, 6672000)]))
    layer.dataProvider().addFeatures([feature])
    layer.selectAll()
    return layer


def _trace_and_wait(dock) -> str:
    assert dock.trace()
    wait_for(lambda: not dock.runner.busy)
    return dock.message.text()


def test_unknown_link_is_explained(dock):
    from qgis.core import QgsProject

    layer = _stale_links_layer("NO-SUCH-PIPE")
    QgsProject.instance().addMapLayer(layer)
    previous = dock.network.links.current()
    try:
        dock.network.links.set_layer(layer)
        dock.network.set_mode("break")
        text = _trace_and_wait(dock)
    finally:
        dock.network.links.set_layer(previous)
        QgsProject.instance().removeMapLayer(layer.id())
    assert text.startswith("The server found a problem in what was sent")
    assert "break_links" in text and "NO-SUCH-PIPE" in text


def test_wrong_token_is_explained(dock, credentials, server, installed_plugin):
    credentials.save_connection(server.url, "not-a-token")
    assert dock.refresh_outages()
    wait_for(lambda: not dock.runner.busy)
    assert "did not accept your API token" in dock.message.text()
    assert "the API token is not valid" in dock.message.text()  # the server's own words
    assert installed_plugin.iface.messageBar().currentItem() is not None


def test_unreachable_server_is_explained(dock, credentials):
    credentials.save_connection(f"http://127.0.0.1:{free_port()}", "x")
    assert dock.refresh_outages()
    wait_for(lambda: not dock.runner.busy)
    assert dock.message.text().startswith("Cannot reach the outage server")


def test_stale_version_is_a_conflict(dock, server):
    listed = server.api("GET", "/outages")[0]  # the list has no id lists; GET one has
    link = server.api("GET", f"/outages/{listed['id']}")["affected"]["isolated_links"][0]
    created = server.api("POST", "/outages", {
        "service": "water", "kind": "unplanned", "starts_at": "2030-01-01T08:00:00+00:00",
        "selection": {"break_links": [link]},
    })
    server.api("PATCH", f"/outages/{created['id']}", {"cause": "changed by a colleague"})
    dock.refresh_outages()
    wait_for(lambda: not dock.runner.busy)
    stale = next(o for o in dock.outage_list.outages if o.id == created["id"])
    server.api("PATCH", f"/outages/{created['id']}", {"cause": "changed again"})
    dock.confirm = lambda question: True
    dock.outage_action("cancel", stale)
    wait_for(lambda: not dock.runner.busy)
    assert dock.message.text().startswith("The change was refused"), dock.message.text()
    assert server.api("GET", f"/outages/{created['id']}")["status"] == "draft"


def test_viewer_may_look_but_not_cancel(dock, credentials, server):
    credentials.save_connection(server.url, server.new_token("qgis-test-viewer", "viewer"))
    dock.refresh_outages()
    wait_for(lambda: not dock.runner.busy)
    published = next(o for o in dock.outage_list.outages if o.status == "published")
    dock.confirm = lambda question: True
    dock.outage_action("cancel", published)
    wait_for(lambda: not dock.runner.busy)
    assert dock.message.text() == ("Your account may not do this (needs the engineer role). "
                                   "An administrator can give you the role.")
    assert server.api("GET", f"/outages/{published.id}")["status"] == "published"


def test_not_set_up_is_explained(dock, credentials):
    credentials.forget_connection()
    assert not dock.refresh_outages()
    assert "not set up yet" in dock.message.text()


def test_a_failing_task_reports_instead_of_crashing(installed_plugin):
    import importlib

    tasks = importlib.import_module(f"{PLUGIN}.integration.tasks")
    answers = []
    runner = tasks.TaskRunner()
    runner.start("a bug", lambda: 1 / 0, lambda value, error: answers.append(error))
    wait_for(lambda: answers)
    assert answers[0].kind == "plugin_bug" and "ZeroDivisionError" in answers[0].detail
    assert answers[0].plain().startswith("The plugin failed: ZeroDivisionError")
    assert not runner.busy
