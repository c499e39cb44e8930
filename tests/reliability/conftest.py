"""The reliability suite's figures: each scenario records what it measured (messages
lost, duplicates, errors, recovery time, …) and the table is printed at the end of the
run, so the figures show in the CI log without `-s`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# The real SMPP test server (tests/notifier/smpp_server.py), as the notifier tests use it.
from tests.notifier.conftest import smpp_server, smpp_server_factory  # noqa: F401

# (scenario, figures) in the order they were recorded in this session.
FIGURES: list[tuple[str, dict[str, Any]]] = []

Record = Callable[..., None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Record:
    """`figures(lost=0, duplicates=3, recovery_s=1.2)`: kept for the summary table."""

    def record(**values: Any) -> None:
        FIGURES.append((request.node.name, values))

    return record


def _show(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    width = max(len(name) for name, _ in FIGURES)
    for name, values in FIGURES:
        shown = ", ".join(f"{key}={_show(value)}" for key, value in values.items())
        terminalreporter.write_line(f"{name:<{width}}  {shown}")
