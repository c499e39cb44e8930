"""Run blocking API calls in QGIS's task manager, hand the answer back on the GUI thread.

QgsTask.run() runs in a worker thread and must not touch widgets or layers;
finished() runs on the main thread, so callbacks may. Python task objects must stay
referenced until finished, or they are collected while the manager still runs them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, Optional

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsTask

from ..core.errors import CANCELLED, PLUGIN_BUG, ApiError

# Optional, not `X | None`: this alias is evaluated, and QGIS 3.22 may run Python 3.9.
Done = Callable[[Any, Optional[ApiError]], None]
LOG_TAG = "gis-outage"


class ApiTask(QgsTask):
    def __init__(self, description: str, work: Callable[[], Any], done: Done) -> None:
        super().__init__(description, QgsTask.CanCancel)
        self._work = work
        self._done: Done | None = done
        self.value: Any = None
        self.error: ApiError | None = None

    def run(self) -> bool:
        try:
            self.value = self._work()
            return True
        except ApiError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - a bug must reach the user, not kill QGIS
            self.error = ApiError(PLUGIN_BUG, f"{type(exc).__name__}: {exc}")
            QgsMessageLog.logMessage(f"{self.description()}\n{traceback.format_exc()}",
                                     LOG_TAG, Qgis.Critical)
        return False

    def finished(self, result: bool) -> None:
        done, self._done = self._done, None
        if done is None:  # detached: its widgets are gone
            return
        if not result and self.error is None:  # cancelled from QGIS's task list
            self.error = ApiError(CANCELLED)
        done(self.value, self.error)

    def detach(self) -> None:
        """Forget the callback (the dock is closing) and ask the task to stop."""
        self._done = None
        self.cancel()


class TaskRunner:
    """Starts ApiTasks and keeps them alive until they finish."""

    def __init__(self) -> None:
        self._running: set[ApiTask] = set()

    def start(self, description: str, work: Callable[[], Any], done: Done) -> ApiTask:
        def finish(value: Any, error: ApiError | None) -> None:
            self._running.discard(task)
            done(value, error)

        task = ApiTask(description, work, finish)
        self._running.add(task)
        QgsApplication.taskManager().addTask(task)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def stop_all(self) -> None:
        for task in list(self._running):
            task.detach()
        self._running.clear()
