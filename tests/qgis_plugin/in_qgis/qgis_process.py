"""`qgis_process` with the plugin installed and a server connection stored, in a profile
of its own under a test's tmp_path (test_processing.py, test_converted_networks.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

PLUGIN = "gisoutage"


def executable() -> str:
    # Debian 12's /usr/bin/qgis_process wrapper passes the desktop's --noversioncheck
    # (from /etc/default/qgis), which qgis_process 3.22 refuses: run the binary itself.
    found = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    if found is None:
        pytest.skip("qgis_process is not installed (Debian: qgis)")
    return found


# The plugin's connection stored the way QGIS stores it, in the profile qgis_process
# reads: its settings file (QGIS/QGIS3.ini in the profile) and its auth database.
SETUP = """
import sys
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QSettings
QCoreApplication.setOrganizationName("QGIS")
QCoreApplication.setApplicationName("QGIS3")
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, sys.argv[5])
app = QgsApplication([], False, sys.argv[5])
app.initQgis()
assert QgsApplication.authManager().setMasterPassword(sys.argv[1], True)
sys.path.insert(0, sys.argv[2])
from gisoutage.integration import credentials
credentials.save_connection(sys.argv[3], sys.argv[4])
QgsSettings().sync()
print(QgsSettings().fileName())
app.exitQgis()
"""


def qgis_process_profile(tmp_path: Path, plugin_zip: Path, url: str,
                         token: str) -> tuple[str, dict[str, str]]:
    """(qgis_process, its environment): the plugin enabled, connected to `url`."""
    program = executable()
    data = tmp_path / "data"
    plugins = data / "QGIS" / "QGIS3" / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as archive:
        archive.extractall(plugins)
    password = tmp_path / "master-password"
    password.write_text("qgis-process-test")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_RUNTIME_DIR": str(runtime), "QT_QPA_PLATFORM": "offscreen",
           "QGIS_AUTH_PASSWORD_FILE": str(password)}
    setup = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SETUP), password.read_text(), str(plugins),
         url, token, str(plugins.parent.parent)],
        env=env, capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    assert setup.stdout.strip().endswith("profiles/default/QGIS/QGIS3.ini")
    enabled = subprocess.run([program, "plugins", "enable", PLUGIN], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return program, env
