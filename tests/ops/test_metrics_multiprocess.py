"""/metrics under `uvicorn --workers 2` with PROMETHEUS_MULTIPROC_DIR: whichever worker
answers the scrape, it reports the requests every worker served."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from gis_outage.storage.db import make_engine, migrate
from tests.processes import WebApp, child_env

COUNT = "gis_outage_http_request_duration_seconds_count"
BATCH = 20
MAX_REQUESTS = 600


def health_count(families, status: str = "2xx") -> float:  # noqa: ANN001
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == COUNT and sample.labels.get("route") == "/health"
    )


def per_process(metrics_dir: Path, scratch: Path) -> dict[str, float]:
    """/health requests counted in each worker's own file (read apart from the others)."""
    counts = {}
    for path in sorted(metrics_dir.glob("histogram_*.db")):
        alone = scratch / path.stem
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[path.stem.removeprefix("histogram_")] = health_count(registry.collect())
        shutil.rmtree(alone)
    return counts


def test_metrics_sum_requests_across_worker_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gis-outage.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    metrics_dir = tmp_path / "metrics"  # created by the app
    env = child_env(database_url=url, data_dir=str(tmp_path), log_format="json")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)

    web = WebApp(env, tmp_path, "--workers", "2").start()
    try:

        def one_request(_: int) -> int:
            # A new connection each time, so the kernel may hand it to either worker.
            return httpx.get(f"{web.url}/health", headers={"Connection": "close"}, timeout=30)\
                .status_code

        made = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            while made < MAX_REQUESTS:
                assert set(pool.map(one_request, range(BATCH))) == {200}
                made += BATCH
                served = per_process(metrics_dir, tmp_path / "scratch")
                if sum(1 for count in served.values() if count > 0) >= 2:
                    break
        assert sum(1 for count in served.values() if count > 0) == 2, served

        text = httpx.get(f"{web.url}/metrics", timeout=30).text
        total = health_count(text_string_to_metric_families(text))
        assert total == made == sum(served.values()), (total, made, served)
        assert "gis_outage_database_up 1.0" in text
        assert "gis_outage_outbox_pending 0.0" in text
        workers = [p for p in served if served[p] > 0]
        assert web.stop() == 0, web.output()
    finally:
        web.stop()
    # Each worker, stopping, marked itself dead; the counts stay (they are totals).
    assert {p.stem.removeprefix("histogram_") for p in metrics_dir.glob("histogram_*.db")} >= set(
        workers
    )
