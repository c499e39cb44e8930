"""pygeoapi's OpenAPI document made whole: no references outside it, a description on
every response, nothing this server does not offer.

pygeoapi 0.21 points many `$ref`s at schemas.opengis.net, raw.githubusercontent.com and
geojson.org, so a validator without internet cannot load the document; this server loads
nothing from third parties, and neither should its description. Each outside reference
is replaced by a reference to a component defined here (the few building blocks of OGC
API - Features Part 1 that the document uses). It also lists `/jobs` of OGC API -
Processes, which this server does not run.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import Any

LINK = {"$ref": "#/components/schemas/link"}
GEOMETRY = {"$ref": "#/components/schemas/geometryGeoJSON"}
LINKS = {"type": "array", "items": LINK}
EXCEPTION = {"$ref": "#/components/schemas/exception"}

SCHEMAS: dict[str, Any] = {
    "link": {
        "type": "object",
        "required": ["href"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "hreflang": {"type": "string"},
            "title": {"type": "string"},
            "length": {"type": "integer"},
        },
    },
    "exception": {
        "type": "object",
        "description": "What went wrong: a code and a sentence",
        "required": ["code"],
        "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
    },
    "geometryGeoJSON": {
        "type": "object",
        "description": "A GeoJSON geometry (RFC 7946)",
        "required": ["type"],
        "properties": {
            "type": {
                "type": "string",
                "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                         "MultiPolygon", "GeometryCollection"],
            },
            "coordinates": {"type": "array", "items": {}},
            "geometries": {"type": "array", "items": GEOMETRY},
        },
    },
    "featureGeoJSON": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": {"allOf": [GEOMETRY],
                         "nullable": True},
            "properties": {"type": "object", "nullable": True},
            "links": LINKS,
        },
    },
}

PARAMETERS: dict[str, Any] = {
    "featureId": {
        "name": "featureId",
        "in": "path",
        "description": "The id of a feature (for outages, the outage number)",
        "required": True,
        "schema": {"type": "string"},
    },
    "datetime": {
        "name": "datetime",
        "in": "query",
        "description": "An RFC 3339 date-time or interval (`start/end`, `..` for an open "
        "end): the features whose time span meets it",
        "required": False,
        "schema": {"type": "string"},
        "style": "form",
        "explode": False,
    },
    "sortby": {
        "name": "sortby",
        "in": "query",
        "description": "Comma-separated property names to sort by, each with an optional "
        "`+` (ascending, the default) or `-` (descending)",
        "required": False,
        "schema": {"type": "array", "minItems": 1,
                   "items": {"type": "string", "pattern": "^[+-]?[A-Za-z_][A-Za-z_0-9]*$"}},
        "style": "form",
        "explode": False,
    },
}


def _json(description: str, schema: dict[str, Any], media: str = "application/json"):
    return {"description": description, "content": {media: {"schema": schema}}}


RESPONSES: dict[str, Any] = {
    "LandingPage": _json("The landing page: links to the API's resources", {
        "type": "object", "required": ["links"],
        "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                       "links": LINKS},
    }),
    "ConformanceDeclaration": _json("The conformance classes this server implements", {
        "type": "object", "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    }),
    "Collections": _json("The feature collections", {
        "type": "object", "required": ["links", "collections"],
        "properties": {"links": LINKS, "collections": {"type": "array", "items": {
            "$ref": "#/components/schemas/collectionInfo"}}},
    }),
    "Collection": _json("One feature collection: title, extent, links", {
        "$ref": "#/components/schemas/collectionInfo"}),
    "Features": _json("A page of features as a GeoJSON FeatureCollection", {
        "type": "object", "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
            "links": LINKS,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }, "application/geo+json"),
    "InvalidParameter": _json("A query parameter is unknown or has an invalid value", EXCEPTION),
    # Not every 404 is pygeoapi's: an id that cannot be part of a path (`..`) never
    # reaches it, and the app's own 404 says {"detail": ...}.
    "NotFound": _json("No such resource", {"type": "object", "properties": {
        "code": {"type": "string"}, "description": {"type": "string"},
        "detail": {"type": "string"}}}),
    "ServerError": _json("The server failed", EXCEPTION),
}
SCHEMAS["collectionInfo"] = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "links": LINKS,
        "extent": {"type": "object"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
    },
}

# Where pygeoapi's outside references point, by the last part of the reference.
LOCAL = {
    "Geometry.json": "#/components/schemas/geometryGeoJSON",
    "sortby.yaml": "#/components/parameters/sortby",
    "exception.yaml": "#/components/schemas/exception",
    "NotFound.yaml": "#/components/responses/NotFound",
    "link": "#/components/schemas/link",
    **{name: f"#/components/parameters/{name}" for name in PARAMETERS},
    **{name: f"#/components/responses/{name}" for name in RESPONSES},
}
UNOFFERED_PATHS = ("/jobs",)  # OGC API - Processes: no processes run here


class OutsideReference(ValueError):
    pass


def self_contained(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the OpenAPI document that references nothing outside itself."""
    oas = copy.deepcopy(document)
    oas["paths"] = {path: item for path, item in oas["paths"].items()
                    if not path.startswith(UNOFFERED_PATHS)}
    components = oas.setdefault("components", {})
    for section, defined in (("schemas", SCHEMAS), ("parameters", PARAMETERS),
                             ("responses", RESPONSES)):
        for name, value in defined.items():
            components.setdefault(section, {}).setdefault(name, copy.deepcopy(value))
    for path, name in (("/conformance", "ConformanceDeclaration"),
                       ("/collections", "Collections")):
        get = oas["paths"].get(path, {}).get("get")
        if get is not None:
            get["responses"]["200"] = {"$ref": f"#/components/responses/{name}"}
    _localise(oas)
    for path, item in oas["paths"].items():
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                if "$ref" not in response and not response.get("description"):
                    single = path.endswith("/items/{featureId}") and code == "200"
                    response["description"] = "One feature as GeoJSON" if single else (
                        _describe(code))
    return oas


def outside_references(document: Any) -> list[str]:
    """Every `$ref` that does not point into the document itself."""
    found: list[str] = []
    if isinstance(document, dict):
        ref = document.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(ref)
        for value in document.values():
            found += outside_references(value)
    elif isinstance(document, list):
        for value in document:
            found += outside_references(value)
    return found


def _localise(node: Any) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            name = ref.rstrip("/").rsplit("/", 1)[-1]
            if name not in LOCAL:  # a pygeoapi upgrade brought a reference we don't map
                raise OutsideReference(f"no local component for {ref}")
            node["$ref"] = LOCAL[name]
        for value in node.values():
            _localise(value)
    elif isinstance(node, list):
        for value in node:
            _localise(value)


def _describe(code: str) -> str:
    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return "Any other answer"
