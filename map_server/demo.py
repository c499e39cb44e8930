"""`gis-outage demo`: the demo city on the embedded default, served on one port."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from gis_outage.config import Settings
from gis_outage.demo.seed import ENGINEER, is_seeded, seed_demo
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app

TOKEN_FILE = "engineer-token.txt"


def run_demo(host: str, port: int, data_dir: Path) -> int:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    base = f"http://{host}:{port}"
    # The demo's own address goes into map links, feeds and messages.
    settings = Settings(data_dir=data_dir, database_url=None, broker_url=None, public_url=base)
    if "log_level" not in settings.model_fields_set:
        # The demo prints where to look; the libraries' progress lines would bury that.
        settings = settings.model_copy(update={"log_level": "WARNING"})
    db = make_engine(settings.effective_database_url)
    migrate(db)
    token_path = data_dir / TOKEN_FILE
    if not is_seeded(db):
        print("Building the demo city from the Helsinki OSM extract (a few seconds) ...",
              flush=True)
        seeded = seed_demo(db, data_dir / "city")
        token_path.write_text(seeded.token + "\n")
        token_path.chmod(0o600)
    app = create_app(settings, engine=db)
    _start_worker(app, settings, db)
    print(
        "\ngis-outage demo (embedded SQLite: " + settings.effective_database_url + ")\n"
        f"  public outage map       {base}/\n"
        f"  OGC API Features        {base}/oapi/collections/outages/items\n"
        f"  engineer API (OpenAPI)  {base}/api/v1/docs\n"
        f"  messages residents got  {base}/demo/messages\n"
        f"  resident portal         {base}/portal/\n"
        f"  API token of {ENGINEER!r} is in {token_path}\n",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def _start_worker(app, settings: Settings, db) -> None:
    """The in-process notifier worker of the embedded default, when the notifier is there."""
    try:
        from notifier.worker import start_embedded_worker
    except ImportError:
        print("notifier worker not available; outages are published without messages",
              file=sys.stderr)
        return
    app.state.worker = start_embedded_worker(settings, db)
    from map_server.web.demo_messages import router

    app.include_router(router)
