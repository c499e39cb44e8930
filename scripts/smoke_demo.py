"""The README's first command, checked with nothing but the runtime packages.

Run it with the Python of a venv that holds only the lock's runtime packages (no test
extras), from any directory:

    VENV/bin/python scripts/smoke_demo.py

It imports every module of gis_outage, map_server and notifier, starts `gis-outage demo`
from that venv on a free port in a fresh data directory, fetches the public map, the
published outages from OGC API Features and the resident portal, checks that the demo
printed where to look and nothing else, and stops it. Standard library only, so a
missing runtime package shows up as the import error it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PACKAGES = ("gis_outage", "map_server", "notifier")
# Alembic's env script runs a migration when it is imported; Alembic imports it itself.
NOT_IMPORTABLE = {"gis_outage.migrations.env"}
START_TIMEOUT = 600.0


def import_everything() -> int:
    count = 0
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if module.name not in NOT_IMPORTABLE:
                importlib.import_module(module.name)
                count += 1
    return count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def wait_until_up(base: str, demo: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SystemExit(f"the demo stopped with status {demo.returncode}")
        try:
            fetch(f"{base}/health")
            return
        except OSError:
            time.sleep(1.0)
    raise SystemExit(f"the demo did not answer within {START_TIMEOUT:.0f} s")


def check_pages(base: str) -> list[str]:
    problems = []
    status, kind, body = fetch(f"{base}/")
    if status != 200 or "text/html" not in kind or b"<html" not in body.lower():
        problems.append(f"/ answered {status} {kind}")
    status, kind, body = fetch(f"{base}/oapi/collections/outages/items?f=json")
    features = json.loads(body).get("features", [])
    if status != 200 or len(features) < 3 or any(not f.get("geometry") for f in features):
        problems.append(f"/oapi items: {status}, {len(features)} outages (3 published expected)")
    status, kind, body = fetch(f"{base}/portal/")
    if status != 200 or "text/html" not in kind:
        problems.append(f"/portal/ answered {status} {kind}")
    return problems


def check_output(lines: list[str], base: str) -> list[str]:
    """The demo prints where to look and nothing else (no library log lines)."""
    text = "\n".join(lines)
    problems = [f"{base}/ not printed"] if f"{base}/" not in text else []
    noise = [line for line in lines if "INFO" in line or "WARNING" in line or "[alembic" in line]
    return problems + [f"unexpected output: {line}" for line in noise[:5]]


def main() -> int:
    started = time.monotonic()
    if importlib.util.find_spec("pytest") is not None:
        print(f"smoke: {sys.prefix} holds test packages; the check needs a runtime-only venv",
              file=sys.stderr)
        return 1
    modules = import_everything()
    where = Path(importlib.import_module("gis_outage").__file__).parent.parent
    print(f"imported {modules} modules from {where} with {sys.prefix}")
    exe = Path(sys.executable).with_name("gis-outage")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="gis-outage-smoke-") as data_dir:
        output = Path(data_dir) / "demo.out"
        with output.open("w") as out:
            demo = subprocess.Popen(
                [str(exe), "demo", "--port", str(port), "--data-dir", f"{data_dir}/demo"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                wait_until_up(base, demo)
                problems = check_pages(base)
            finally:
                os.killpg(demo.pid, signal.SIGTERM)
                try:
                    demo.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(demo.pid, signal.SIGKILL)
        lines = output.read_text().splitlines()
    problems += check_output(lines, base)
    for problem in problems:
        print(f"smoke: {problem}", file=sys.stderr)
    if problems:
        print("\n".join(lines[-20:]), file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    print(f"demo served the map, 3+ outages on /oapi and the portal ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
