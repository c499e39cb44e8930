"""`gis-outage demo`: the demo city on the embedded default, served on one port."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from gis_outage.basemap import build_basemap
from gis_outage.config import load_settings
from gis_outage.demo.osm import bundled_pbf
from gis_outage.demo.seed import ENGINEER, is_seeded, seed_demo
from gis_outage.services.context import build_context
from map_server.app import create_app

TOKEN_FILE = "engineer-token.txt"


def run_demo(host: str, port: int, data_dir: Path) -> int:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    base = f"http://{host}:{port}"
    # The demo's own address goes into map links, feeds and messages; its own SQLite
    # file and the in-process worker, whatever the environment configures.
    settings = load_settings(data_dir=data_dir, database_url=None, read_database_url=None,
                             broker_url=None, public_url=base)
    if "log_level" not in settings.model_fields_set:
        # The demo prints where to look; the libraries' progress lines would bury that.
        settings = settings.with_changes(log_level="WARNING")
    ctx = build_context(settings, migrate_schema=True)
    token_path = data_dir / TOKEN_FILE
    if not is_seeded(ctx.db):
        print("Building the demo city from the Helsinki OSM extract (a few seconds) ...",
              flush=True)
        seeded = seed_demo(ctx, data_dir / "city")
        token_path.write_text(seeded.token + "\n")
        token_path.chmod(0o600)
    if not settings.basemap_file.exists():
        # The demo's own base map, cut once from the same extract and kept in the data dir.
        print("Cutting the base map from the same extract (a few seconds) ...", flush=True)
        build_basemap(bundled_pbf(), settings.basemap_file)
    app = create_app(settings, engine=ctx.db, embedded_worker=True, demo=True)
    print(
        "\ngis-outage demo (embedded SQLite: " + settings.effective_database_url + ")\n"
        f"  public outage map       {base}/\n"
        f"  OGC API Features        {base}/oapi/collections/outages/items\n"
        f"  engineer console        {base}/console/\n"
        f"  engineer API (OpenAPI)  {base}/api/v1/docs\n"
        f"  messages residents got  {base}/demo/messages\n"
        f"  resident portal         {base}/portal/\n"
        f"  API token of {ENGINEER!r} is in {token_path}\n",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                proxy_headers=False)
    return 0
