"""pygeoapi's Starlette app, configured from our files.

`pygeoapi.starlette_app` reads PYGEOAPI_CONFIG and PYGEOAPI_OPENAPI once, when first
imported, and keeps one `API` object in a module global for the whole process. So:
the variables are set before the first import, and a later `create_app` in the same
process (tests, a reload) rebinds that global to an `API` built from its own files —
pygeoapi serves the configuration of the most recently created app.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from .csv_formatter import install as install_csv_formatter

# OGC API - Features Part 4 (create, replace, delete): pygeoapi 0.21 declares it for every
# feature collection, editable or not. Ours is read-only (POST/PUT/DELETE answer 405).
UNSUPPORTED_CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
)


def pygeoapi_app(config_path: Path, openapi_path: Path) -> ASGIApp:
    _drop_unsupported_conformance()
    install_csv_formatter()
    os.environ["PYGEOAPI_CONFIG"] = str(config_path)
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path)
    already = "pygeoapi.starlette_app" in sys.modules
    module = importlib.import_module("pygeoapi.starlette_app")
    if already:
        from pygeoapi.api import API
        from pygeoapi.config import get_config
        from pygeoapi.openapi import load_openapi_document

        module.CONFIG = get_config()
        module.OPENAPI = load_openapi_document()
        module.api_ = API(module.CONFIG, module.OPENAPI)
        # Its HTML views render a per-language copy of the config it caches module-wide:
        # without this they kept the first app's URLs.
        from pygeoapi import l10n

        l10n._cfg_cache.clear()
    # Its TileMatrixSets views look for `path` at the top of the template config (the
    # others under server.templates): without it they used pygeoapi's own, unsafe _base.
    templates = module.CONFIG["server"].get("templates")
    if templates:
        module.api_.tpl_config["path"] = templates["path"]
    return module.APP


def _drop_unsupported_conformance() -> None:
    """Take the classes we do not implement out of pygeoapi's module-level lists (its
    `conformance` extends the shared base list in place on each request)."""
    from pygeoapi import api
    from pygeoapi.api import itemtypes

    for classes in (itemtypes.CONFORMANCE_CLASSES_FEATURES, api.CONFORMANCE_CLASSES):
        classes[:] = [c for c in classes if c not in UNSUPPORTED_CONFORMANCE]


class OapiRoot:
    """Serve the landing page at `/oapi` itself, not through a redirect to `/oapi/`.

    pygeoapi's own links name the landing page `.../oapi`; a redirect there would cost
    every client a round trip (and one not every client follows).
    """

    def __init__(self, app: ASGIApp, prefix: str = "/oapi") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.prefix:
            scope = {**scope, "path": self.prefix + "/", "raw_path": (self.prefix + "/").encode()}
        await self.app(scope, receive, send)
