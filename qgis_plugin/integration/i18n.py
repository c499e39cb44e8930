"""Qt translation: one context for the whole plugin, .qm files in i18n/.

Every user-visible string is written as `tr("...")` so i18n/update.py finds it.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "GisOutage"
I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"
LANGUAGES = ("fi", "sv", "en")


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def user_language() -> str:
    """QGIS's interface language: its override setting, else the system locale."""
    settings = QgsSettings()
    locale = ""
    if settings.value("locale/overrideFlag", False, type=bool):
        locale = settings.value("locale/userLocale", "", type=str)
    return (locale or QLocale.system().name())[:2]


def install_translator(language: str | None = None) -> QTranslator | None:
    """Load and install the plugin's .qm for `language`; None when there is none."""
    language = language or user_language()
    qm = I18N_DIR / f"gis_outage_{language}.qm"
    if language not in LANGUAGES or not qm.exists():
        return None
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
