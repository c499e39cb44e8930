"""pygeoapi's HTML templates with their CDN assets pointed at our vendored copies.

pygeoapi 0.21 loads Leaflet, Bootstrap and Swagger UI from unpkg/cdnjs/jsdelivr; this
server must work without internet and load nothing from third parties. At start the
affected templates are copied from the installed pygeoapi with those URLs replaced,
into a directory given to pygeoapi as `server.templates.path` (which it searches
before its own). Redoc is not vendored; its page shows Swagger UI instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pygeoapi

TEMPLATES = Path(pygeoapi.__file__).resolve().parent / "templates"
PATCHED = (
    "_base.html",
    "collections/collection.html",
    "collections/items/index.html",
    "collections/items/item.html",
    "openapi/swagger.html",
)
VENDOR = {
    "https://unpkg.com/leaflet@1.3.1/dist/leaflet.css": "leaflet/leaflet.css",
    "https://unpkg.com/leaflet@1.3.1/dist/leaflet.js": "leaflet/leaflet.js",
    "https://unpkg.com/leaflet.markercluster/dist/MarkerCluster.css": (
        "leaflet.markercluster/MarkerCluster.css"
    ),
    "https://unpkg.com/leaflet.markercluster/dist/MarkerCluster.Default.css": (
        "leaflet.markercluster/MarkerCluster.Default.css"
    ),
    "https://unpkg.com/leaflet.markercluster/dist/leaflet.markercluster-src.js": (
        "leaflet.markercluster/leaflet.markercluster.js"
    ),
    "https://unpkg.com/bootstrap@5.1.3/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://unpkg.com/swagger-ui-dist/": "swagger-ui/",
}
# Old-IE shims: nothing to vendor, nothing lost.
DROP = re.compile(r"^.*cdnjs\.cloudflare\.com/ajax/libs/html5shiv.*\n", re.MULTILINE)
EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//(unpkg\.com|cdn|fonts\.)""")


def patch(text: str, vendor_url: str) -> str:
    for cdn, local in VENDOR.items():
        text = text.replace(cdn, f"{vendor_url}/{local}")
    return DROP.sub("", text)


def write_templates(directory: Path, vendor_url: str) -> Path:
    """Write the patched templates under `directory`; return it for the config."""
    for name in PATCHED:
        text = patch((TEMPLATES / name).read_text(encoding="utf-8"), vendor_url)
        if EXTERNAL.search(text):  # a pygeoapi upgrade brought a CDN asset we don't map
            raise RuntimeError(f"pygeoapi template {name} still loads from a CDN")
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    swagger = (directory / "openapi" / "swagger.html").read_text(encoding="utf-8")
    (directory / "openapi" / "redoc.html").write_text(swagger, encoding="utf-8")
    return directory
