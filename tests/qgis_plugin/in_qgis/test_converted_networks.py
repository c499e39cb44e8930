"""Networks we were not built with, traced in QGIS through the plugin: the same answer as
`gis-outage trace --json` on the file, the API on the imported network, and the oracles.

WNTR's Net3 (EPSG:4326, no node ids, addresses) and ky10 (EPSG:4326, zero-length pumps),
and pandapower's mv_oberrhein (EPSG:3067, zero-length transformers, addresses), converted
with our converters by converted_networks.py in the project's venv, which also asks the
CLI and the oracles (a networkx flood fill over the original topology; pandapower's
unsupplied buses for mv_oberrhein's switches). They are imported with `gis-outage
import-network` into a server of their own (`gis-outage serve`; the demo server keeps its
networks for the other tests), one network per service. A few traces per network, each
through the Processing algorithm and some through the dock.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsAuthMethodConfig,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402

from .helpers import (  # noqa: E402
    ROOT,
    VENV_PYTHON,
    DemoServer,
    free_port,
    product_env,
    running_server,
    wait_for,
)
from .qgis_process import qgis_process_profile  # noqa: E402

PLUGIN = "gisoutage"
ALGORITHM = "gis_outage:trace"
CASES = ("net3-4326-no-node-ids", "ky10-4326-zero-length", "oberrhein-3067-zero-length")
KEYS = ("devices_to_operate", "isolated_links", "affected_links", "affected_service_points",
        "affected_addresses")
COPIES = {"ISOLATED_LINKS": "isolated_links", "DEVICES_TO_OPERATE": "devices_to_operate",
          "AFFECTED_SERVICE_POINTS": "affected_service_points"}
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def _module(name: str):
    import importlib

    return importlib.import_module(f"{PLUGIN}.{name}")


@pytest.fixture(scope="module")
def converted(qgis_app, tmp_path_factory) -> dict:
    if not VENV_PYTHON.exists():
        pytest.skip(f"no project venv at {VENV_PYTHON} (set GIS_OUTAGE_VENV)")
    out = tmp_path_factory.mktemp("converted")
    made = subprocess.run(
        [str(VENV_PYTHON), "-m", "tests.qgis_plugin.in_qgis.converted_networks", str(out)],
        cwd=ROOT, env=product_env(), capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    return json.loads((out / "cases.json").read_text())


@pytest.fixture(scope="module")
def other_server(converted, tmp_path_factory) -> Iterator[DemoServer]:
    """`gis-outage serve` on an empty data dir, each converted network imported by the CLI."""
    data_dir = tmp_path_factory.mktemp("server")
    env = product_env(GIS_OUTAGE_DATA_DIR=str(data_dir))
    cli = [str(VENV_PYTHON), "-m", "gis_outage.cli"]

    def run(*args: str) -> str:
        done = subprocess.run([*cli, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    for case in converted.values():
        assert "imported" in run("import-network", case["path"], "--service", case["service"])
    run("create-user", "engineer", "--role", "engineer")
    token = run("create-token", "engineer").strip().splitlines()[-1]
    url = f"http://127.0.0.1:{free_port()}"
    with running_server([*cli, "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]],
                        url, data_dir / "server.log", ROOT, env):
        yield DemoServer(url, token, data_dir, VENV_PYTHON)


@pytest.fixture(scope="module")
def authcfg(installed_plugin, other_server) -> Iterator[str]:
    """A QGIS authentication configuration for the other server, as Processing takes one."""
    manager = QgsApplication.authManager()
    config = QgsAuthMethodConfig("Basic")
    config.setName("converted networks")
    config.setUri(other_server.url)
    config.setConfig("username", "token")
    config.setConfig("password", other_server.token)
    stored = manager.storeAuthenticationConfig(config)
    config = stored[1] if isinstance(stored, tuple) else config
    assert config.id()
    yield config.id()
    manager.removeAuthenticationConfig(config.id())


@pytest.fixture
def dock_on_other_server(installed_plugin, other_server) -> Iterator[object]:
    """The dock connected to the other server; the plugin's own connection put back after."""
    credentials = _module("integration.credentials")
    before = credentials.load_connection()
    credentials.save_connection(other_server.url, other_server.token)
    try:
        yield installed_plugin.dock
    finally:
        if before is not None:
            credentials.save_connection(before.url, before.token)
        else:
            credentials.forget_connection()


# --- comparing ------------------------------------------------------------------------
def _ids(layer: QgsVectorLayer | None) -> list[str]:
    return sorted(str(f["id"]) for f in layer.getFeatures()) if layer is not None else []


def _api_answer(server: DemoServer, case: dict, trace: dict) -> dict:
    key = "break_links" if trace["mode"] == "break" else "operate_devices"
    return server.api("POST", "/trace", {"service": case["service"], key: [trace["id"]]})


def _assert_agree(trace: dict, api: dict) -> None:
    """CLI on the file = API on the import = the flood fill (= pandapower's buses)."""
    cli = trace["cli"]
    assert {k: api[k] for k in (*KEYS, "customers")} == cli, trace["id"]
    assert {k: cli[k] for k in KEYS} == trace["oracle"], trace["id"]
    if "pandapower" in trace:
        assert cli["affected_service_points"] == trace["pandapower"], trace["id"]
    assert trace["id"] in (cli["isolated_links"] if trace["mode"] == "break"
                           else cli["devices_to_operate"])


def _assert_finite(layer: QgsVectorLayer) -> None:
    """No NaN in any coordinate or attribute, and an extent QGIS can draw."""
    for feature in layer.getFeatures():
        for vertex in feature.geometry().vertices():
            assert math.isfinite(vertex.x()) and math.isfinite(vertex.y()), feature.id()
        for value in feature.attributes():
            assert not (isinstance(value, float) and math.isnan(value)), feature.attributes()
    if layer.featureCount():
        extent = layer.extent()
        assert all(math.isfinite(v) for v in (extent.xMinimum(), extent.yMinimum(),
                                              extent.xMaximum(), extent.yMaximum()))


def _assert_draws(layers: list[QgsVectorLayer], crs) -> None:
    """QGIS renders the result layers in the network's CRS without an error."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(400, 300))
    extent = layers[0].extent()
    for layer in layers[1:]:
        extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
    extent.grow(max(extent.width(), extent.height(), 1e-3) * 0.1)
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    assert list(job.errors()) == []
    assert not job.renderedImage().isNull()


# --- Processing -----------------------------------------------------------------------
def _run_algorithm(case: dict, trace: dict, authcfg: str,
                   check=QgsFeatureRequest.GeometryNoCheck, **parameters):
    """Run the algorithm; `check` as Processing's "Invalid features filtering" setting."""
    services = _module("core.models").SERVICES
    gpkg = case["path"]
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM)
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    context.setProject(QgsProject.instance())  # as the toolbox's: layers by their id
    context.setInvalidGeometryCheck(check)
    results, ok = algorithm.run({
        "SERVICE": services.index(case["service"]),
        "MODE": 0 if trace["mode"] == "break" else 1, "IDS": trace["id"], "AUTHCFG": authcfg,
        "LINKS": f"{gpkg}|layername=links", "DEVICES": f"{gpkg}|layername=devices",
        "SERVICE_POINTS": f"{gpkg}|layername=service_points",
        "ISOLATED_LINKS": "TEMPORARY_OUTPUT", "DEVICES_TO_OPERATE": "TEMPORARY_OUTPUT",
        "AFFECTED_SERVICE_POINTS": "TEMPORARY_OUTPUT", "PUBLIC_AREA": "TEMPORARY_OUTPUT",
        **parameters,
    }, context, feedback)
    assert ok, feedback.textLog()
    return results, context, feedback


@pytest.mark.parametrize("name", CASES)
def test_processing_traces_agree_with_the_cli_the_api_and_the_oracles(
    name, converted, other_server, authcfg
) -> None:
    case = converted[name]
    for trace in case["traces"]:
        _assert_agree(trace, _api_answer(other_server, case, trace))
        cli = trace["cli"]
        results, context, feedback = _run_algorithm(case, trace, authcfg)
        assert results["CUSTOMERS"] == cli["customers"], trace["id"]
        assert not NAN.search(feedback.textLog())

        layer = {output: QgsProcessingUtils.mapLayerFromString(results[output], context)
                 for output in (*COPIES, "PUBLIC_AREA")}
        for output, key in COPIES.items():
            assert _ids(layer[output]) == cli[key], (trace["id"], output)
            assert layer[output].crs().authid() == case["crs"], (trace["id"], output)
            _assert_finite(layer[output])
        area = layer["PUBLIC_AREA"]
        assert area.crs().authid() == "EPSG:4326"
        (feature,) = list(area.getFeatures())  # every trace here cuts off service points
        assert feature.geometry().isGeosValid() and feature["customers"] == cli["customers"]
        # The area is grid cells holding the affected points: each is in it, in WGS84.
        to_wgs84 = QgsCoordinateTransform(layer["AFFECTED_SERVICE_POINTS"].crs(), area.crs(),
                                          QgsProject.instance())
        for point in layer["AFFECTED_SERVICE_POINTS"].getFeatures():
            where = QgsGeometry(point.geometry())
            assert where.transform(to_wgs84) == 0
            assert feature.geometry().distance(where) < 1e-7, (trace["id"], point["id"])
        _assert_finite(area)
        _assert_draws(list(layer.values()), layer["ISOLATED_LINKS"].crs())


def test_zero_length_links_reach_qgis_as_drawn(converted, authcfg) -> None:
    """A zero-length pump or transformer broken on its own: in the isolated links output
    with its one-point line, not dropped or NaN."""
    for name in ("ky10-4326-zero-length", "oberrhein-3067-zero-length"):
        case = converted[name]
        zero = set(case["zero_length_links"])
        (trace, *_) = case["traces"]  # converted_networks.py breaks a zero-length link first
        assert trace["mode"] == "break" and trace["id"] in zero
        results, context, _ = _run_algorithm(case, trace, authcfg)
        isolated = QgsProcessingUtils.mapLayerFromString(results["ISOLATED_LINKS"], context)
        drawn = {str(f["id"]): f.geometry() for f in isolated.getFeatures()}
        assert trace["id"] in drawn
        for link in zero & set(drawn):
            assert drawn[link].length() == 0 and not drawn[link].isEmpty(), link


@pytest.mark.parametrize("check", [QgsFeatureRequest.GeometrySkipInvalid,
                                   QgsFeatureRequest.GeometryAbortOnInvalid])
def test_zero_length_links_pass_processings_invalid_geometry_setting(check, converted,
                                                                    authcfg) -> None:
    """GEOS calls a one-point line invalid; the toolbox's default setting stops an algorithm
    at an invalid geometry, "skip" drops it. The trace copies by id: neither may lose or
    refuse a zero-length pump, whether it is named by IDS or selected on the layer."""
    case = converted["ky10-4326-zero-length"]
    trace = case["traces"][0]
    links = QgsVectorLayer(f"{case['path']}|layername=links", "links", "ogr")
    links.selectByExpression(f"\"id\" = '{trace['id']}'")
    assert links.selectedFeatureCount() == 1
    assert not next(links.getSelectedFeatures()).geometry().isGeosValid()
    QgsProject.instance().addMapLayer(links)
    try:
        for parameters in ({}, {"IDS": "", "LINKS": links.id(), "SELECTION":
                                QgsProcessingFeatureSourceDefinition(links.id(), True)}):
            results, context, _ = _run_algorithm(case, trace, authcfg, check, **parameters)
            for output, key in COPIES.items():
                copied = QgsProcessingUtils.mapLayerFromString(results[output], context)
                assert _ids(copied) == trace["cli"][key], (output, parameters)
    finally:
        QgsProject.instance().removeMapLayer(links.id())


def test_qgis_process_on_zero_length_links_in_wgs84(converted, other_server, plugin_zip,
                                                    tmp_path) -> None:
    """Headless, with qgis_process's own settings: ky10's pump broken, outputs written to
    GeoPackages hold the CLI's ids in EPSG:4326."""
    case = converted["ky10-4326-zero-length"]
    trace, gpkg = case["traces"][0], case["path"]
    executable, env = qgis_process_profile(tmp_path, plugin_zip, other_server.url,
                                           other_server.token)
    out = {name: tmp_path / f"{name}.gpkg" for name in (*COPIES, "PUBLIC_AREA")}
    run = subprocess.run(
        [executable, "--json", "run", ALGORITHM, "--", "SERVICE=1", "MODE=0",
         f"IDS={trace['id']}", f"LINKS={gpkg}|layername=links",
         f"DEVICES={gpkg}|layername=devices", f"SERVICE_POINTS={gpkg}|layername=service_points",
         *(f"{name}={path}" for name, path in out.items())],
        env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(run.stdout[run.stdout.index("{"):])["results"]
    assert results["CUSTOMERS"] == trace["cli"]["customers"]
    for output, key in COPIES.items():
        layer = QgsVectorLayer(str(out[output]), output, "ogr")
        assert layer.isValid() and layer.crs().authid() == case["crs"], output
        assert _ids(layer) == trace["cli"][key], output
        _assert_finite(layer)
    area = QgsVectorLayer(str(out["PUBLIC_AREA"]), "area", "ogr")
    assert area.crs().authid() == "EPSG:4326"
    assert [f["customers"] for f in area.getFeatures()] == [trace["cli"]["customers"]]


# --- the dock -------------------------------------------------------------------------
def _select(layer: QgsVectorLayer, element: str) -> None:
    layer.selectByExpression(f"\"id\" = '{element}'")
    assert layer.selectedFeatureCount() == 1, element


@pytest.mark.parametrize("name", CASES)
def test_dock_traces_agree_with_the_cli_and_the_api(name, converted, other_server,
                                                    dock_on_other_server) -> None:
    dock, case = dock_on_other_server, converted[name]
    services = _module("core.models").SERVICES
    network = dock.load_geopackage(case["path"])
    assert set(network) == {"links", "devices", "service_points"}
    dock.network.service.setCurrentIndex(services.index(case["service"]))
    dock.set_area(None, network["links"].crs())
    breaks = [t for t in case["traces"] if t["mode"] == "break"]
    operations = [t for t in case["traces"] if t["mode"] == "operate"]
    try:
        for trace in (breaks[0], operations[0]):
            for layer in network.values():
                layer.removeSelection()
            layer = network["links" if trace["mode"] == "break" else "devices"]
            _select(layer, trace["id"])
            dock.network.set_mode(trace["mode"])
            dock.result_layers = None
            assert dock.trace()
            wait_for(lambda: not dock.runner.busy)
            layers = dock.result_layers
            assert layers is not None, dock.message.text()
            cli, result = trace["cli"], dock.trace_result
            assert _ids(layers.isolated_links) == cli["isolated_links"]
            assert _ids(layers.devices_to_operate) == cli["devices_to_operate"]
            assert _ids(layers.service_points) == cli["affected_service_points"]
            assert list(result.affected_addresses) == cli["affected_addresses"]
            assert bool(cli["affected_addresses"]) == case["addresses"]
            assert result.customers == cli["customers"] and layers.missing == {}
            for shown in (layers.isolated_links, layers.devices_to_operate,
                          layers.service_points):
                assert shown.crs().authid() == case["crs"]
                _assert_finite(shown)
            assert layers.public_area.crs().authid() == "EPSG:4326"
            _assert_finite(layers.public_area)
            text = dock.result_label.text()
            assert f"Affected service points: {len(cli['affected_service_points'])}" in text
            assert f"Addresses: {len(cli['affected_addresses'])}, customers: " \
                f"{cli['customers']}" in text
            assert not NAN.search(text)
            if case["zero_length_links"]:
                assert "zero length" in text  # the server's warning, shown as given
            _assert_draws(layers.layers(), network["links"].crs())
    finally:
        _remove(case, network)


def _remove(case: dict, network: dict[str, QgsVectorLayer]) -> None:
    project = QgsProject.instance()
    group = project.layerTreeRoot().findGroup(Path(case["path"]).stem)
    project.removeMapLayers([x.id() for x in network.values()])
    if group is not None:
        group.parent().removeChildNode(group)
    _module("integration.result_layers").remove_trace_layers(project)


@pytest.mark.parametrize(("name", "canvas_crs"), [("net3-4326-no-node-ids", "EPSG:3067"),
                                                  ("oberrhein-3067-zero-length", "EPSG:4326")])
def test_an_area_drawn_on_a_canvas_in_another_crs(name, canvas_crs, converted, other_server,
                                                  dock_on_other_server, installed_plugin):
    """Drawn in the canvas's CRS, sent in WGS84, placed by the server in the network's CRS:
    the service points and links inside are those QGIS itself finds inside."""
    dock, case = dock_on_other_server, converted[name]
    canvas, project = installed_plugin.iface.mapCanvas(), QgsProject.instance()
    before = canvas.mapSettings().destinationCrs()
    network = dock.load_geopackage(case["path"])
    dock.network.service.setCurrentIndex(_module("core.models").SERVICES.index(case["service"]))
    crs = QgsCoordinateReferenceSystem(canvas_crs)
    canvas.setDestinationCrs(crs)
    try:
        points = network["service_points"]
        to_canvas = QgsCoordinateTransform(points.crs(), crs, project)
        (trace, *_) = [t for t in case["traces"] if t["mode"] == "break"][1:]
        wanted = set(trace["cli"]["affected_service_points"])
        corners = QgsGeometry.collectGeometry(
            [f.geometry() for f in points.getFeatures() if str(f["id"]) in wanted])
        assert corners.transform(to_canvas) == 0
        box = corners.boundingBox()
        box.grow(max(box.width(), box.height()) * 0.1 + (0.0003 if crs.isGeographic() else 30))
        dock.start_drawing()
        tool = canvas.mapTool()
        for x, y in ((box.xMinimum(), box.yMinimum()), (box.xMaximum(), box.yMinimum()),
                     (box.xMaximum(), box.yMaximum()), (box.xMinimum(), box.yMaximum())):
            tool.add_point(QgsPointXY(x, y))
        assert tool.finish() is not None and dock.network.mode == "area"
        assert dock.area_crs == crs
        answer = other_server.api("POST", "/trace", {"service": case["service"],
                                                     "polygon": dock.current_selection().polygon})
        drawn = QgsGeometry(dock.area)
        assert drawn.transform(QgsCoordinateTransform(crs, points.crs(), project)) == 0
        inside = sorted(str(f["id"]) for f in points.getFeatures()
                        if f.geometry().within(drawn))
        crossing = sorted(str(f["id"]) for f in network["links"].getFeatures()
                          if f.geometry().intersects(drawn))
        assert answer["affected_service_points"] == inside and wanted <= set(inside)
        assert answer["affected_links"] == crossing
        dock.result_layers = None
        assert dock.trace()
        wait_for(lambda: not dock.runner.busy)
        layers = dock.result_layers
        assert layers is not None, dock.message.text()
        assert _ids(layers.service_points) == inside
        assert list(dock.trace_result.affected_addresses) == answer["affected_addresses"]
        assert layers.service_points.crs() == points.crs()
        assert layers.public_area.crs().authid() == "EPSG:4326"
        _assert_finite(layers.service_points)
        assert not NAN.search(dock.result_label.text())
    finally:
        canvas.setDestinationCrs(before)
        dock.set_area(None, QgsCoordinateReferenceSystem())
        dock.network.set_mode("break")
        _remove(case, network)


def test_publish_from_the_dock_on_zero_length_links_in_wgs84(converted, other_server,
                                                             dock_on_other_server) -> None:
    """ky10's pump broken, published from the dock: stored, on /oapi, nothing NaN."""
    dock, case = dock_on_other_server, converted["ky10-4326-zero-length"]
    network = dock.load_geopackage(case["path"])
    dock.network.service.setCurrentIndex(_module("core.models").SERVICES.index(case["service"]))
    trace = case["traces"][0]
    try:
        _select(network["links"], trace["id"])
        dock.network.set_mode("break")
        assert dock.trace()
        wait_for(lambda: not dock.runner.busy)
        dock.last_outage = None
        form = dock.open_outage_form()
        form.cause.setText("Pump failure")
        form.texts["fi"].setPlainText("Kaukolämpökatko pumppuviasta.")
        form.publish_button.click()
        wait_for(lambda: dock.last_outage is not None and not dock.runner.busy)
        outage = dock.last_outage
        assert outage.status == "published", dock.message.text()
        stored = other_server.api("GET", f"/outages/{outage.id}")
        assert stored["affected"]["isolated_links"] == trace["cli"]["isolated_links"]
        assert stored["affected"]["service_points"] == trace["cli"]["affected_service_points"]
        assert stored["affected"]["addresses"] == []
        (public,) = [f for f in other_server.public_outages()["features"]
                     if f["id"] == outage.id]
        assert public["properties"]["customers"] == trace["cli"]["customers"]
        ring = public["geometry"]["coordinates"][0]
        if public["geometry"]["type"] == "MultiPolygon":
            ring = ring[0]
        assert all(math.isfinite(c) and -180 <= c <= 180 for point in ring for c in point)
        assert not NAN.search(json.dumps(public))
    finally:
        _remove(case, network)


def test_the_converted_files_open_in_qgis_in_their_crs(converted) -> None:
    for case in converted.values():
        for name in ("links", "devices", "service_points"):
            layer = QgsVectorLayer(f"{case['path']}|layername={name}", name, "ogr")
            assert layer.isValid() and layer.crs().authid() == case["crs"]
            assert layer.featureCount() > 0
            first = next(layer.getFeatures(), QgsFeature())
            assert first.isValid()
