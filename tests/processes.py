"""Real processes for the tests: their environment, their output in files, waiting for
them, stopping them with their children, and the web app under uvicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.notifier.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90.0  # a loaded 2-core machine imports pygeoapi and friends slowly


def child_env(**settings: str) -> dict[str, str]:
    """This environment without GIS_OUTAGE_* settings, then the given ones
    (`notify_sms_providers="smpp"` → GIS_OUTAGE_NOTIFY_SMS_PROVIDERS=smpp)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    # The test run's own metrics dir must not collect a child's metrics.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update({f"GIS_OUTAGE_{k.upper()}": v for k, v in settings.items()})
    return env


def wait_for(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> float:
    """Poll until predicate() is true; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class Process:
    """A command in its own session, so that stopping it stops its children too (uvicorn's
    and Celery's workers). Its stdout goes to `stdout`, its stderr to `stderr` or, if none
    is given, to `stdout` as well. Files are appended to: a restarted process continues
    the same log."""

    def __init__(
        self, command: list[str], env: dict[str, str], cwd: Path, stdout: Path,
        stderr: Path | None = None,
    ) -> None:  # fmt: skip
        self.stdout, self.stderr = stdout, stderr
        with contextlib.ExitStack() as files:
            out = files.enter_context(open(stdout, "ab"))
            err = files.enter_context(open(stderr, "ab")) if stderr else subprocess.STDOUT
            self.popen = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True
            )

    @property
    def pid(self) -> int:
        """Also the id of its process group."""
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        """All it wrote so far, stdout first."""
        paths = [self.stdout] if self.stderr is None else [self.stdout, self.stderr]
        return "".join(path.read_text(errors="replace") for path in paths)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal the process group; SIGKILL it if it is still there after `timeout`.
        Returns the exit code."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(10)
        return self.popen.returncode


class WebApp:
    """`uvicorn --factory map_server.app:create_app` as the deployment runs it, on `port`
    (default: a free one), its output in one log under `workdir`."""

    def __init__(
        self, env: dict[str, str], workdir: Path, *uvicorn_args: str, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, GIS_OUTAGE_PUBLIC_URL=self.url)
        self.workdir = workdir
        self.log = workdir / f"uvicorn-{self.port}.log"
        self.command = [
            sys.executable, "-m", "uvicorn", "--factory", "map_server.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
            *uvicorn_args,
        ]  # fmt: skip
        self.process: Process | None = None

    def start(self, timeout: float = START_TIMEOUT) -> WebApp:
        process = self.process = Process(self.command, self.env, self.workdir, self.log)

        def ready() -> bool:
            if not process.alive():
                raise AssertionError(f"uvicorn exited:\n{tail(self.log)}")
            try:
                return httpx.get(f"{self.url}/ready", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_for(ready, timeout, "the web app to answer /ready", interval=0.2)
        except AssertionError:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def output(self) -> str:
        return self.process.output() if self.process is not None else ""

    def stop(self) -> int | None:
        """Returns uvicorn's exit code. SIGINT, not SIGTERM: uvicorn raises the signal it
        stopped on again as it exits, and only SIGINT then ends in exit code 0."""
        return self.process.stop(signal.SIGINT) if self.process is not None else None
