"""bench/storm at a tiny scale: every recipient gets one message while the map answers.

The bench runs as a user runs it (`python -m bench.storm`): a real database, the map
server under uvicorn, wrk (or the httpx client), the embedded worker and the SMPP
server as its own process. What it measured is read back from the SMPP server's log
and the figures it wrote; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.notify import OURS_ID
from bench.storm_data import Sizes, published_numbers
from tests.notifier.smpp_server import join_parts, read_log

ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.002  # 400 recipients, 2,000 directory entries, 4 active outages
PG_ADMIN_URL = os.environ.get(
    "GIS_OUTAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REPORT_LINES = [
    "scale / backend / notifier",
    "active outages / directory entries",
    "set-up: addresses + directory / outages",
    "recipients (expected / reached / repeated)",
    "messages / parts at the SMPP server",
    "publish -> the API's answer",
    "publish -> shown on the map",
    "publish -> first message",
    "publish -> last message",
    "ours msg/s (publish -> last)",
    "bare smpplib msg/s",
    "bare smpplib time to last",
    "notify ratio ours / bare (msg/s)",
    "map outages shown before / after",
    "map req/s: baseline / storm / bare",
    "map p50 ms: baseline / storm / bare",
    "map p99 ms: baseline / storm / bare",
    "map errors: baseline / storm / bare",
    "map ratio storm / baseline (req/s, p99)",
    "load average (1/5/15 min) before",
]
# The publish's own figures, each with its target (met or not).
FIRST_LINES = ["publish request s", "first SMS after request s", "after the API's answer s"]


@pytest.mark.parametrize(
    ("backend", "notifier"),
    [
        pytest.param("postgis", "embedded", marks=pytest.mark.postgis),
        ("sqlite", "embedded"),
        pytest.param("postgis", "celery", marks=pytest.mark.postgis),  # on Redis
    ],
)
def test_storm_reaches_every_recipient_once_while_the_map_answers(
    backend: str, notifier: str, tmp_path: Path
) -> None:
    smpp_log, figures_path = tmp_path / "smsc.jsonl", tmp_path / "storm.json"
    command = [
        sys.executable, "-m", "bench.storm", "--scale", str(SCALE), "--backend", backend,
        "--notifier", notifier,
        "--dsn", PG_ADMIN_URL, "--seconds", "2", "--warmup", "1", "--connections", "4",
        "--timeout", "300",
        "--smpp-log", str(smpp_log), "--json", str(figures_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    # Every number at the published outage's addresses got exactly one message.
    ours = join_parts([p for p in read_log(smpp_log) if p["system_id"] == OURS_ID])
    expected = published_numbers(Sizes.at_scale(SCALE))
    assert len(expected) == 400
    # International numbers travel without their "+" (TON international says it).
    assert Counter(m["destination"] for m in ours) == Counter(n.lstrip("+") for n in expected)

    figures = json.loads(figures_path.read_text())
    assert figures["ours"]["done"]
    assert figures["ours_repeated"] == 0
    # The map answered every request of every phase, and showed the new outage.
    for phase in ("map_baseline", "map_storm", "map_bare"):
        assert figures[phase]["requests"] > 0, phase
        assert figures[phase]["errors"] == 0, phase
    assert figures["map_outages_before"] == 4
    assert figures["ours"]["shown_s"] is not None
    # The bare peer sent the same messages.
    assert all(b["messages"] == len(expected) for b in figures["bare_runs"])

    # The printed report has every figure, none left blank.
    lines = run.stdout.splitlines()
    assert_figures(lines, REPORT_LINES + FIRST_LINES)
    assert "- " not in next(line for line in lines if line.startswith("map ratio"))


def assert_figures(lines: list[str], labels: list[str]) -> None:
    for label in labels:
        line = next((line for line in lines if line.startswith(label)), None)
        assert line is not None, f"no {label!r} in the report"
        value = line[len(label) :].strip()
        assert value and value.split()[0] != "-", f"{label!r} has no figure"
        if label in FIRST_LINES:
            assert "(target " in value and ("met)" in value), value


def test_first_only_stops_at_the_first_message(tmp_path: Path) -> None:
    smpp_log, figures_path = tmp_path / "smsc.jsonl", tmp_path / "storm.json"
    command = [
        sys.executable, "-m", "bench.storm", "--scale", str(SCALE), "--backend", "sqlite",
        "--seconds", "1", "--warmup", "0.5", "--connections", "2", "--timeout", "300",
        "--first-only", "--smpp-log", str(smpp_log), "--json", str(figures_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    assert figures["ours"]["done"] and "bare_runs" not in figures
    assert figures["first_s"] > 0 and figures["ours_messages"] >= 1
    assert figures["first_after_answer_s"] == figures["first_s"] - figures["ours"]["answered_s"]
    assert_figures(run.stdout.splitlines(), FIRST_LINES)
