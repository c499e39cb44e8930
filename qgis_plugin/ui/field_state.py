"""The dock's "Show field state": the server's device states drawn as the "Field state"
layer over the engineer's device layer.

The answer is fetched in the dock's task runner (QgsTask); the layer is replaced on each
refresh, and refreshed after the findings dialog saves when it is shown.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsProject

from ..core.client import ApiClient
from ..core.errors import ApiError
from ..core.field import DeviceState, device_states
from ..integration.field_state_layer import (
    FieldStateLayer,
    field_state_layers,
    remove_field_state_layer,
    show_field_state,
)
from ..integration.i18n import tr


class FieldStateView:
    def __init__(self, dock) -> None:
        self.dock = dock
        self.states: list[DeviceState] | None = None  # the last answer
        self.shown: FieldStateLayer | None = None
        self.asked = 0

    def is_shown(self) -> bool:
        return bool(field_state_layers(QgsProject.instance()))

    def refresh(self) -> bool:
        """Ask the server for the field state of the chosen service and draw it."""
        service = self.dock.network.service_name
        network = self.dock.network.network()  # as chosen now, not when the answer comes
        self.asked += 1
        asked = self.asked

        def work(client: ApiClient) -> list[DeviceState]:
            return device_states(client.device_states(service))

        def done(states: list[DeviceState] | None, error: ApiError | None) -> None:
            if asked != self.asked:  # a newer refresh is on its way
                return
            if error is not None:
                self.dock.show_error(error)
                return
            self.states = states
            self.shown = show_field_state(states, network, QgsProject.instance())
            text = tr("Field state: {n} devices differ from the network as imported.").format(
                n=len(states))
            level = Qgis.Info
            if self.shown.missing:
                text += " " + tr("Not in the device layer: {ids}.").format(
                    ids=", ".join(self.shown.missing[:10]))
                level = Qgis.Warning
            self.dock.show_message(text, level)

        return self.dock._run(tr("Loading the field state"), work, done)

    def shutdown(self) -> None:
        self.asked += 1
        remove_field_state_layer(QgsProject.instance())
