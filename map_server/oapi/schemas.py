"""The JSON Schema of one public outage, which the `outages` collection links as
`describedBy`: GDAL's OAPIF driver types its fields from it (a date that is null on every
feature of the first page, `ended_at` of ongoing outages, would otherwise be text)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gis_outage.public import feature_schema

router = APIRouter(prefix="/schemas", tags=["public"])
FEATURE_SCHEMA_PATH = "/schemas/outage-feature.json"
SCHEMA_MEDIA_TYPE = "application/schema+json"


@router.get(
    "/outage-feature.json",
    response_class=JSONResponse,
    responses={200: {"content": {SCHEMA_MEDIA_TYPE: {}},
                     "description": "JSON Schema of one outage as a GeoJSON Feature"}},
)
def outage_feature_schema() -> JSONResponse:
    return JSONResponse(feature_schema("Outage"), media_type=SCHEMA_MEDIA_TYPE)
