"""A map tool to draw the outage area when topology is missing: click corners,
right-click (or double-click) to finish, Esc to start over."""

from __future__ import annotations

from qgis.core import QgsGeometry, QgsPointXY, QgsWkbTypes
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QKeyEvent


class DrawAreaTool(QgsMapTool):
    area_drawn = pyqtSignal(QgsGeometry)

    def __init__(self, canvas: QgsMapCanvas) -> None:
        super().__init__(canvas)
        self._points: list[QgsPointXY] = []
        self._band = QgsRubberBand(canvas, QgsWkbTypes.PolygonGeometry)
        self._band.setColor(QColor(255, 120, 0, 90))
        self._band.setStrokeColor(QColor(255, 120, 0))
        self._band.setWidth(2)

    def add_point(self, point: QgsPointXY) -> None:
        self._points.append(QgsPointXY(point))
        self._redraw()

    def finish(self) -> QgsGeometry | None:
        """Emit the polygon when it has three corners or more; reset either way."""
        points = self._points
        self.reset()
        if len(points) < 3:
            return None
        geometry = QgsGeometry.fromPolygonXY([points + [points[0]]])
        if not geometry.isGeosValid():
            geometry = geometry.makeValid()
        self.area_drawn.emit(geometry)
        return geometry

    def reset(self) -> None:
        self._points = []
        self._band.reset(QgsWkbTypes.PolygonGeometry)

    def _redraw(self, cursor: QgsPointXY | None = None) -> None:
        points = self._points + ([cursor] if cursor is not None else [])
        self._band.reset(QgsWkbTypes.PolygonGeometry)
        for i, point in enumerate(points):
            self._band.addPoint(point, i == len(points) - 1)

    # --- map tool events -----------------------------------------------------------
    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802 (Qt)
        if event.button() == Qt.RightButton:
            self.finish()
        elif event.button() == Qt.LeftButton:
            self.add_point(self.toMapCoordinates(event.pos()))

    def canvasDoubleClickEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        self.finish()

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self._points:
            self._redraw(self.toMapCoordinates(event.pos()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key_Escape:
            self.reset()

    def deactivate(self) -> None:
        self.reset()
        super().deactivate()
