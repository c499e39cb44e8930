"""bench/critical at a tiny scale, run as a user runs it: it lists critical customers on
the same breaks it times; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_lists_critical_customers_and_prints_ratios(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.critical",
            "--links",
            "5000",
            "--traces",
            "50",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    assert figures["flagged"] > 0 and figures["traces"] == 50
    assert figures["ratio_p50"] > 0 and "ratio" in run.stdout
