"""The compiled translations load in QGIS and change what the dock says."""

from __future__ import annotations

import importlib

import pytest

pytest.importorskip("qgis.core")

PLUGIN = "gisoutage"


@pytest.mark.parametrize(("language", "expected"), [("fi", "Jäljitä"), ("sv", "Spåra")])
def test_qm_translates(installed_plugin, language, expected):
    i18n = importlib.import_module(f"{PLUGIN}.integration.i18n")
    translator = i18n.install_translator(language)
    try:
        assert translator is not None
        assert i18n.tr("Trace") == expected
    finally:
        i18n.remove_translator(translator)
    assert i18n.tr("Trace") == "Trace"


def test_user_language_follows_the_qgis_override(installed_plugin):
    from qgis.core import QgsSettings

    i18n = importlib.import_module(f"{PLUGIN}.integration.i18n")
    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "sv_FI")
    try:
        assert i18n.user_language() == "sv"
    finally:
        settings.remove("locale/overrideFlag")
        settings.remove("locale/userLocale")


def test_the_text_limit_reads_in_the_users_language(installed_plugin):
    """The plugin's own refusal of a too-long message text, with the API's limit."""
    i18n = importlib.import_module(f"{PLUGIN}.integration.i18n")
    labels = importlib.import_module(f"{PLUGIN}.ui.labels")
    models = importlib.import_module(f"{PLUGIN}.core.models")
    translator = i18n.install_translator("fi")
    try:
        said = labels.draft_problem("text_too_long")
    finally:
        i18n.remove_translator(translator)
    assert said == f"Jokin viestiteksti on yli {models.MAX_CAUSE} merkkiä pitkä."
