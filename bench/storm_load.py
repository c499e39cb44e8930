"""The storm's map clients as a process of their own: wrk, or without it this module's
asyncio httpx client (`python -m bench.storm_load URL`), on the map page's request."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.map import ACCEPT, WRK_SCRIPT, Result, httpx_load, wrk_command, wrk_result

ROOT = Path(__file__).resolve().parents[1]
LOAD_FOREVER = 24 * 3600  # seconds; a background load runs until it is stopped


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
            command = [sys.executable, "-m", "bench.storm_load", self.url,
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


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.storm_load URL`: the httpx map client until SIGINT; prints the
    line WRK_SCRIPT's `done` hook prints, so both tools are read alike."""
    parser = argparse.ArgumentParser(prog="bench.storm_load")
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


if __name__ == "__main__":
    raise SystemExit(main())
