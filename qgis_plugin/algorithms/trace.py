"""`gis_outage:trace`: the dock's trace as a Processing algorithm.

The selection is either ids typed in (IDS: "L12, L13", what qgis_process and a model
pass) or the features of SELECTION (in the dialog: a layer with "Selected features
only"), read by their ID_FIELD. The server traces; the outputs are the dock's result
layers: the isolated links, the devices to operate and the affected service points as
copies of the network layers' own features, and the public area. The server and token
are the plugin's stored connection, or another QGIS authentication configuration
(AUTHCFG) of the same kind (Basic: the server address as its URL, the token as its
password).
"""

from __future__ import annotations

import re
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..core.client import ApiClient
from ..core.errors import ApiError
from ..core.geojson import to_wkt
from ..core.models import BREAK, OPERATE, SERVICES, Selection, TraceResult
from ..integration import credentials
from ..integration.i18n import tr
from ..integration.network import qgis_transport
from ..integration.network_layers import WGS84, text_value
from ..integration.result_layers import public_area_fields

MODES = (BREAK, OPERATE)
ID_SPLIT = re.compile(r"[\s,;]+")
# Output → (the network layer it copies, the answer's list of ids).
COPIES = {
    "ISOLATED_LINKS": ("LINKS", "isolated_links"),
    "DEVICES_TO_OPERATE": ("DEVICES", "devices_to_operate"),
    "AFFECTED_SERVICE_POINTS": ("SERVICE_POINTS", "affected_service_points"),
}


class TraceAlgorithm(QgsProcessingAlgorithm):
    def name(self) -> str:
        return "trace"

    def displayName(self) -> str:  # noqa: N802 - QGIS's names
        return tr("Trace an outage")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr("Traces a break of links or the operation of devices on the gis-outage "
                  "server. Give the ids, or a layer with the selected features. The outputs "
                  "copy the isolated links, devices to operate and affected service points "
                  "from the network layers given, and hold the public area.")

    def createInstance(self) -> TraceAlgorithm:  # noqa: N802
        return TraceAlgorithm()

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802
        optional = QgsProcessingParameterFeatureSource
        self.addParameter(QgsProcessingParameterEnum(
            "SERVICE", tr("Service"), options=list(SERVICES), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "MODE", tr("What happened"),
            options=[tr("Links broke"), tr("Devices were operated")], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            "IDS", tr("Ids of the links or devices"), optional=True))
        self.addParameter(optional(
            "SELECTION", tr("Or: the broken links or operated devices"),
            [QgsProcessing.TypeVectorAnyGeometry], optional=True))
        self.addParameter(QgsProcessingParameterString(
            "ID_FIELD", tr("Id field of the network layers"), defaultValue="id"))
        for name, label, kind in (
            ("LINKS", tr("Links layer"), QgsProcessing.TypeVectorLine),
            ("DEVICES", tr("Devices layer"), QgsProcessing.TypeVectorPoint),
            ("SERVICE_POINTS", tr("Service points layer"), QgsProcessing.TypeVectorPoint),
        ):
            self.addParameter(optional(name, label, [kind], optional=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            "AUTHCFG", tr("Server connection (default: the plugin's)"), optional=True))
        for name, label, kind in (
            ("ISOLATED_LINKS", tr("Isolated links"), QgsProcessing.TypeVectorLine),
            ("DEVICES_TO_OPERATE", tr("Devices to operate"), QgsProcessing.TypeVectorPoint),
            ("AFFECTED_SERVICE_POINTS", tr("Affected service points"),
             QgsProcessing.TypeVectorPoint),
            ("PUBLIC_AREA", tr("Public area"), QgsProcessing.TypeVectorPolygon),
        ):
            self.addParameter(QgsProcessingParameterFeatureSink(
                name, label, kind, optional=True, createByDefault=True))
        self.addOutput(QgsProcessingOutputNumber("CUSTOMERS", tr("Customers without supply")))

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: N802
        service = SERVICES[self.parameterAsEnum(parameters, "SERVICE", context)]
        mode = MODES[self.parameterAsEnum(parameters, "MODE", context)]
        id_field = self.parameterAsString(parameters, "ID_FIELD", context) or "id"
        ids = [i for i in ID_SPLIT.split(self.parameterAsString(parameters, "IDS", context)) if i]
        if not ids:
            source = self.parameterAsSource(parameters, "SELECTION", context)
            ids = _ids(source, id_field) if source is not None else []
        if not ids:
            raise QgsProcessingException(tr("Give the ids, or a layer with the selected "
                                            "links or devices."))
        client = _client(self.parameterAsString(parameters, "AUTHCFG", context))
        feedback.pushInfo(f"{service}: {mode} {', '.join(ids)}")
        try:
            result = client.trace(service, Selection(mode, tuple(ids)))
        except ApiError as exc:
            raise QgsProcessingException(exc.plain(tr)) from None
        outputs: dict[str, Any] = {"CUSTOMERS": result.customers}
        for output, (layer, answer) in COPIES.items():
            source = self.parameterAsSource(parameters, layer, context)
            if source is not None:
                outputs[output] = self._copy(parameters, context, output, source, id_field,
                                             set(getattr(result, answer)))
        outputs["PUBLIC_AREA"] = self._area(parameters, context, result)
        return outputs

    def _copy(self, parameters, context, output, source, id_field, ids) -> str | None:
        sink, dest = self.parameterAsSink(parameters, output, context, source.fields(),
                                          source.wkbType(), source.sourceCrs())
        if sink is None:
            return None
        index = source.fields().indexOf(id_field)
        if index < 0:
            raise QgsProcessingException(
                tr("The layer has no field {field}.").format(field=id_field))
        for feature in _every_feature(source):
            if text_value(feature.attributes()[index]) in ids:
                sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return dest

    def _area(self, parameters, context, result: TraceResult) -> str | None:
        fields: QgsFields = public_area_fields()
        sink, dest = self.parameterAsSink(parameters, "PUBLIC_AREA", context, fields,
                                          QgsWkbTypes.MultiPolygon, WGS84)
        if sink is None:
            return None
        if result.public_area:
            feature = QgsFeature(fields)
            geometry = QgsGeometry.fromWkt(to_wkt(result.public_area))
            geometry.convertToMultiType()
            feature.setGeometry(geometry)
            feature.setAttributes([result.service, result.customers, ", ".join(result.streets)])
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return dest


def _ids(source, id_field: str) -> list[str]:
    index = source.fields().indexOf(id_field)
    if index < 0:
        raise QgsProcessingException(
            tr("The layer has no field {field}.").format(field=id_field))
    found = {text_value(f.attributes()[index]) for f in _every_feature(source)}
    found.discard("")
    return sorted(found)


def _every_feature(source):
    """Every feature, whatever Processing's "Invalid features filtering" setting says: the
    trace selects and copies by id, and a valid network has lines GEOS calls invalid (a
    pump or transformer drawn at one point). Skipping them would lose links the server
    named; stopping would refuse every trace on such a network."""
    return source.getFeatures(QgsFeatureRequest(),
                              QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)


def _client(auth_config_id: str) -> ApiClient:
    connection = credentials.load_connection(auth_config_id or None)
    if connection is None:
        raise QgsProcessingException(tr("The outage server is not set up yet. Enter its "
                                        "address and your API token in the settings."))
    return ApiClient(connection.url, connection.token, transport=qgis_transport)

