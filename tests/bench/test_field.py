"""bench/field at a tiny scale, run as a user runs it: the stuck valve's new message
reaches exactly the newly affected numbers; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_new_message_reaches_only_the_newly_affected(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.field", "--per", "20", "--mains", "8", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    assert figures["newly_affected"] == 20
    assert figures["numbers_told"] == 20 and figures["only_the_newly_affected"] is True
    assert figures["first_new_sms_s"] is not None and figures["map_s"] is not None
