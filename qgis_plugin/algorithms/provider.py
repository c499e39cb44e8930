"""The `gis_outage` Processing provider (algorithm ids `gis_outage:…`)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .trace import TraceAlgorithm

ICON = Path(__file__).resolve().parent.parent / "icon.svg"


class GisOutageProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "gis_outage"

    def name(self) -> str:
        return "gis-outage"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def loadAlgorithms(self) -> None:  # noqa: N802 - QGIS's name
        self.addAlgorithm(TraceAlgorithm())
