"""`gis-outage serve`, the single-box command: the web app with several worker processes
and, with no broker configured, the notifier's worker exactly once on the box."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.map_server.test_api import helsinki_water

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "gis_outage.cli", *args], env=env,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


def serve(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`gis-outage serve …` writing to cwd/serve.log: an unread pipe fills at 64 KiB and
    then blocks the server at its next log line."""
    with (cwd / "serve.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "gis_outage.cli", "serve", *args],
                                env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_for_port(port: int, process: subprocess.Popen, cwd: Path,
                   timeout: float = 60.0) -> None:
    """Until `serve` (started in cwd) listens; its log when it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (cwd / "serve.log").read_text(errors="replace")[-3000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gis-outage serve did not listen")


def test_serve_runs_two_web_processes_and_one_notifier_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env.update({
        "GIS_OUTAGE_DATA_DIR": str(tmp_path),
        "GIS_OUTAGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GIS_OUTAGE_NOTIFY_QUIET_HOURS_START": "",
        "GIS_OUTAGE_NOTIFY_QUIET_HOURS_END": "",
        "GIS_OUTAGE_NOTIFY_POLL_SECONDS": "0.1",
        "PYTHONPATH": str(ROOT),
    })
    gpkg = tmp_path / "water.gpkg"
    for name, frame in helsinki_water().items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    _cli("import-network", str(gpkg), "--service", "water", env=env)
    directory = tmp_path / "directory.csv"
    directory.write_text("phone,address_id\n0401234501,A1\n0401234502,A2\n0401234503,A3\n")
    _cli("import-directory", str(directory), env=env)
    _cli("create-user", "engineer", "--role", "engineer", env=env)
    token = _cli("create-token", "engineer", env=env).strip()

    process = serve(["--port", str(port), "--workers", "2"], env, tmp_path)
    try:
        _wait_for_port(port, process, tmp_path)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}"
        starts = datetime.now(UTC) - timedelta(minutes=5)
        draft = httpx.post(f"{base}/api/v1/outages", headers=headers, timeout=30, json={
            "service": "water", "kind": "unplanned", "starts_at": starts.isoformat(),
            "estimated_end_at": (starts + timedelta(hours=2)).isoformat(),
            "selection": {"break_links": ["L2"]},
        })
        assert draft.status_code == 201, draft.text
        outage = draft.json()
        published = httpx.post(f"{base}/api/v1/outages/{outage['id']}/publish",
                               headers=headers, timeout=30)
        assert published.status_code == 200, published.text
        kept = tmp_path / "demo-messages.jsonl"
        expected = len(outage["affected"]["addresses"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = kept.read_text().splitlines() if kept.exists() else []
            if len(lines) >= expected:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # a second worker, were there one, would have sent by now
        messages = [json.loads(line) for line in kept.read_text().splitlines()]
        # Each affected number once: one worker on the box, not one per web process.
        assert expected >= 1
        assert set(Counter(m["delivery_id"] for m in messages).values()) == {1}
        assert len(messages) == expected
        holder = (tmp_path / "notifier-worker.lock").read_text().split()
        assert len(holder) == 1 and holder[0].isdigit()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
