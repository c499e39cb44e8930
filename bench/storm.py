"""The storm: a publish to 200,000 recipients while the public map is under load.

Issue 7's load figure for a capital-city utility: 2,000 active outages, 1,000,000
operator directory entries, and one outage published through the engineer API whose
affected addresses hold 200,000 mobile numbers, while map clients keep fetching the
outages. Everything is real and on loopback:

* the database (PostGIS, or SQLite with `--backend sqlite`): addresses and the
  directory bulk-loaded (COPY on PostgreSQL), the active outages made and published
  as bench/map makes them (break traces on a synthetic city network, the product's
  public areas, `gis_outage.storage.outages`), their announcements already sent;
* the map server: `map_server.app.create_app` under uvicorn with several workers
  (`bench.map.serve`), which also answers the engineer API;
* the notifier: the embedded worker (`notifier.worker.start_embedded_worker`, `smpp`
  provider, default settings apart from quiet hours), or with `--notifier celery`
  Celery workers on Redis (or `--broker`), one per role as deployed (`resolve` with
  beat, the send queues, `receipts`), sending to the loopback SMPP
  server bench/notify uses (tests/notifier/smpp_server.py as its own process, which
  logs each accepted part with its arrival time before answering it);
* the map clients: `wrk` (or, without it, an asyncio httpx client in a process of
  its own: bench/storm_load.py) on the map page's own request, the outages as GeoJSON.

Phases, each next to its peer from the same run:

1. baseline: the map load alone for `--seconds` (the map's peer);
2. storm: the same load; `POST /api/v1/outages/{id}/publish`; the run ends when the
   notifier is done with the event. Time to the first and last message handed to the
   SMPP server is counted from just before the publish request;
3. bare: bench/notify's bare smpplib loop sends the texts ours rendered to the same
   numbers, with the same window, under the same map load (the notifier's peer).

    python -m bench.storm                      # full size (PostGIS)
    python -m bench.storm --scale 0.05         # 10,000 recipients, 100 outages
    python -m bench.storm --backend sqlite --scale 0.02
    python -m bench.storm --notifier celery --scale 0.05

Nothing is asserted; the figures and ratios are printed with the load average. The
parts: bench/storm_data.py (sizes, the database), storm_load.py (the map clients),
storm_notifiers.py (the notifier under test) and storm_report.py (the report).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from bench.map import (
    ACCEPT,
    ENV_DATA_DIR,
    ENV_DB_URL,
    ENV_PUBLIC_URL,
    HOST,
    Result,
    free_port,
    serve,
)
from bench.notify import BARE_ID, BARE_RUNS, OURS_ID, read_parts, run_bare, smpp_server
from bench.procmem import tree_memory
from bench.storm_data import (
    Sizes,
    active_outages,
    bulk_load,
    draft_big_outage,
    engineer_token,
    published_numbers,
    storm_database,
)
from bench.storm_load import BackgroundLoad
from bench.storm_notifiers import CeleryNotifier, EmbeddedNotifier
from bench.storm_report import describe, report, report_first

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DSN = os.environ.get(
    "GIS_OUTAGE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# What the public map page's script fetches (map_server.web.page.page_config).
MAP_ITEMS = "/oapi/collections/outages/items?f=json&limit=1000"

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------- the storm


def publish_and_wait(
    runner: EmbeddedNotifier | CeleryNotifier,
    engine: Engine,
    base: str,
    token: str,
    outage_id: int,
    timeout: float,
    first_only: Path | None = None,
) -> dict[str, Any]:
    """Publish through the engineer API; wait until the notifier is done with the event,
    or with `first_only` (the SMPP server's log) until its first message has left."""
    from gis_outage.storage.events import event_headers_for

    published = time.time()
    response = httpx.post(
        f"{base}/api/v1/outages/{outage_id}/publish",
        headers={"Authorization": f"Bearer {token}"},
        json={},
        timeout=120,
    )
    answered = time.time()
    if response.status_code != 200:
        raise RuntimeError(f"publish answered {response.status_code}: {response.text[:500]}")
    runner.wake()
    log(f"published at {published:.3f} (epoch), answered in {answered - published:.2f} s")
    if first_only is not None:
        first = wait_first(runner, first_only, timeout)
        return {"published": published, "answered_s": answered - published, "shown_s": None,
                "finished": time.time(), "done": first is not None}
    # Headers: the event's trace lists every address id, which this process need not parse
    # while the notifier sends its first messages.
    event_id = event_headers_for(engine, outage_id)[-1].id
    shown = shown_on_map(base, outage_id, timeout=60)
    done = runner.wait_done(event_id, timeout)
    return {
        "published": published,
        "answered_s": answered - published,
        "shown_s": shown - published if shown else None,
        "finished": time.time(),
        "done": done,
    }


def wait_first(
    runner: EmbeddedNotifier | CeleryNotifier, smpp_log: Path, timeout: float
) -> float | None:
    """When the SMPP server logged the notifier's first part (epoch), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if isinstance(runner, CeleryNotifier):
            runner._exited()
        if smpp_log.exists():
            with open(smpp_log, encoding="utf-8") as f:
                for line in f:  # the first of ours is near the top: read no further
                    if not line.endswith("\n"):
                        break  # a line still being written
                    part = json.loads(line) if line.strip() else None
                    if part is not None and part["system_id"] == OURS_ID:
                        return float(part["received_at"])
        time.sleep(0.02)
    return None


def shown_on_map(base: str, outage_id: int, timeout: float) -> float | None:
    """When the outage's own OGC API item first answered 200 (every worker's snapshot
    re-reads the outages within its check interval), or None."""
    url = f"{base}/oapi/collections/outages/items/{outage_id}?f=json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(url, headers={"Accept": ACCEPT}, timeout=60).status_code == 200:
            return time.time()
        time.sleep(0.05)  # the map has no change feed to wait on
    return None


def outages_on_map(base: str) -> int:
    items = httpx.get(base + MAP_ITEMS, headers={"Accept": ACCEPT}, timeout=120).json()
    return int(items.get("numberMatched", len(items["features"])))


def storm(args: argparse.Namespace, sizes: Sizes, folder: Path) -> dict[str, Any]:
    from gis_outage.storage.db import make_engine, migrate
    from tests.notifier.smpp_server import join_parts

    figures: dict[str, Any] = {"sizes": asdict(sizes), "backend": args.backend}
    smpp_log = args.smpp_log or folder / "smsc.jsonl"
    smpp_log.unlink(missing_ok=True)  # the server appends; this run's parts only
    with storm_database(args.backend, args.dsn, folder) as url:
        engine = make_engine(url)
        try:
            t = time.perf_counter()
            migrate(engine)
            bulk_load(engine, sizes)
            figures["setup_directory_s"] = time.perf_counter() - t
            log(
                f"set-up: {len(sizes.numbers_per_address()):,} addresses and "
                f"{sizes.directory:,} directory entries in {figures['setup_directory_s']:.1f} s"
            )
            t = time.perf_counter()
            active_outages(engine, sizes.outages, args.seed)
            figures["setup_outages_s"] = time.perf_counter() - t
            took = figures["setup_outages_s"]
            log(f"set-up: {sizes.outages:,} published outages in {took:.1f} s")
            outage_id = draft_big_outage(engine, sizes)
            token = engineer_token(engine)
            expected = len(published_numbers(sizes))
            log(f"set-up: draft outage {outage_id} on {sizes.published_addresses():,} addresses,"
                f" {expected:,} mobile numbers")  # fmt: skip
            figures["recipients"] = expected

            port = free_port()
            env = {
                ENV_DB_URL: url,
                ENV_DATA_DIR: str(folder / "map"),
                ENV_PUBLIC_URL: f"http://{HOST}:{port}",
            }
            app = "bench.map:ours_app"
            smsc: dict[str, int] = {}
            web: list[int] = []
            with (
                smpp_server(smpp_log, counts=smsc) as smpp_port,
                serve("map", app, env, port, args.workers, "/oapi", folder, pids=web) as base,
            ):
                servers = {"web (uvicorn)": web[0], "SMSC": smsc["pid"]}
                figures.update(
                    run_phases(args, engine, base, token, outage_id, smpp_port, smpp_log, folder,
                               servers)
                )
        finally:
            engine.dispose()
    parts = [p for p in read_parts(smpp_log) if p["system_id"] == OURS_ID]
    messages = join_parts(parts)
    per_number = Counter(m["destination"] for m in messages)
    figures.update(
        ours_parts=len(parts),
        ours_messages=len(messages),
        ours_distinct=len(per_number),
        ours_repeated=sum(1 for c in per_number.values() if c > 1),
    )
    published = figures["ours"]["published"]
    if parts:
        figures["first_s"] = min(p["received_at"] for p in parts) - published
        figures["last_s"] = max(p["received_at"] for p in parts) - published
        figures["ours_msg_s"] = len(messages) / figures["last_s"] if figures["last_s"] else 0.0
        figures["first_after_answer_s"] = figures["first_s"] - figures["ours"]["answered_s"]
    return figures


def run_phases(
    args: argparse.Namespace,
    engine: Engine,
    base: str,
    token: str,
    outage_id: int,
    smpp_port: int,
    smpp_log: Path,
    folder: Path,
    servers: dict[str, int],
) -> dict[str, Any]:
    from gis_outage.config import NotifySettings

    def memory() -> list[dict[str, Any]]:
        rows = [row for label, pid in servers.items() for row in tree_memory(label, pid)]
        return rows + runner.memory()
    from tests.notifier.smpp_server import join_parts

    out: dict[str, Any] = {}
    out["map_outages_before"] = outages_on_map(base)
    load = BackgroundLoad(base + MAP_ITEMS, args.connections, folder)
    log(f"map: {args.workers} uvicorn workers; load: {load.tool}, {args.connections} connections"
        f" on {MAP_ITEMS} ({out['map_outages_before']} outages)")  # fmt: skip

    try:  # no load left running after an error: it would run on for a day
        if args.notifier == "celery":
            runner: EmbeddedNotifier | CeleryNotifier = CeleryNotifier(
                engine, folder, smpp_port, args.window, args.broker, args.concurrency,
                nice=args.worker_nice,
            )  # fmt: skip
        else:
            runner = EmbeddedNotifier(engine, folder, smpp_port, args.window)
        if isinstance(runner, CeleryNotifier):
            log(f"celery: ready in {runner.ready():.1f} s")
        out["window"] = args.window or NotifySettings().smpp_window
        out["notifier"] = runner.name + (
            f" (nice {args.worker_nice})" if args.notifier == "celery" and args.worker_nice else ""
        )
        try:
            # The notifier's first round (reminders, retention) passes during the warm-up.
            load.measure(args.warmup)
            out["map_baseline"] = load.measure(args.seconds)
            log(f"baseline: {describe(out['map_baseline'])}")
            out["memory_before"] = memory()
            load.start()
            try:
                out["ours"] = publish_and_wait(
                    runner, engine, base, token, outage_id, args.timeout,
                    first_only=smpp_log if args.first_only else None)
            finally:
                out["map_storm"] = load.stop()
            out["memory_after"] = memory()
            log(f"storm: {runner.name} done={out['ours']['done']};"
                f" map {describe(out['map_storm'])}")  # fmt: skip
        finally:
            runner.stop()
        if args.first_only:
            return out

        ours = join_parts([p for p in read_parts(smpp_log) if p["system_id"] == OURS_ID])
        bares = []
        load.start()
        try:
            for k in range(1, BARE_RUNS + 1):
                bare = run_bare(smpp_port, ours, out["window"], f"{BARE_ID}-{k}")
                parts = [p for p in read_parts(smpp_log) if p["system_id"] == bare["id"]]
                last = max(p["received_at"] for p in parts) - bare["started"] if parts else None
                count = len(join_parts(parts))
                bares.append(
                    {"messages": count, "last_s": last, "msg_s": count / last if last else 0}
                )
                log(f"bare smpplib run {k}: {count:,} messages in {last or 0:.2f} s")
        finally:
            out["map_bare"] = load.stop()
    finally:
        load.kill()
    out["map_outages_after"] = outages_on_map(base)
    out["bare_runs"] = bares
    out["bare"] = max(bares, key=lambda b: b["msg_s"])
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="of 200,000 recipients, 1,000,000 entries, 2,000 outages",
    )
    parser.add_argument("--outages", type=int, help="active outages (default 2,000 x scale)")
    parser.add_argument("--backend", choices=["postgis", "sqlite"], default="postgis")
    parser.add_argument(
        "--dsn",
        default=DEFAULT_DSN,
        help="PostgreSQL server (admin database; GIS_OUTAGE_BENCH_PG_URL)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="baseline map load")
    parser.add_argument("--warmup", type=float, default=2.0, help="map load before the baseline")
    parser.add_argument("--connections", type=int, default=16, help="concurrent map clients")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--window", type=int, help="SMPP window (default the notifier's)")
    parser.add_argument("--notifier", choices=["embedded", "celery"], default="embedded")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0", help="for celery")
    parser.add_argument("--concurrency", type=int, default=2, help="celery worker processes")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="celery: run the workers at this nice value (0-19)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="give up waiting for the notifier after this many seconds",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-only", action="store_true",
                        help="stop once the first message has left (no bare peer)")
    parser.add_argument("--smpp-log", type=Path, help="keep the SMPP server's log here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args(argv)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Stopped from outside (e.g. `timeout`): unwind, so the servers, the map load and
    # the database go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if str(ROOT) not in sys.path:  # `python bench/storm.py`: tests.notifier is imported
        sys.path.insert(0, str(ROOT))
    sizes = Sizes.at_scale(args.scale, args.outages)
    load_before = os.getloadavg()
    log(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    with tempfile.TemporaryDirectory(prefix="bench-storm-") as tmp:
        figures = storm(args, sizes, Path(tmp))
    figures["load_before"], figures["load_after"] = load_before, os.getloadavg()
    (report_first if args.first_only else report)(figures, args.scale)
    if args.json:
        plain = {k: (asdict(v) | {"rps": v.rps} if isinstance(v, Result) else v)
                 for k, v in figures.items()}  # fmt: skip
        args.json.write_text(json.dumps(plain, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
