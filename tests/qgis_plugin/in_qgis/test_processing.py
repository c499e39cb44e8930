"""`gis_outage:trace` in Processing: in QGIS (what the modeller runs) and headless from
`qgis_process`, against the real demo server; the outputs hold what the API answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingUtils,
    QgsVectorLayer,
)

from .qgis_process import qgis_process_profile  # noqa: E402

PLUGIN = "gisoutage"
ALGORITHM = "gis_outage:trace"


def _busy_link(server) -> tuple[str, dict]:
    """A link whose break has devices to operate and a few service points."""
    links = QgsVectorLayer(f"{server.city_dir / 'water.gpkg'}|layername=links", "l", "ogr")
    for feature in links.getFeatures():
        answer = server.api("POST", "/trace", {"service": "water",
                                               "break_links": [str(feature["id"])]})
        if answer["devices_to_operate"] and 3 <= len(answer["affected_service_points"]) <= 200:
            return str(feature["id"]), answer
    raise AssertionError("no link in the demo network cuts off a few service points")


def _ids(layer) -> list[str]:
    return sorted(str(f["id"]) for f in layer.getFeatures())


@pytest.fixture(scope="module")
def connected(installed_plugin, server):
    import importlib

    credentials = importlib.import_module(f"{PLUGIN}.integration.credentials")
    credentials.save_connection(server.url, server.token)
    return server


def test_the_provider_is_registered_with_the_plugin(installed_plugin) -> None:
    registry = QgsApplication.processingRegistry()
    assert registry.providerById("gis_outage") is not None
    algorithm = registry.algorithmById(ALGORITHM)
    assert algorithm is not None
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert {"SERVICE", "MODE", "IDS", "SELECTION", "LINKS", "DEVICES", "SERVICE_POINTS",
            "AUTHCFG", "ISOLATED_LINKS", "DEVICES_TO_OPERATE", "AFFECTED_SERVICE_POINTS",
            "PUBLIC_AREA"} <= names


def test_trace_by_selected_features_as_the_modeller_runs_it(connected) -> None:
    server = connected
    link, answer = _busy_link(server)
    gpkg = server.city_dir / "water.gpkg"
    links = QgsVectorLayer(f"{gpkg}|layername=links", "links", "ogr")
    links.selectByExpression(f"\"id\" = '{link}'")
    assert links.selectedFeatureCount() == 1
    from qgis.core import QgsProcessingFeatureSourceDefinition

    algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM)
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    context.temporaryLayerStore().addMapLayer(links)
    parameters = {
        "SERVICE": 0, "MODE": 0,
        "SELECTION": QgsProcessingFeatureSourceDefinition(links.id(), True),
        "LINKS": links.id(),
        "DEVICES": f"{gpkg}|layername=devices",
        "SERVICE_POINTS": f"{gpkg}|layername=service_points",
        "ISOLATED_LINKS": "TEMPORARY_OUTPUT", "DEVICES_TO_OPERATE": "TEMPORARY_OUTPUT",
        "AFFECTED_SERVICE_POINTS": "TEMPORARY_OUTPUT", "PUBLIC_AREA": "TEMPORARY_OUTPUT",
    }
    results, ok = algorithm.run(parameters, context, feedback)
    assert ok, feedback.textLog()
    assert results["CUSTOMERS"] == answer["customers"]

    def layer(name: str):
        return QgsProcessingUtils.mapLayerFromString(results[name], context)

    assert _ids(layer("ISOLATED_LINKS")) == answer["isolated_links"]
    assert _ids(layer("DEVICES_TO_OPERATE")) == answer["devices_to_operate"]
    assert _ids(layer("AFFECTED_SERVICE_POINTS")) == answer["affected_service_points"]
    assert layer("PUBLIC_AREA").featureCount() == (1 if answer["public_area"] else 0)


def test_an_empty_selection_is_a_clear_error(connected) -> None:
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM)
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    results, ok = algorithm.run({"SERVICE": 0, "MODE": 0, "IDS": " , "}, context, feedback)
    assert not ok
    assert "Give the ids" in feedback.textLog()


def test_qgis_process_runs_the_trace_headless(connected, plugin_zip, tmp_path) -> None:
    server = connected
    link, answer = _busy_link(server)
    executable, env = qgis_process_profile(tmp_path, plugin_zip, server.url, server.token)

    listed = subprocess.run([executable, "list"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert ALGORITHM in listed.stdout, listed.stdout + listed.stderr
    gpkg = server.city_dir / "water.gpkg"
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [executable, "--json", "run", ALGORITHM, "--", "SERVICE=0", "MODE=0", f"IDS={link}",
         f"LINKS={gpkg}|layername=links", f"DEVICES={gpkg}|layername=devices",
         f"SERVICE_POINTS={gpkg}|layername=service_points",
         f"ISOLATED_LINKS={out / 'isolated.gpkg'}", f"DEVICES_TO_OPERATE={out / 'devices.gpkg'}",
         f"AFFECTED_SERVICE_POINTS={out / 'points.gpkg'}", f"PUBLIC_AREA={out / 'area.gpkg'}"],
        env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(run.stdout[run.stdout.index("{"):])["results"]
    assert results["CUSTOMERS"] == answer["customers"]
    for name, expected in (("isolated", "isolated_links"), ("devices", "devices_to_operate"),
                           ("points", "affected_service_points")):
        layer = QgsVectorLayer(str(out / f"{name}.gpkg"), name, "ogr")
        assert layer.isValid(), name
        assert _ids(layer) == answer[expected], name
    area = QgsVectorLayer(str(out / "area.gpkg"), "area", "ogr")
    assert [f["customers"] for f in area.getFeatures()] == [answer["customers"]]
    assert Path(results["PUBLIC_AREA"]).name.startswith("area.gpkg")
