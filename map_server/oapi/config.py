"""The pygeoapi configuration and its OpenAPI document, written into the data dir.

pygeoapi reads both from files named by PYGEOAPI_CONFIG / PYGEOAPI_OPENAPI, so the app
writes them at start from the settings (the public URL goes into every link).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gis_outage.config import Settings
from map_server.oapi.openapi import self_contained
from map_server.oapi.schemas import FEATURE_SCHEMA_PATH

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SUPPORTED_CRS = [
    CRS84,
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/3067",  # ETRS-TM35FIN, Finland's national grid
]
PROVIDER = "map_server.oapi.provider.OutageProvider"
COLLECTION = "outages"
# pygeoapi's HTML views want a tile URL; with none configured it gets a blank pixel.
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="


def pygeoapi_config(
    settings: Settings, snapshot_key: str, templates: Path | None = None
) -> dict[str, Any]:
    languages = [lang for lang in settings.languages if lang in ("fi", "sv", "en")] or ["en"]
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 8000},  # unused: the app is mounted
            "url": settings.oapi_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": [settings.default_language]
            + [lang for lang in languages if lang != settings.default_language],
            "limits": {"default_items": 100, "max_items": 1000},
            "pretty_print": False,
            **({"templates": {"path": str(templates)}} if templates else {}),
            "map": {
                "url": settings.map.tile_url or BLANK_TILE,
                "attribution": settings.map.tile_attribution,
            },
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {
                    "fi": f"{settings.utility_name}: käyttökatkot",
                    "sv": f"{settings.utility_name}: avbrott",
                    "en": f"{settings.utility_name}: outages",
                },
                "description": {
                    "fi": "Veden, kaukolämmön ja sähkön käynnissä olevat ja suunnitellut katkot",
                    "sv": "Pågående och planerade avbrott i vatten, fjärrvärme och el",
                    "en": "Current and planned water, district heating and electricity outages",
                },
                "keywords": ["outages", "water", "district heating", "electricity"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": settings.public_url,
            },
            "license": {
                "name": "CC-BY 4.0",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
            "provider": {"name": settings.utility_name, "url": settings.public_url},
            "contact": {"name": settings.utility_name, "url": settings.public_url},
        },
        "resources": {COLLECTION: _collection(snapshot_key, settings.public_url)},
    }


def _collection(snapshot_key: str, public_url: str) -> dict[str, Any]:
    return {
        "type": "collection",
        "title": {"fi": "Käyttökatkot", "sv": "Avbrott", "en": "Outages"},
        "description": {
            "fi": "Julkaistut katkot ja tulevat suunnitellut työt, yleistetty alue; "
            "äskettäin päättyneet ja perutut tilalla resolved tai cancelled",
            "sv": "Publicerade avbrott och kommande planerade arbeten, generaliserat område; "
            "nyss avslutade och inställda med status resolved eller cancelled",
            "en": "Published outages and upcoming planned works, generalised area; those "
            "recently ended or cancelled with the status resolved or cancelled",
        },
        "keywords": ["outage", "planned works"],
        "links": [
            {
                # GDAL's OAPIF driver reads `describedBy` (its spelling) for field types.
                "type": "application/schema+json",
                "rel": "describedBy",
                "title": "JSON Schema of one outage as a GeoJSON Feature",
                "href": f"{public_url}{FEATURE_SCHEMA_PATH}",
            }
        ],
        # A placeholder: each answer carries the extent of the outages of the moment
        # (map_server.oapi.responses).
        "extents": {"spatial": {"bbox": [-180, -90, 180, 90], "crs": CRS84}},
        "providers": [
            {
                "type": "feature",
                "name": PROVIDER,
                "data": snapshot_key,
                "id_field": "id",
                "title_field": "area_description",
                "time_field": "starts_at",
                "crs": SUPPORTED_CRS,
                "storage_crs": CRS84,
            }
        ],
    }


def write_config(config: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write the config YAML and its generated OpenAPI document; return both paths."""
    from pygeoapi.openapi import get_oas

    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "pygeoapi-config.yml"
    openapi_path = directory / "pygeoapi-openapi.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    # get_oas may fill in defaults in place; give it a copy so the file stays as written.
    oas = self_contained(get_oas(yaml.safe_load(config_path.read_text())))
    openapi_path.write_text(yaml.safe_dump(oas, allow_unicode=True, sort_keys=False))
    return config_path, openapi_path
