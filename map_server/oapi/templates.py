"""pygeoapi's HTML templates, rewritten so that no page runs inline script or loads a CDN.

pygeoapi 0.21 loads Leaflet, Bootstrap and Swagger UI from unpkg/cdnjs/jsdelivr and
puts each page's data into an inline `<script>` with `| safe` (so an outage cause of
`</script><script>…` would run). At start the templates are copied from the installed
pygeoapi into a directory given to pygeoapi as `server.templates.path` (searched before
its own), with:

- CDN URLs pointed at our vendored copies (no request leaves our origin);
- every inline script replaced: the data goes into `data-*` attributes, which Jinja's
  autoescape escapes for that context, and `static/oapi.js` reads them and draws the
  maps, building pop-ups from text nodes (never HTML);
- inline styles replaced by classes of `static/oapi.css`;
- the Swagger UI page written whole (`swagger_page`), started by `static/swagger-init.js`.

The site's Content-Security-Policy (`map_server/headers.py`) forbids inline script and
style; `write_templates` refuses to start if a pygeoapi upgrade brings either back.
Redoc is not vendored; its page shows Swagger UI instead.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pygeoapi

TEMPLATES = Path(pygeoapi.__file__).resolve().parent / "templates"
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
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.DOTALL)
UNSAFE = re.compile(r"<script(?![^>]*\bsrc=)|\bstyle=|<style|\|\s*safe\b|\bon[a-z]+=")
EXTRAFOOT = re.compile(r"{% block extrafoot %}.*?{% endblock %}", re.DOTALL)

# What the map script needs, as attributes of a hidden element (autoescaped by Jinja).
MAP_CONFIG = (
    "data-tile-url=\"{{ config['server']['map']['url'] }}\" "
    "data-attribution=\"{{ config['server']['map']['attribution'] }}\""
)
ITEMS_FOOT = (
    "{% block extrafoot %}{% if data['features'] %}\n"
    '<div id="oapi-map-data" hidden data-kind="items" ' + MAP_CONFIG + "\n"
    "     data-items-path=\"{{ data['items_path'] }}\"\n"
    "     data-title-field=\"{{ data['title_field'] or '' }}\"\n"
    "     data-features=\"{{ data['features'] | to_json }}\"></div>\n"
    "{% endif %}{% endblock %}"
)
ITEM_FOOT = (
    "{% block extrafoot %}\n"
    '<div id="oapi-map-data" hidden data-kind="item" ' + MAP_CONFIG + "\n"
    '     data-feature="{{ data | to_json }}"></div>\n'
    "{% endblock %}"
)
COLLECTION_FOOT = (
    "{% block extrafoot %}\n"
    '<div id="oapi-map-data" hidden data-kind="collection" ' + MAP_CONFIG + "\n"
    "     data-bbox=\"{{ data['extent']['spatial']['bbox'][0] | to_json }}\"></div>\n"
    "{% endblock %}"
)
# (old, new) pairs per template; each `old` must be found, or pygeoapi changed under us.
EDITS: dict[str, list[tuple[str | re.Pattern[str], str]]] = {
    "_base.html": [
        # pygeoapi's own assets from this origin's path, not server.url (public_url):
        # served on another origin or port, the CSP ('self') would block them.
        ("config['server']['url'] + '/static/img/favicon.ico'", "'{oapi_static}/img/favicon.ico'"),
        ("config['server']['url'] + '/static/img/logo.png'", "'{oapi_static}/img/logo.png'"),
        (
            "{{ config['server']['url'] }}/static/css/default.css\">",
            '{oapi_static}/css/default.css">\n    <link rel="stylesheet" href="{static}/oapi.css">',
        ),
        ("{{ config['server']['url'] }}/static/img/pygeoapi.png", "{oapi_static}/img/pygeoapi.png"),
        ('style="height:40px;vertical-align: middle;"', 'class="oapi-logo"'),
        ('<span style="float: inline-end">', '<span class="oapi-formats">'),
        (
            'class="mx-1" title="pygeoapi logo" style="height:24px;vertical-align: middle;"',
            'class="mx-1 oapi-powered" title="pygeoapi logo"',
        ),
        # Its JSON-LD loader moves to oapi.js.
        (
            re.compile(r"<script>\s*// Requests and embeds JSON-LD.*?</script>", re.DOTALL),
            '<script src="{static}/oapi.js"></script>',
        ),
    ],
    "collections/collection.html": [(EXTRAFOOT, COLLECTION_FOOT)],
    "collections/items/index.html": [
        (re.compile(r"<script>\s*var select = document.getElementById.*?</script>", re.DOTALL), ""),
        ('class="col-sm-12 col-md-6" style="overflow-x: scroll;"',
         'class="col-sm-12 col-md-6 oapi-scroll"'),
        (EXTRAFOOT, ITEMS_FOOT),
    ],  # fmt: skip
    "collections/items/item.html": [
        # A value ending in .png/.jpg… became <img src=value>: an engineer's text would
        # make every visitor's browser request that path (a GET to our own endpoints, or a
        # tracking pixel). Such a value is shown as the text it is.
        ("{% if val|length and val.lower().endswith(('.jpg', '.jpeg', '.png', '.gif', '.bmp')) %}",
         "{% if false %}"),
        (EXTRAFOOT, ITEM_FOOT),
    ],  # fmt: skip
}
# Job pages (no processes are offered): their inline scripts only format results.
STRIPPED = ("jobs/index.html", "jobs/job.html", "jobs/results/index.html")

# Views of resources this server does not offer (STAC, EDR, tiles, maps, admin).
NOT_SERVED = ("stac/", "collections/edr/", "collections/tiles/", "collections/map/", "admin/")

SWAGGER = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{static}/vendor/swagger-ui/swagger-ui.css">
  <link rel="stylesheet" href="{static}/swagger.css">
  <link rel="icon" type="image/png" href="{static}/vendor/swagger-ui/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-url="{spec}"></div>
  <script src="{static}/vendor/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="{static}/swagger-init.js"></script>
</body>
</html>
"""


def static_paths(public_url: str) -> tuple[str, str]:
    """(our static files, pygeoapi's) as paths on this origin under the public URL's
    path: pages load their assets from the origin that served them, whatever
    `public_url` names, so a CSP of 'self' lets them run."""
    root = quote(urlsplit(public_url).path.rstrip("/"), safe="/")
    return f"{root}/static", f"{root}/oapi/static"


def swagger_page(title: str, spec_url: str, static_url: str) -> str:
    """Swagger UI for the OpenAPI document at `spec_url`, without inline script."""
    esc = html.escape
    return SWAGGER.format(title=esc(title), spec=esc(spec_url), static=esc(static_url))


def patch(name: str, text: str, static_url: str, oapi_static: str) -> str:
    for cdn, local in VENDOR.items():
        text = text.replace(cdn, f"{static_url}/vendor/{local}")
    text = DROP.sub("", text)
    for old, new in EDITS.get(name, []):
        new = new.replace("{static}", static_url).replace("{oapi_static}", oapi_static)
        if isinstance(old, re.Pattern):
            text, found = old.subn(lambda _m, new=new: new, text, count=1)
        else:
            found = text.count(old)
            text = text.replace(old, new, 1)
        if not found:
            raise RuntimeError(f"pygeoapi template {name} changed: {old!r} not found")
    if name in STRIPPED:
        text = INLINE_SCRIPT.sub("", text)
    return text


def write_templates(directory: Path, public_url: str) -> Path:
    """Write the rewritten templates under `directory`; return it for the config."""
    static_url, oapi_static = static_paths(public_url)
    for name in (*EDITS, *STRIPPED):
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        text = patch(name, source, static_url, oapi_static)
        _write(directory / name, text, name)
    # Jinja fills the title and the document's URL in, autoescaped.
    swagger = SWAGGER.format(
        title="Swagger UI – {{ config['metadata']['identification']['title'] }}",
        spec="{{ data['openapi-document-path'] }}?f=json",
        static=html.escape(static_url),
    )
    for name in ("openapi/swagger.html", "openapi/redoc.html"):
        _write(directory / name, swagger, name)
    _check_the_others(directory)
    return directory


def _check_the_others(directory: Path) -> None:
    """pygeoapi's templates we serve unchanged must be safe as they are."""
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if (directory / name).exists() or name.startswith(NOT_SERVED):
            continue
        if unsafe := UNSAFE.search(path.read_text(encoding="utf-8")):
            raise RuntimeError(f"pygeoapi template {name} has {unsafe.group(0)!r}")


def _write(target: Path, text: str, name: str) -> None:
    if EXTERNAL.search(text):  # a pygeoapi upgrade brought a CDN asset we don't map
        raise RuntimeError(f"pygeoapi template {name} still loads from a CDN")
    if unsafe := UNSAFE.search(text):  # …or inline script, style or unescaped data
        raise RuntimeError(f"pygeoapi template {name} has {unsafe.group(0)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
