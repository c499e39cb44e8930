"""Real Celery worker processes for notifier tests: each on its own queue prefix on a
shared broker, with the environment a deployment gives them, stopped with their
process group. Each worker writes to a log file of its own: a pipe nobody reads fills
at 64 KiB and then blocks the worker at its next log line."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy.engine import Engine

from notifier.celery_app import PURPOSES

from .outage_data import wait_until

ROOT = Path(__file__).resolve().parents[2]


class CeleryWorkers:
    """`celery -A notifier.celery_app worker` processes sharing one queue prefix."""

    def __init__(self, db: Engine, broker: str, directory: Path, **settings: str) -> None:
        self.prefix = f"test-{secrets.token_hex(4)}-"  # our own queues on a shared broker
        self.directory = directory
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
        self.env.update({
            "GIS_OUTAGE_DATABASE_URL": db.url.render_as_string(hide_password=False),
            "GIS_OUTAGE_DATA_DIR": str(directory),
            "GIS_OUTAGE_BROKER_URL": broker,
            "GIS_OUTAGE_NOTIFY_QUEUE_PREFIX": self.prefix,
            "GIS_OUTAGE_NOTIFY_DRAIN_SECONDS": "0.5",
            "PYTHONPATH": str(ROOT),
            **{f"GIS_OUTAGE_{k.upper()}": v for k, v in settings.items()},
        })
        self.broker = broker
        self.names: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_of: dict[int, Path] = {}  # by pid, every worker started so far

    def start(self, purposes: tuple[str, ...] = PURPOSES, concurrency: int = 2,
              beat: bool = True, loglevel: str = "WARNING") -> subprocess.Popen[bytes]:
        """One worker for `purposes` (as a deployment runs one per queue); `beat` once."""
        name = f"{self.prefix}{len(self.processes)}@{socket.gethostname()}"
        self.names.append(name)
        command = [
            sys.executable, "-m", "celery", "-A", "notifier.celery_app", "worker",
            "-Q", ",".join(self.prefix + p for p in purposes), "-c", str(concurrency),
            "--loglevel", loglevel, "-n", name, "--without-gossip", "--without-mingle",
        ]
        if beat:
            command += ["-B", "-s", str(self.directory / "beat-schedule")]
        log = self.directory / f"celery-{len(self.log_of)}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, env=self.env, cwd=self.directory, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.processes.append(process)
        self.log_of[process.pid] = log
        return process

    def output(self) -> str:
        """Everything every worker started so far has written."""
        return "".join(log.read_bytes().decode(errors="replace")
                       for log in self.log_of.values() if log.exists())

    def wait_until(self, predicate: Callable[[], Any], timeout: float) -> None:
        """Until `predicate` holds; on timeout the workers' last output says why."""
        try:
            wait_until(predicate, timeout)
        except AssertionError:
            raise AssertionError("timed out waiting; workers wrote:\n"
                                 + self.output()[-3000:]) from None

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until every worker answers a ping over the broker: a figure taken from publish
        on should not include the workers' start."""
        control = Celery("ping", broker=self.broker).control
        deadline = time.monotonic() + timeout
        while True:
            answered = {name for reply in control.ping(self.names, timeout=1.0) for name in reply}
            if answered >= set(self.names):
                return
            if (output := self.died()) is not None:
                raise RuntimeError("a celery worker died:\n" + output)
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery workers not ready: {set(self.names) - answered}")

    def died(self) -> str | None:
        """The output of a worker that exited, if one did."""
        for process in self.processes:
            if process.poll() is not None:
                return self.log_of[process.pid].read_bytes().decode(errors="replace")[-3000:]
        return None

    def kill(self) -> str:
        """SIGKILL every worker (pool and beat with it): a crash; returns their output."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
        self.processes, self.names = [], []
        return self.output()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
