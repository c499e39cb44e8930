"""The zip installs into a fresh QGIS profile and loads like QGIS loads plugins."""

from __future__ import annotations

import configparser
import sys
import zipfile

import pytest

pytest.importorskip("qgis.core")

from qgis.core import Qgis  # noqa: E402

PLUGIN = "gisoutage"
MANDATORY = ("name", "qgisMinimumVersion", "description", "about", "version", "author",
             "email", "repository")


def test_zip_installs_and_starts(installed_plugin, iface, profile_dir, qgis_messages):
    import qgis.utils

    folder = profile_dir / "python" / "plugins" / PLUGIN
    assert (folder / "metadata.txt").is_file()
    assert PLUGIN in qgis.utils.active_plugins
    assert installed_plugin.dock in iface.docks
    assert isinstance(installed_plugin.dock, sys.modules[f"{PLUGIN}.ui.dock"].OutageDock)
    assert installed_plugin.action in iface.toolbar_actions
    assert qgis.utils.pluginMetadata(PLUGIN, "qgisMinimumVersion") == "3.22"
    # qgis.utils reports a plugin's failures under the tag "Python error".
    problems = [text for tag, text, level in qgis_messages
                if tag.startswith("Python") and level >= int(Qgis.Warning)]
    assert problems == []


def test_zip_metadata_has_every_mandatory_field(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as archive:
        text = archive.read(f"{PLUGIN}/metadata.txt").decode("utf-8")
    parser = configparser.ConfigParser()
    parser.read_string(text)
    for field in MANDATORY:
        assert parser["general"].get(field, "").strip(), field


def test_dock_toggles_with_the_action(installed_plugin):
    action, dock = installed_plugin.action, installed_plugin.dock
    assert not dock.isVisible()
    action.trigger()
    assert dock.isUserVisible()
    action.trigger()
    assert not dock.isUserVisible()


def test_unloads_cleanly_and_loads_again(installed_plugin, iface, qgis_messages):
    import qgis.utils

    seen = len(qgis_messages)
    assert qgis.utils.unloadPlugin(PLUGIN)
    assert iface.docks == [] and iface.toolbar_actions == [] and iface.web_menu == {}
    assert not [name for name in sys.modules if name.startswith(PLUGIN)]
    assert qgis.utils.loadPlugin(PLUGIN)
    assert qgis.utils.startPlugin(PLUGIN)
    assert installed_plugin.dock in iface.docks
    assert [m for m in qgis_messages[seen:] if m[0].startswith("Python")] == []
