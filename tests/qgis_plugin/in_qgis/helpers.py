"""Helpers for the QGIS tests: the demo server's own answers, QGIS's interface, waiting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENV_PYTHON = Path(os.environ.get("GIS_OUTAGE_VENV", ROOT / ".venv")) / "bin" / "python"
SERVER_START_SECONDS = 300


# --- the server --------------------------------------------------------------------
class DemoServer:
    def __init__(self, url: str, token: str, data_dir: Path, venv_python: Path) -> None:
        self.url = url
        self.token = token
        self.data_dir = data_dir
        self.city_dir = data_dir / "city"
        self.venv_python = venv_python

    def new_token(self, user: str, role: str) -> str:
        """A user and token made with the product's own CLI on the server's database."""
        env = {**os.environ, "GIS_OUTAGE_DATA_DIR": str(self.data_dir)}
        cli = [str(self.venv_python), "-m", "gis_outage.cli"]
        subprocess.run([*cli, "create-user", user, "--role", role], env=env, check=True,
                       capture_output=True)
        made = subprocess.run([*cli, "create-token", user], env=env, check=True,
                              capture_output=True, text=True)
        return made.stdout.strip().splitlines()[-1]

    def api(self, method: str, path: str, body: dict | None = None) -> dict | list:
        """The API's own answer, through plain urllib (not the plugin's client)."""
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def public_outages(self) -> dict:
        with urllib.request.urlopen(
            f"{self.url}/oapi/collections/outages/items?f=json&limit=1000", timeout=30
        ) as response:
            return json.loads(response.read())


def product_env(**extra: str) -> dict[str, str]:
    """The environment for the venv's `gis-outage`: not QGIS's Python settings, not the
    caller's GIS_OUTAGE_* settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON") and not k.startswith("GIS_OUTAGE_")}
    return env | extra


@contextmanager
def running_server(command: list[str], url: str, log: Path, cwd: Path,
                   env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until its API answers, stop it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_up(process, url, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n"
                               + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError("the server did not come up in time:\n" + log.read_text()[-3000:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- QGIS's interface, for a plugin outside the desktop app ---------------------------
class Iface:
    """The part of QgisInterface the plugin uses, over real Qt/QGIS widgets.

    Deliberately not a Mock: a call to anything not here fails the test, so the
    plugin's use of the interface stays known.
    """

    def __init__(self) -> None:
        from qgis.gui import QgsMapCanvas, QgsMessageBar
        from qgis.PyQt.QtWidgets import QMainWindow

        self._window = QMainWindow()
        self._canvas = QgsMapCanvas(self._window)
        self._canvas.resize(800, 600)
        self._window.setCentralWidget(self._canvas)
        self._bar = QgsMessageBar(self._window)
        self._window.show()  # offscreen; docks report visibility only in a shown window
        self.toolbar_actions: list = []
        self.web_menu: dict[str, list] = {}
        self.docks: list = []

    def mainWindow(self):  # noqa: N802 - QgisInterface's names
        return self._window

    def mapCanvas(self):  # noqa: N802
        return self._canvas

    def messageBar(self):  # noqa: N802
        return self._bar

    def addDockWidget(self, area, dock) -> None:  # noqa: N802
        self._window.addDockWidget(area, dock)
        self.docks.append(dock)

    def removeDockWidget(self, dock) -> None:  # noqa: N802
        self._window.removeDockWidget(dock)
        self.docks.remove(dock)

    def addToolBarIcon(self, action) -> int:  # noqa: N802
        self.toolbar_actions.append(action)
        return 0

    def removeToolBarIcon(self, action) -> None:  # noqa: N802
        self.toolbar_actions.remove(action)

    def addPluginToWebMenu(self, name: str, action) -> None:  # noqa: N802
        self.web_menu.setdefault(name, []).append(action)

    def removePluginWebMenu(self, name: str, action) -> None:  # noqa: N802
        self.web_menu[name].remove(action)
        if not self.web_menu[name]:
            del self.web_menu[name]


# --- waiting on background tasks ------------------------------------------------------
def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the Qt event loop until `condition()` holds (task callbacks need the loop)."""
    from qgis.PyQt.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {condition}")
        QCoreApplication.processEvents()
        time.sleep(0.01)
