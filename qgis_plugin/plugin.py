"""The plugin object QGIS drives: a toolbar button and menu entry that toggle the dock."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

# qgis.utils unloads only modules that an import statement returned; importing the
# subpackages this way too lets it unload `ui` and `algorithms` themselves, so a reload
# gets fresh code.
from .algorithms import provider as _provider  # noqa: F401
from .algorithms.provider import GisOutageProvider
from .integration.i18n import install_translator, remove_translator, tr
from .ui import dock as _dock  # noqa: F401
from .ui.dock import OutageDock

PLUGIN_DIR = Path(__file__).resolve().parent
ICON = PLUGIN_DIR / "icon.svg"


class GisOutagePlugin:
    def __init__(self, iface) -> None:
        self.iface = iface
        self.translator = None
        self.action: QAction | None = None
        self.dock: OutageDock | None = None
        self.menu = ""
        self.provider = None

    def initProcessing(self) -> None:  # noqa: N802 - QGIS's name (qgis_process calls it)
        if self.provider is None:
            self.provider = GisOutageProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS's name
        self.translator = install_translator()
        self.initProcessing()
        self.menu = tr("&Outages")
        self.action = QAction(QIcon(str(ICON)), tr("Outages"), self.iface.mainWindow())
        self.action.setToolTip(tr("Trace, publish and follow outages"))
        self.action.setCheckable(True)
        self.dock = OutageDock(self.iface, self.iface.mainWindow())
        self.dock.setToggleVisibilityAction(self.action)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToWebMenu(self.menu, self.action)

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginWebMenu(self.menu, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        remove_translator(self.translator)
        self.translator = None
