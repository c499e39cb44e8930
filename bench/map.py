"""Public map under a storm: our map server against a plain pygeoapi, same data, same run.

500 active outages with the product's own generalised areas (break traces on a
synthetic city network, `gis_outage.area.public_area`) are published, then two
servers answer in turn, each under uvicorn with the same number of workers:

* ours: `map_server.app.create_app` (pygeoapi mounted at /oapi over the in-memory
  outage snapshot, ETag/304 and a response cache in front), reading the outages
  from PostGIS (or SQLite with `--ours-db sqlite`);
* plain: pygeoapi 0.21's Starlette app with its stock `PostgreSQL` provider on a
  PostGIS table holding the same 500 outages (same ids, properties, polygons).

Each endpoint is loaded with `wrk` (Debian; a small asyncio httpx client when wrk
is missing), on loopback only, for a bounded time after a short warm-up:

* items: `/collections/outages/items?f=json&limit=500` (ours under /oapi);
* items with `If-None-Match` of our current ETag (ours answers 304; plain pygeoapi
  has no ETags and answers 200 in full);
* the map page: ours `/`; plain pygeoapi's own map page of the collection,
  `/collections/outages/items?f=html&limit=500`.

The table gives requests/s, p50 and p99 latency for both and the ratios; the
targets (at least 5x the plain provider's requests/s, p99 under 50 ms) are printed
as met or not met. Nothing is asserted.

    python -m bench.map             # 10 s per endpoint and server (~1.5 min)
    python -m bench.map --quick     # 2 s per endpoint and server (< 1 min)

PostgreSQL with PostGIS on 127.0.0.1:5432 (user postgres, trust auth) is expected:
a database `gis_outage_bench_map` is created and dropped. Without it, the plain
peer is skipped (with the reason) and ours runs on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import shapely
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "gis_outage_bench_map"
PLAIN_TABLE = "plain_outages"
ITEMS = "/collections/outages/items?f=json&limit=500"
PLAIN_MAP = "/collections/outages/items?f=html&limit=500"
ACCEPT = "*/*"  # sent on every request: our ETags vary with Accept
RPS_TARGET = 5.0
P99_TARGET_MS = 50.0
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
STREETS = [
    "Mannerheimintie", "Hämeentie", "Mechelininkatu", "Runeberginkatu", "Sturenkatu",
    "Helsinginkatu", "Fleminginkatu", "Aleksis Kiven katu", "Mäkelänkatu", "Tukholmankatu",
    "Lauttasaarentie", "Itämerenkatu", "Hietalahdenkatu", "Fredrikinkatu", "Kalevankatu",
]  # fmt: skip
CAUSES = [
    "Pipe burst", "Cable fault", "Valve replacement", "Network renewal",
    "Substation maintenance", "Leak repair", None,
]  # fmt: skip
# uvicorn --factory reads these in each worker process.
ENV_DB_URL = "BENCH_MAP_DB_URL"
ENV_DATA_DIR = "BENCH_MAP_DATA_DIR"
ENV_PUBLIC_URL = "BENCH_MAP_PUBLIC_URL"


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------- outages


@dataclass(frozen=True)
class OutageSpec:
    service: str
    kind: str
    starts_at: datetime
    estimated_end_at: datetime | None
    cause: str | None
    area: Any  # shapely geometry, WGS84
    description: str
    addresses: list[str]
    customers: int


def make_outages(n: int, seed: int, n_links: int = 20_000) -> list[OutageSpec]:
    """`n` outages whose areas come from real break traces on a synthetic city network."""
    from gis_outage.area import public_area
    from gis_outage.network import build_network
    from gis_outage.synthetic import city_network
    from gis_outage.trace import TraceEngine

    layers = city_network(n_links, seed=seed)
    engine = TraceEngine(build_network(layers))
    points = layers["service_points"].set_index("id")
    links = layers["links"]
    candidates = links.loc[links["role"].isin(["street", "branch"]), "id"].to_numpy()
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    specs: list[OutageSpec] = []
    for link in rng.permutation(candidates):
        if len(specs) == n:
            break
        result = engine.break_trace([str(link)])
        if not result.affected_service_points:
            continue
        area = public_area(points.loc[result.affected_service_points].geometry, None).polygon
        if area is None or area.is_empty:
            continue
        planned = rng.random() < 0.4
        starts = now + (
            timedelta(hours=float(rng.uniform(1, 24 * 21)))
            if planned
            else -timedelta(minutes=float(rng.uniform(5, 600)))
        )
        hours = float(rng.choice([2, 3, 4, 6, 8, 12]))
        streets = sorted(set(rng.choice(STREETS, size=int(rng.integers(1, 4))).tolist()))
        specs.append(
            OutageSpec(
                service=str(rng.choice(["water", "district_heating", "electricity"])),
                kind="planned" if planned else "unplanned",
                starts_at=starts,
                estimated_end_at=None if rng.random() < 0.1 else starts + timedelta(hours=hours),
                cause=CAUSES[int(rng.integers(len(CAUSES)))],
                area=area,
                description=", ".join(streets),
                addresses=[f"addr-{sp}" for sp in result.affected_service_points],
                customers=int(result.customers),
            )
        )
    if len(specs) < n:
        raise RuntimeError(f"only {len(specs)} outages could be made from the network")
    return specs


def publish_outages(engine: Any, specs: Sequence[OutageSpec]) -> None:
    """Write and publish them the way the engineer API does (storage functions)."""
    from gis_outage.storage.outages import change_status, create_outage

    for spec in specs:
        outage_id = create_outage(
            engine,
            service=spec.service,
            kind=spec.kind,
            starts_at=spec.starts_at,
            estimated_end_at=spec.estimated_end_at,
            created_by="bench",
            cause=spec.cause,
            texts={"fi": "Katko", "en": "Outage"},
            affected={"addresses": spec.addresses, "customers": spec.customers},
            public_area=spec.area,
            area_description=spec.description,
        )
        change_status(engine, outage_id, "published", "bench")


# --------------------------------------------------------------------------- PostGIS


def pg_url(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


def pg_available(dsn: str) -> str | None:
    """None when the server answers and has PostGIS, else why not."""
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
    except psycopg.Error as exc:
        return " ".join(str(exc).split())
    return None if row else "PostGIS is not installed on the server"


@contextmanager
def bench_database(dsn: str) -> Iterator[str]:
    """Create `gis_outage_bench_map` with PostGIS; drop it afterwards."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    url = pg_url(dsn, BENCH_DB)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def write_plain_table(url: str, outages: Sequence[Any]) -> None:
    """The public outages (as ours serves them) in a plain PostGIS table."""
    with psycopg.connect(url) as conn:
        conn.execute(
            f"""CREATE TABLE {PLAIN_TABLE} (
                id integer PRIMARY KEY, service text, kind text, status text,
                starts_at timestamptz, estimated_end_at timestamptz, ended_at timestamptz,
                cause text, area_description text, updated_at timestamptz, customers integer,
                geom geometry(Geometry, 4326))"""
        )
        names = [
            "service", "kind", "status", "starts_at", "estimated_end_at", "ended_at",
            "cause", "area_description", "updated_at", "customers",
        ]  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {PLAIN_TABLE} (id, {', '.join(names)}, geom) "
                f"VALUES (%s, {', '.join(['%s'] * len(names))}, ST_GeomFromWKB(%s, 4326))",
                [
                    (o.id, *(o.properties[k] for k in names), shapely.to_wkb(o.shape))
                    for o in outages
                ],
            )
        conn.execute(f"CREATE INDEX ON {PLAIN_TABLE} USING gist (geom)")
        conn.execute(f"ANALYZE {PLAIN_TABLE}")


def plain_config(url: str, public_url: str) -> dict[str, Any]:
    """A stock pygeoapi configuration: one collection, the PostgreSQL provider."""
    db = psycopg.conninfo.conninfo_to_dict(url)
    return {
        "server": {
            "bind": {"host": HOST, "port": 0},
            "url": public_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 1000},
            "pretty_print": False,
            "map": {"url": BLANK_TILE, "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Outages",
                "description": "Plain pygeoapi peer",
                "keywords": ["outages"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": public_url,
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": public_url},
            "contact": {"name": "bench"},
        },
        "resources": {
            "outages": {
                "type": "collection",
                "title": "Outages",
                "description": "Published outages",
                "keywords": ["outage"],
                "links": [],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90], "crs": CRS84}},
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": db.get("host", HOST),
                            "port": int(db.get("port", 5432)),
                            "dbname": db["dbname"],
                            "user": db.get("user", "postgres"),
                            **({"password": db["password"]} if db.get("password") else {}),
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": PLAIN_TABLE,
                        "geom_field": "geom",
                    }
                ],
            }
        },
    }


def write_plain_config(config: dict[str, Any], directory: Path) -> dict[str, str]:
    from pygeoapi.openapi import get_oas

    directory.mkdir(parents=True, exist_ok=True)
    config_path, openapi_path = directory / "config.yml", directory / "openapi.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    openapi_path.write_text(yaml.safe_dump(get_oas(config), sort_keys=False))
    return {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}


# --------------------------------------------------------------------------- servers


def ours_app() -> Any:
    """uvicorn --factory entry: our app, in each worker, from the BENCH_MAP_* variables."""
    from gis_outage.config import Settings
    from gis_outage.storage.db import make_engine
    from map_server.app import create_app

    url = os.environ[ENV_DB_URL]
    # A data dir per worker: each writes its own pygeoapi configuration at start.
    data_dir = Path(os.environ[ENV_DATA_DIR]) / f"worker-{os.getpid()}"
    settings = Settings(data_dir=data_dir, database_url=url, public_url=os.environ[ENV_PUBLIC_URL])
    return create_app(settings, make_engine(url))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def serve(
    name: str, app: str, env: dict[str, str], port: int, workers: int, ready: str, logs: Path,
    pids: list[int] | None = None,
) -> Iterator[str]:  # fmt: skip
    """Run `app` under uvicorn on loopback until the block ends; yield its base URL
    (and append uvicorn's process id to `pids`)."""
    base = f"http://{HOST}:{port}"
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    if app == "bench.map:ours_app":
        command.append("--factory")
    log_file = (logs / f"{name}.log").open("w")
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped with its workers
    )
    if pids is not None:
        pids.append(proc.pid)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {(logs / f'{name}.log').read_text()[-2000:]}")
            try:
                if httpx.get(base + ready, timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within 90 s")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log_file.close()


# --------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    mean_bytes: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"errors": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_command(
    url: str, headers: dict[str, str], seconds: float, connections: int, script: Path
) -> list[str]:
    """wrk on one thread; `script` is WRK_SCRIPT, whose `done` hook prints the WRK line."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
        "-s", str(script),
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def run_wrk(
    url: str, headers: dict[str, str], seconds: float, connections: int, script: Path
) -> Result:
    out = subprocess.run(
        wrk_command(url, headers, seconds, connections, script),
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    return wrk_result(out)


def wrk_result(out: str) -> Result:
    """The Result in the `WRK {...}` line that WRK_SCRIPT's `done` hook prints."""
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        mean_bytes=data["bytes"] / max(data["requests"], 1),
    )


async def httpx_load(
    url: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    until: threading.Event | None = None,
) -> Result:
    """`connections` clients in a loop for `seconds`, or until `until` is set."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors = 0
    size = 0
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        # At least one request each: on a loaded machine the phase may end before
        # this process is up, and a figure needs a sample.
        nonlocal errors, size
        first = True
        while first or (time.perf_counter() < stop and not (until and until.is_set())):
            first = False
            started = time.perf_counter()
            try:
                response = await client.get(url)
                size += len(response.content)
                errors += response.status_code >= 400
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return Result(
        len(ms), elapsed, float(np.percentile(ms, 50)), float(np.percentile(ms, 99)),
        errors, size / max(len(ms), 1),
    )  # fmt: skip


class Load:
    """wrk when installed, else an asyncio httpx client (which may be the bottleneck)."""

    def __init__(self, connections: int, seconds: float, warmup: float, directory: Path):
        self.connections = connections
        self.seconds = seconds
        self.warmup = warmup
        self.wrk = shutil.which("wrk")
        self.script = directory / "report.lua"
        self.script.write_text(WRK_SCRIPT)

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "httpx (asyncio; wrk not installed)"

    def measure(self, url: str, headers: dict[str, str]) -> Result:
        headers = {"Accept": ACCEPT, **headers}
        if self.warmup:
            self._run(url, headers, self.warmup)
            # A slow server is still working off the warm-up's last requests when the
            # load tool stops; let it finish them before the measured run starts.
            httpx.get(url, headers=headers, timeout=120)
        return self._run(url, headers, self.seconds)

    def _run(self, url: str, headers: dict[str, str], seconds: float) -> Result:
        if self.wrk:
            return run_wrk(url, headers, seconds, self.connections, self.script)
        return asyncio.run(httpx_load(url, headers, seconds, self.connections))


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class Endpoint:
    label: str
    ours_path: str
    plain_path: str
    conditional: bool = False


ENDPOINTS = [
    Endpoint("items f=json limit=500", "/oapi" + ITEMS, ITEMS),
    Endpoint("items + If-None-Match", "/oapi" + ITEMS, ITEMS, conditional=True),
    Endpoint("map page (plain: f=html)", "/", PLAIN_MAP),
]


def current_etag(base: str, path: str) -> str:
    first = httpx.get(base + path, headers={"Accept": ACCEPT}, timeout=30)
    first.raise_for_status()
    etag = first.headers.get("etag")
    if not etag:
        raise RuntimeError(f"no ETag on {path}")
    again = httpx.get(base + path, headers={"Accept": ACCEPT, "If-None-Match": etag}, timeout=30)
    if again.status_code != 304:
        raise RuntimeError(f"If-None-Match got {again.status_code}, not 304")
    return etag


def feature_ids(base: str, path: str) -> list[int]:
    response = httpx.get(base + path, headers={"Accept": ACCEPT}, timeout=60)
    response.raise_for_status()
    return sorted(int(f["id"]) for f in response.json()["features"])


def measure(load: Load, base: str, side: str, etag: str, ids: list[int]) -> dict[str, Result]:
    """Every endpoint on one server; the same requests, headers and ETag for both."""
    got = feature_ids(base, ENDPOINTS[0].ours_path if side == "ours" else ENDPOINTS[0].plain_path)
    if got != ids:
        raise RuntimeError(f"{side} serves {len(got)} outages, not the same {len(ids)}")
    results = {}
    for endpoint in ENDPOINTS:
        path = endpoint.ours_path if side == "ours" else endpoint.plain_path
        headers = {"If-None-Match": etag} if endpoint.conditional else {}
        result = load.measure(base + path, headers)
        log(
            f"  {side:5} {endpoint.label:24} {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f} ms"
            f"  p99 {result.p99_ms:7.2f} ms  {result.mean_bytes / 1024:7.1f} KiB/resp"
            f"  errors {result.errors}"
        )
        results[endpoint.label] = result
    return results


def report(ours: dict[str, Result], plain: dict[str, Result] | None, why: str | None) -> None:
    head = (
        f"{'endpoint':24} | {'ours req/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} | "
        f"{'plain req/s':>11} | {'p50 ms':>7} | {'p99 ms':>8} | {'req/s ratio':>11}"
    )
    print("\n" + head)
    print("-" * len(head))
    for endpoint in ENDPOINTS:
        o = ours[endpoint.label]
        p = plain[endpoint.label] if plain else None
        peer = (
            f"{p.rps:11.1f} | {p.p50_ms:7.2f} | {p.p99_ms:8.2f} | {o.rps / p.rps:10.1f}x"
            if p and p.rps
            else f"{'-':>11} | {'-':>7} | {'-':>8} | {'-':>11}"
        )
        print(f"{endpoint.label:24} | {o.rps:10.1f} | {o.p50_ms:7.2f} | {o.p99_ms:7.2f} | {peer}")
    print("")
    if plain and all(plain[e.label].rps for e in ENDPOINTS[:2]):
        rps_ratios = {e.label: ours[e.label].rps / plain[e.label].rps for e in ENDPOINTS[:2]}
        worst = min(rps_ratios.values())
        verdict = "met" if worst >= RPS_TARGET else "NOT met"
        print(
            f"target: >= {RPS_TARGET:.0f}x the plain provider's req/s on the items: "
            f"{worst:.1f}x at worst ({', '.join(f'{k} {v:.1f}x' for k, v in rps_ratios.items())})"
            f" - {verdict}"
        )
    else:
        why = why or "the plain server completed no request in the measured time"
        print(f"target: >= {RPS_TARGET:.0f}x the plain provider's req/s: not measured ({why})")
    worst_p99 = max(r.p99_ms for r in ours.values())
    verdict = "met" if worst_p99 < P99_TARGET_MS else "NOT met"
    print(f"target: p99 < {P99_TARGET_MS:.0f} ms (ours, every endpoint): worst {worst_p99:.2f} ms"
        f" - {verdict}")  # fmt: skip
    errors = sum(r.errors for r in ours.values()) + sum(r.errors for r in (plain or {}).values())
    if errors:
        print(f"warning: {errors} requests failed or got 4xx/5xx (see the per-run lines)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint (< 1 min)")
    parser.add_argument("--outages", type=int, default=500)
    parser.add_argument("--seconds", type=float, help="measured time per endpoint (10; 2)")
    parser.add_argument("--warmup", type=float, help="warm-up time per endpoint (2; 1)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dsn", default=DEFAULT_DSN, help="PostgreSQL server (admin database)")
    parser.add_argument(
        "--ours-db", choices=["postgis", "sqlite"], default="postgis",
        help="where our server reads the outages (default: the same PostGIS database)",
    )  # fmt: skip
    parser.add_argument("--no-plain", action="store_true", help="measure ours only")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from gis_outage.storage.db import make_engine, migrate
    from gis_outage.storage.outages import public_state

    started = time.perf_counter()
    log(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores (other work on the machine skews the figures)")  # fmt: skip
    why_not_pg = pg_available(args.dsn)
    if why_not_pg:
        log(f"PostgreSQL/PostGIS not usable ({why_not_pg}): plain pygeoapi skipped, ours on SQLite")
    log(f"making {args.outages} outages from break traces on a synthetic city network ...")
    specs = make_outages(args.outages, args.seed)
    vertices = [shapely.get_num_coordinates(s.area) for s in specs]
    log(f"  areas: {np.median(vertices):.0f} vertices median, {max(vertices)} max")

    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp, _database(args, why_not_pg) as pg:
        directory = Path(tmp)
        ours_url = (
            pg.replace("postgresql://", "postgresql+psycopg://", 1)
            if pg and args.ours_db == "postgis"
            else f"sqlite:///{directory / 'ours.sqlite'}"
        )
        engine = make_engine(ours_url)
        migrate(engine)
        publish_outages(engine, specs)
        public = public_state(engine).outages or ()
        engine.dispose()
        ids = sorted(o.id for o in public)
        log(f"  {len(ids)} published outages in {ours_url.split('://')[0]} (ours)")
        load = Load(args.connections, args.seconds, args.warmup, directory)
        log(
            f"load: {load.tool}, {args.connections} connections, {args.seconds:g} s per endpoint"
            f" after {args.warmup:g} s warm-up; {args.workers} uvicorn workers per server"
        )

        port = free_port()
        env = {
            ENV_DB_URL: ours_url,
            ENV_DATA_DIR: str(directory / "ours"),
            ENV_PUBLIC_URL: f"http://{HOST}:{port}",
        }
        app = "bench.map:ours_app"
        with serve("ours", app, env, port, args.workers, "/oapi", directory) as base:
            etag = current_etag(base, ENDPOINTS[0].ours_path)
            ours = measure(load, base, "ours", etag, ids)

        plain: dict[str, Result] | None = None
        if pg and not args.no_plain:
            write_plain_table(pg, public)
            port = free_port()
            env = write_plain_config(plain_config(pg, f"http://{HOST}:{port}"), directory / "plain")
            app = "pygeoapi.starlette_app:APP"
            with serve("plain", app, env, port, args.workers, "/", directory) as base:
                plain = measure(load, base, "plain", etag, ids)

    log(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(ours, plain, "--no-plain" if args.no_plain else why_not_pg)
    print(f"\n(total {time.perf_counter() - started:.0f} s)", flush=True)
    if args.json:
        results = {"ours": ours, "plain": plain or {}}
        args.json.write_text(
            json.dumps(
                {
                    side: {k: {**vars(r), "rps": r.rps} for k, r in values.items()}
                    for side, values in results.items()
                },
                indent=2,
            )
        )
    return 0


@contextmanager
def _database(args: argparse.Namespace, why_not: str | None) -> Iterator[str | None]:
    if why_not:
        yield None
        return
    with bench_database(args.dsn) as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
