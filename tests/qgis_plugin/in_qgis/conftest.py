"""Real QGIS, headless, and a real gis-outage demo server for the plugin's tests.

Runs under Debian's /usr/bin/python3 (python3-qgis). One QgsApplication per session
with a fresh profile; the plugin is installed there from the zip that build_zip.py
makes, and loaded the way QGIS loads plugins (qgis.utils.loadPlugin/startPlugin).
The server is `gis-outage demo` from the project's venv on a free port, seeded once
per session (about a minute).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import ROOT, VENV_PYTHON, DemoServer, Iface, free_port, running_server

try:
    from qgis.core import Qgis, QgsApplication
except ImportError:  # the venv's pytest: these tests are skipped by their modules
    QgsApplication = None

PLUGIN = "gisoutage"
MASTER_PASSWORD = "test-master-password"

_session_dir = Path(tempfile.mkdtemp(prefix="gis-outage-qgis-")) if QgsApplication else None
_app = None


def _start_qgis() -> None:
    """Create the one QgsApplication before any test imports qgis.gui widgets."""
    global _app
    if QgsApplication is None or _app is not None:
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = str(_session_dir / "config")  # keep ~/.config clean
    runtime = _session_dir / "runtime"
    runtime.mkdir(mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from qgis.PyQt.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("QGIS-test")
    QCoreApplication.setApplicationName("gis-outage-test")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(_session_dir / "settings"))
    profile = _session_dir / "profile"
    (profile / "python" / "plugins").mkdir(parents=True)
    _app = QgsApplication([], False, str(profile))
    _app.initQgis()
    # A fresh auth DB takes the first master password given; the plugin stores its token there.
    assert QgsApplication.authManager().setMasterPassword(MASTER_PASSWORD, True)


_start_qgis()


def pytest_sessionfinish(session, exitstatus) -> None:
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def qgis_app():
    if _app is None:
        pytest.skip("QGIS Python (python3-qgis) is not importable here")
    return _app


@pytest.fixture(scope="session")
def profile_dir(qgis_app) -> Path:
    return Path(QgsApplication.qgisSettingsDirPath())


@pytest.fixture(scope="session")
def qgis_messages(qgis_app) -> list[tuple[str, str, int]]:
    """Everything written to QGIS's message log during the session: (tag, text, level)."""
    seen: list[tuple[str, str, int]] = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda text, tag, level: seen.append((tag, text, int(level))))
    return seen


@pytest.fixture(scope="session")
def server(qgis_app) -> Iterator[DemoServer]:
    running = os.environ.get("GIS_OUTAGE_TEST_DEMO")  # "URL DATA_DIR": reuse a running demo
    if running:
        url, data_dir = running.split()
        token = (Path(data_dir) / "engineer-token.txt").read_text().strip()
        yield DemoServer(url, token, Path(data_dir), VENV_PYTHON)
        return
    if not VENV_PYTHON.exists():
        pytest.skip(f"no project venv at {VENV_PYTHON} (set GIS_OUTAGE_VENV)")
    data_dir = _session_dir / "server"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = _session_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    command = [str(VENV_PYTHON), "-m", "gis_outage.cli", "demo", "--host", "127.0.0.1",
               "--port", str(port), "--data-dir", str(data_dir)]
    with running_server(command, url, log, ROOT, env):
        token = (data_dir / "engineer-token.txt").read_text().strip()
        yield DemoServer(url, token, data_dir, VENV_PYTHON)


# --- the plugin, installed from its zip -------------------------------------------------
@pytest.fixture(scope="session")
def plugin_zip() -> Path:
    sys.path.insert(0, str(ROOT / "qgis_plugin"))
    try:
        import build_zip
    finally:
        sys.path.pop(0)
    return build_zip.build(_session_dir / "dist")


@pytest.fixture(scope="session")
def iface(qgis_app) -> Iface:
    import qgis.utils

    qgis.utils.iface = Iface()
    return qgis.utils.iface


@pytest.fixture(scope="session")
def installed_plugin(qgis_app, profile_dir: Path, plugin_zip: Path, iface: Iface,
                     qgis_messages) -> Iterator[object]:
    """The zip unpacked into the profile's python/plugins, loaded and started by qgis.utils."""
    import qgis.utils

    plugins_dir = profile_dir / "python" / "plugins"
    with zipfile.ZipFile(plugin_zip) as archive:
        archive.extractall(plugins_dir)
    sys.path.insert(0, str(plugins_dir))
    qgis.utils.plugin_paths[:] = [str(plugins_dir)]
    qgis.utils.updateAvailablePlugins()
    assert PLUGIN in qgis.utils.available_plugins
    assert qgis.utils.loadPlugin(PLUGIN), _critical(qgis_messages)
    assert qgis.utils.startPlugin(PLUGIN), _critical(qgis_messages)
    yield PluginHandle()
    if PLUGIN in qgis.utils.active_plugins:
        qgis.utils.unloadPlugin(PLUGIN)


class PluginHandle:
    """The running plugin object, looked up on each use: a test may reload the plugin."""

    def __getattr__(self, name: str):
        import qgis.utils

        return getattr(qgis.utils.plugins[PLUGIN], name)


def _critical(messages: list[tuple[str, str, int]]) -> str:
    return "\n".join(text for _, text, level in messages if level >= int(Qgis.Warning))


@pytest.fixture(scope="module")
def network(installed_plugin, server):
    """Server set up through the settings dialog; the demo water network in the project,
    the canvas on it."""
    dock = installed_plugin.dock
    dialog = dock.open_settings()
    dialog.url.setText(server.url)
    dialog.token.setText(server.token)
    dialog.save()
    assert not dialog.isVisible()
    layers = dock.load_geopackage(str(server.city_dir / "water.gpkg"))
    assert set(layers) == {"links", "devices", "service_points"}
    canvas = installed_plugin.iface.mapCanvas()
    canvas.setDestinationCrs(layers["links"].crs())
    canvas.setExtent(layers["links"].extent())
    return layers


@pytest.fixture
def dock(installed_plugin, network):
    """The dock with no area drawn and nothing selected in the network's layers."""
    from qgis.core import QgsCoordinateReferenceSystem

    dock = installed_plugin.dock
    dock.set_area(None, QgsCoordinateReferenceSystem())
    for layer in network.values():
        layer.removeSelection()
    return dock
