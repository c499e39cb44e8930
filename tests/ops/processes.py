"""The web app and the notifier worker as real processes, their output kept in files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.notifier.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0  # a loaded 2-core machine imports pygeoapi and friends slowly


def environment(**settings: str) -> dict[str, str]:
    """This environment without GIS_OUTAGE_* settings, then the given ones
    (`notify_sms_providers="smpp"` → GIS_OUTAGE_NOTIFY_SMS_PROVIDERS=smpp)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update({f"GIS_OUTAGE_{k.upper()}": v for k, v in settings.items()})
    return env


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Process:
    """A command in its own session, stdout and stderr each in a file under `out_dir`."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], out_dir: Path):
        self.name = name
        self.stdout_path = out_dir / f"{name}.stdout"
        self.stderr_path = out_dir / f"{name}.stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                command, env=env, cwd=out_dir, stdout=out, stderr=err, start_new_session=True
            )

    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Signal the process group (uvicorn's workers too); SIGKILL after `timeout`."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        return self.popen.returncode


@contextlib.contextmanager
def web_app(
    env: dict[str, str], out_dir: Path, *uvicorn_args: str, port: int | None = None
) -> Iterator[tuple[str, Process]]:
    """`uvicorn --factory map_server.app:create_app` on `port` (default: a free one)."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "map_server.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *uvicorn_args,
    ]  # fmt: skip
    process = Process("web", command, env, out_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base) or not process.alive(), START_TIMEOUT, "the web app")
        assert process.alive(), process.output()
        yield base, process
    finally:
        process.stop()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
