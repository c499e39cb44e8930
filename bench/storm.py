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
  its own) on the map page's own request, the outages as GeoJSON.

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

Nothing is asserted; the figures and ratios are printed with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.map import (
    ACCEPT,
    ENV_DATA_DIR,
    ENV_DB_URL,
    ENV_PUBLIC_URL,
    HOST,
    STREETS,
    WRK_SCRIPT,
    Result,
    free_port,
    httpx_load,
    make_outages,
    publish_outages,
    serve,
    wrk_command,
    wrk_result,
)
from bench.notify import (
    BARE_ID,
    BARE_RUNS,
    OURS_ID,
    draft_outage,
    mobile,
    read_parts,
    run_bare,
    smpp_server,
)
from bench.procmem import tree_memory

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DSN = os.environ.get(
    "GIS_OUTAGE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Full size (scale 1), from the issue.
RECIPIENTS = 200_000
DIRECTORY = 1_000_000
OUTAGES = 2_000
# What the public map page's script fetches (map_server.web.page.page_config).
MAP_ITEMS = "/oapi/collections/outages/items?f=json&limit=1000"
ENGINEER = "storm-engineer"
FIRST_TARGET = 2.0  # seconds from the publish request to the first message
# The first message's budget, split: the engineer API's answer, then the notifier.
PUBLISH_TARGET = 1.0
AFTER_ANSWER_TARGET = FIRST_TARGET - PUBLISH_TARGET
MAP_P99_TARGET_MS = 50.0  # the map's p99 during the storm
LOAD_FOREVER = 24 * 3600  # seconds; a background load runs until it is stopped

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    recipients: int  # mobile numbers at the published outage's addresses (asked for)
    directory: int  # directory entries in all
    outages: int  # active published outages on the map before the storm

    @classmethod
    def at_scale(cls, scale: float, outages: int | None = None) -> Sizes:
        return cls(
            recipients=max(1, round(RECIPIENTS * scale)),
            directory=max(5, round(DIRECTORY * scale)),
            outages=outages if outages is not None else max(1, round(OUTAGES * scale)),
        )

    def numbers_per_address(self) -> np.ndarray:
        """2 and 3 numbers at alternate addresses (2.5 on average), `directory` in all."""
        count = np.resize(np.array([2, 3]), (2 * self.directory) // 5 + 1)
        total = np.cumsum(count)
        return count[: int(np.searchsorted(total, self.directory)) + 1]

    def published_addresses(self) -> int:
        """How many addresses (from the first) the big outage covers: the fewest whose
        numbers reach `recipients`."""
        total = np.cumsum(self.numbers_per_address())
        return min(int(np.searchsorted(total, self.recipients)) + 1, len(total))


def published_numbers(sizes: Sizes) -> list[str]:
    """The destinations the big outage must reach, once each: the directory numbers are
    numbered address by address, so its addresses hold the first ones."""
    count = int(sizes.numbers_per_address()[: sizes.published_addresses()].sum())
    return [mobile(n) for n in range(count)]


def address_id(n: int) -> str:
    return f"storm-{n}"


# --------------------------------------------------------------------------- database


@contextlib.contextmanager
def storm_database(backend: str, dsn: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh database (PostGIS `gis_outage_bench_storm_<pid>`, dropped at
    the end, or a SQLite file in `folder`)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'storm.sqlite'}"
        return
    admin = dsn.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"gis_outage_bench_storm_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def address_points(i: np.ndarray) -> np.ndarray:
    """Addresses number i on a grid in central Helsinki (EPSG:4326), 1,000 to a row."""
    return shapely.points(24.80 + (i % 1000) * 2e-4, 60.15 + (i // 1000) * 1e-4)


def street_of(k: int) -> str:
    return STREETS[(k // 60) % len(STREETS)]


def address_rows(n: int) -> Iterator[tuple[Any, ...]]:
    """n addresses as the addresses table holds them on PostgreSQL (hex EWKB points)."""
    from gis_outage.storage.addresses import street_key
    from gis_outage.storage.geometry import encode_many

    step = 50_000
    for start in range(0, n, step):
        i = np.arange(start, min(start + step, n))
        geometry = encode_many(list(address_points(i)), "postgresql", 4326)
        for k, geom in zip(i.tolist(), geometry, strict=True):
            street = street_of(k)
            yield (
                address_id(k), street, str(k % 60 + 1), f"00{100 + (k // 6000) % 900}",
                "Helsinki", street_key(street), geom,
            )  # fmt: skip


def directory_rows(sizes: Sizes) -> Iterator[tuple[str, str]]:
    """(phone, address id): every address's numbers in turn, numbered from 0."""
    n = 0
    for k, count in enumerate(sizes.numbers_per_address().tolist()):
        for _ in range(count):
            yield mobile(n), address_id(k)
            n += 1


def bulk_load(engine: Engine, sizes: Sizes) -> None:
    """The address register and the operator directory: COPY on PostgreSQL, the
    storage layer's own batch writers on SQLite."""
    n_addresses = len(sizes.numbers_per_address())
    if engine.dialect.name != "postgresql":
        _bulk_load_sqlite(engine, sizes, n_addresses)
        return
    now = datetime.now(UTC)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            columns = "id, street, house_number, postal_code, municipality, street_key, geometry"
            with cur.copy(f"COPY addresses ({columns}) FROM STDIN") as copy:
                for row in address_rows(n_addresses):
                    copy.write_row(row)
            columns = "phone, number_type, address_id, secret, source, imported_at"
            with cur.copy(f"COPY directory_entries ({columns}) FROM STDIN") as copy:
                for phone, address in directory_rows(sizes):
                    copy.write_row((phone, "mobile", address, False, "operator", now))
            cur.execute("ANALYZE addresses")
            cur.execute("ANALYZE directory_entries")


def _bulk_load_sqlite(engine: Engine, sizes: Sizes, n_addresses: int) -> None:
    import geopandas as gpd

    from gis_outage.storage.addresses import upsert_addresses
    from gis_outage.storage.directory import replace_directory

    rows = list(address_rows(n_addresses))
    frame = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "street": [r[1] for r in rows],
            "house_number": [r[2] for r in rows],
            "postal_code": [r[3] for r in rows],
            "municipality": [r[4] for r in rows],
        },
        geometry=address_points(np.arange(n_addresses)),
        crs="EPSG:4326",
    )
    upsert_addresses(engine, frame)
    replace_directory(
        engine,
        ({"phone": p, "address_id": a, "number_type": "mobile"} for p, a in directory_rows(sizes)),
        "operator",
    )


def draft_big_outage(engine: Engine, sizes: Sizes) -> int:
    """A draft water outage on the first addresses, its area their convex hull."""
    n = sizes.published_addresses()
    ids = [address_id(k) for k in range(n)]
    hull = shapely.MultiPoint(address_points(np.arange(n))).convex_hull.buffer(2e-4)
    return draft_outage(
        engine, ids, streets=sorted({street_of(k) for k in range(n)}), created_by=ENGINEER,
        public_area=hull, area_description="Helsinki",
    )


def active_outages(engine: Engine, n: int, seed: int) -> None:
    """n published outages with traced areas (bench/map's); announced earlier, so their
    outbox rows are marked done before the storm."""
    from gis_outage.storage.outbox import mark_processed, pending_outbox

    publish_outages(engine, make_outages(n, seed))
    for row in pending_outbox(engine):
        mark_processed(engine, row.id)


def engineer_token(engine: Engine) -> str:
    from gis_outage.storage.users import create_token, create_user

    create_user(engine, ENGINEER, "engineer", actor="bench")
    return create_token(engine, ENGINEER, actor="bench")


# --------------------------------------------------------------------------- map load


class BackgroundLoad:
    """The map clients as a process of their own (wrk, or this module's httpx client),
    from start() until stop(), which returns what they measured."""

    def __init__(self, url: str, connections: int, folder: Path) -> None:
        self.url = url
        self.connections = connections
        self.script = folder / "report.lua"
        self.script.write_text(WRK_SCRIPT)
        # stdbuf: wrk's first line ("Running …") must reach the pipe at once, not at exit.
        self.wrk = shutil.which("wrk") and shutil.which("stdbuf")
        self._process: subprocess.Popen[str] | None = None

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "httpx (asyncio, its own process; wrk not installed)"

    def start(self) -> None:
        headers = {"Accept": ACCEPT}
        if self.wrk:
            command = [
                "stdbuf", "-oL",
                *wrk_command(self.url, headers, LOAD_FOREVER, self.connections, self.script),
            ]  # fmt: skip
        else:
            command = [sys.executable, "-m", "bench.storm", "load", self.url,
                       "--connections", str(self.connections)]  # fmt: skip
        self._process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        # Both print a line once they send ("Running …" from wrk): the load is on from here.
        assert self._process.stdout is not None
        first = self._process.stdout.readline()
        if self._process.poll() is not None:
            raise RuntimeError(f"the map load did not start: {first}{self._process.stdout.read()}")

    def stop(self) -> Result:
        """SIGINT: both stop at once and print their summary line."""
        assert self._process is not None
        self._process.send_signal(signal.SIGINT)
        out, _ = self._process.communicate(timeout=120)
        try:
            return wrk_result(out)
        except StopIteration:
            raise RuntimeError(f"the map load printed no result: {out[-2000:]}") from None

    def kill(self) -> None:
        """Ends a load left running by an error (stop() was not reached)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def measure(self, seconds: float) -> Result:
        self.start()
        time.sleep(seconds)  # the measured span itself, not a wait for anything
        return self.stop()


def load_main(argv: Sequence[str]) -> int:
    """`python -m bench.storm load URL`: the httpx map client until SIGINT; prints the
    line WRK_SCRIPT's `done` hook prints, so both tools are read alike."""
    parser = argparse.ArgumentParser(prog="bench.storm load")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"Running until SIGINT @ {args.url}", flush=True)
    r = asyncio.run(
        httpx_load(args.url, {"Accept": ACCEPT}, LOAD_FOREVER, args.connections, until=stop)
    )
    line = {
        "requests": r.requests, "duration_us": int(r.seconds * 1e6),
        "bytes": int(r.mean_bytes * r.requests), "p50_us": int(r.p50_ms * 1000),
        "p99_us": int(r.p99_ms * 1000), "errors": r.errors,
    }  # fmt: skip
    print("WRK " + json.dumps(line), flush=True)
    return 0


# --------------------------------------------------------------------------- the storm


def notify_section(port: int, window: int | None) -> dict[str, Any]:
    """The notifier's settings of a storm: SMS to the loopback SMSC at any hour."""
    extra = {"smpp_window": window} if window else {}
    return {
        "sms_providers": "smpp",
        "smpp_host": "127.0.0.1",
        "smpp_port": port,
        "smpp_system_id": OURS_ID,
        "quiet_hours_start": None,
        "quiet_hours_end": None,  # the same figures at any hour
        **extra,
    }


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


class EmbeddedNotifier:
    """The embedded default: notifier.worker's thread, in this process."""

    name = "embedded worker"

    def __init__(self, engine: Engine, folder: Path, smpp_port: int, window: int | None):
        from gis_outage.config import Settings
        from notifier.worker import start_embedded_worker

        url = engine.url.render_as_string(hide_password=False)
        settings = Settings(data_dir=folder / "notifier", database_url=url,
                            notify=notify_section(smpp_port, window))
        worker = start_embedded_worker(settings, engine)
        assert worker is not None
        self.worker = worker

    def wake(self) -> None:
        self.worker.wake()  # in this process: no need to wait for its next poll

    def memory(self) -> list[dict[str, Any]]:
        """This process (the worker's threads, and the bench's own set-up and clients)."""
        return tree_memory("bench process with the " + self.name, os.getpid())[:1]

    def wait_done(self, event_id: int, timeout: float) -> bool:
        return self.worker.wait_done(event_id, timeout)

    def stop(self) -> None:
        self.worker.stop()


class CeleryNotifier:
    """Production: a Celery worker per role on the broker, queues of their own, as
    deploy/ runs them (docs/deployment.md): `resolve` (one process, with beat draining
    the outbox every 0.5 s), the send queues (prefork, `concurrency` processes: the
    ones that hold SMPP binds) and `receipts` (one process)."""

    name = "Celery workers"

    def __init__(
        self, engine: Engine, folder: Path, smpp_port: int, window: int | None,
        broker: str, concurrency: int, extra_env: dict[str, str] | None = None,
        nice: int = 0,
    ) -> None:  # fmt: skip
        from gis_outage.config import NotifySettings

        self.engine = engine
        prefix = f"storm-{os.getpid()}-"  # queues of our own on a shared broker
        self.prefix, self.broker = prefix, broker
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
        env.update({
            "GIS_OUTAGE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "GIS_OUTAGE_DATA_DIR": str(folder / "notifier"),
            "GIS_OUTAGE_BROKER_URL": broker,
            "GIS_OUTAGE_NOTIFY_QUEUE_PREFIX": prefix,
            "GIS_OUTAGE_NOTIFY_DRAIN_SECONDS": "0.5",
            "GIS_OUTAGE_NOTIFY_SMS_PROVIDERS": "smpp",
            "GIS_OUTAGE_NOTIFY_SMPP_PORT": str(smpp_port),
            "GIS_OUTAGE_NOTIFY_SMPP_SYSTEM_ID": OURS_ID,
            "GIS_OUTAGE_NOTIFY_SMPP_WINDOW": str(
                notify_section(smpp_port, window).get("smpp_window")
                or NotifySettings().smpp_window
            ),
            "PYTHONPATH": str(ROOT),
        } | (extra_env or {}))  # fmt: skip
        (folder / "notifier").mkdir(exist_ok=True)
        # (role, queues, processes, beat): one worker service per role.
        self.roles = [
            ("resolve", ("resolve",), 1, True),
            ("send", ("send-sms", "send-email", "send-voice"), concurrency, False),
            ("receipts", ("receipts",), 1, False),
        ]
        self.log_path = folder / "celery.log"
        self._log = self.log_path.open("w")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        for role, queues, processes, beat in self.roles:
            command = [
                sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker",
                "-Q", ",".join(prefix + q for q in queues), "-c", str(processes),
                "--loglevel", "WARNING", "-n", f"{prefix}{role}@%h",
                "--without-gossip", "--without-mingle",
            ]  # fmt: skip
            if beat:
                command += ["-B", "-s", str(folder / "notifier" / "beat-schedule")]
            if nice:  # below the web workers' CPU priority, as docs/deployment.md advises
                command = ["nice", "-n", str(nice), *command]
            self.processes[role] = subprocess.Popen(
                command, env=env, cwd=folder, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )  # fmt: skip

    def wake(self) -> None:
        """Beat drains the outbox on its own schedule."""

    def _exited(self) -> None:
        if any(p.poll() is not None for p in self.processes.values()):
            raise RuntimeError(f"celery exited: {self.log_path.read_text()[-2000:]}")

    def ready(self, timeout: float = 120.0) -> float:
        """Wait until every worker answers a ping over the broker and its pool (and
        beat) are up (on a loaded machine that takes seconds); the seconds it took."""
        from celery import Celery

        started = time.monotonic()
        names = {f"{self.prefix}{role}@{socket.gethostname()}" for role, *_ in self.roles}
        # Each worker, its pool, and beat's process.
        processes = sum(1 + n + beat for _role, _q, n, beat in self.roles)
        control = Celery(broker=self.broker)
        try:
            while time.monotonic() - started < timeout:
                self._exited()
                replies = control.control.ping(destination=sorted(names), timeout=1.0)
                answered = {name for reply in replies for name in reply}
                if answered >= names and len(self.memory()) >= processes:
                    return time.monotonic() - started
                time.sleep(0.2)
        finally:
            control.close()
        raise RuntimeError(f"celery did not answer within {timeout:g} s")

    def memory(self) -> list[dict[str, Any]]:
        """Each worker, its pool and beat: RSS now and peak, per process."""
        return [row for role, process in self.processes.items()
                for row in tree_memory(f"Celery {role}", process.pid)]

    def wait_done(self, event_id: int, timeout: float) -> bool:
        """The last batch of the event marks its outbox row processed."""
        from gis_outage.storage.outbox import pending_outbox

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._exited()
            if not any(r.event_id == event_id for r in pending_outbox(self.engine)):
                return True
            time.sleep(0.2)  # the database is the only place that knows
        return False

    def stop(self) -> None:
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._log.close()


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


def describe(r: Result) -> str:
    return (f"{r.rps:,.1f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
            f"{r.requests:,} requests, {r.errors} errors")  # fmt: skip


# --------------------------------------------------------------------------- report


def secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} s"


def first_rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    """The publish's own figures, each beside its target: the engineer API's answer, the
    first message from the request and from the answer."""
    def against(v: float | None, target: float) -> str:
        verdict = "met" if v is not None and v <= target else "NOT met"
        return f"{secs(v)}  (target {target:g} s: {verdict})"

    return [
        ("publish request s", against(f["ours"]["answered_s"], PUBLISH_TARGET)),
        ("first SMS after request s", against(f.get("first_s"), FIRST_TARGET)),
        ("after the API's answer s", against(f.get("first_after_answer_s"), AFTER_ANSWER_TARGET)),
    ]


def report_first(f: dict[str, Any], scale: float) -> None:
    """`--first-only`: the publish and its first message; the map's load beside it."""
    sizes, storm_ = f["sizes"], f["map_storm"]
    rows = [
        ("scale / backend / notifier", f"{scale:g} / {f['backend']} / {f['notifier']}"),
        ("active outages / recipients", f"{sizes['outages']:,} / {f['recipients']:,}"),
        *first_rows(f),
        ("map req/s, p99 ms: baseline / storm",
         f"{f['map_baseline'].rps:,.1f} / {storm_.rps:,.1f}, "
         f"{f['map_baseline'].p99_ms:.1f} / {storm_.p99_ms:.1f}"),
    ]  # fmt: skip
    _print_rows(rows, f)


def _print_rows(rows: list[tuple[str, str]], f: dict[str, Any]) -> None:
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(
        "load average (1/5/15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}"
        " on {} cores".format(*f["load_before"], *f["load_after"], os.cpu_count())
    )


def report(f: dict[str, Any], scale: float) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "-"

    base, storm_, bare_load = f["map_baseline"], f["map_storm"], f["map_bare"]
    bare = f["bare"]
    sizes = f["sizes"]
    rows = [
        ("scale / backend / notifier", f"{scale:g} / {f['backend']} / {f['notifier']}"),
        ("active outages / directory entries",
         f"{sizes['outages']:,} / {sizes['directory']:,}"),
        ("set-up: addresses + directory / outages",
         f"{f['setup_directory_s']:.1f} s / {f['setup_outages_s']:.1f} s"),
        ("recipients (expected / reached / repeated)",
         f"{f['recipients']:,} / {f['ours_distinct']:,} / {f['ours_repeated']:,}"),
        ("messages / parts at the SMPP server", f"{f['ours_messages']:,} / {f['ours_parts']:,}"),
        ("publish -> the API's answer", secs(f["ours"]["answered_s"])),
        ("publish -> shown on the map (its OGC API item)", secs(f["ours"]["shown_s"])),
        ("publish -> first message", secs(f.get("first_s"))),
        ("publish -> last message", secs(f.get("last_s"))),
        ("ours msg/s (publish -> last)", f"{f.get('ours_msg_s', 0):,.0f}"),
        (f"bare smpplib msg/s (best of {len(f['bare_runs'])}, same map load)",
         f"{bare['msg_s']:,.0f}  (runs: "
         + ", ".join(f"{b['msg_s']:,.0f}" for b in f["bare_runs"]) + ")"),
        ("bare smpplib time to last", secs(bare["last_s"])),
        ("notify ratio ours / bare (msg/s)", ratio(f.get("ours_msg_s", 0), bare["msg_s"])),
        ("map outages shown before / after", f"{f['map_outages_before']} / "
         f"{f['map_outages_after']}"),
        ("map req/s: baseline / storm / bare",
         f"{base.rps:,.1f} / {storm_.rps:,.1f} / {bare_load.rps:,.1f}"),
        ("map p50 ms: baseline / storm / bare",
         f"{base.p50_ms:.1f} / {storm_.p50_ms:.1f} / {bare_load.p50_ms:.1f}"),
        ("map p99 ms: baseline / storm / bare",
         f"{base.p99_ms:.1f} / {storm_.p99_ms:.1f} / {bare_load.p99_ms:.1f}"),
        ("map errors: baseline / storm / bare",
         f"{base.errors} / {storm_.errors} / {bare_load.errors}"),
        ("map ratio storm / baseline (req/s, p99)",
         f"{ratio(storm_.rps, base.rps)}, {ratio(storm_.p99_ms, base.p99_ms)}"),
    ]  # fmt: skip
    rows += memory_rows(f.get("memory_before", []), f.get("memory_after", []))
    p99 = storm_.p99_ms
    rows += [
        *first_rows(f),
        ("target: every recipient once, 0 duplicates",
         "met" if f["ours_distinct"] == f["recipients"] and f["ours_repeated"] == 0
         else "NOT met"),
        (f"target: map p99 under {MAP_P99_TARGET_MS:g} ms in the storm"
         f" (baseline {base.p99_ms:.1f} ms)", "met" if p99 < MAP_P99_TARGET_MS else "NOT met"),
    ]  # fmt: skip
    _print_rows(rows, f)


def memory_rows(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """Per process: resident set before the publish, its peak by the end of the storm,
    and the growth between (peak - before: what the storm cost the process)."""
    rss = {r["pid"]: r["rss_mib"] for r in before}
    rows = []
    for r in after:
        was = rss.get(r["pid"])
        grew = "" if was is None else f", +{max(0.0, r['peak_mib'] - was):.0f} in the storm"
        rows.append((f"memory MiB: {r['label']} [{r['name']} {r['pid']}]",
                     f"before {'-' if was is None else f'{was:.0f}'}, peak {r['peak_mib']:.0f}"
                     + grew))  # fmt: skip
    return rows


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
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["load"]:
        return load_main(argv[1:])
    args = parse_args(argv)
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
