"""Memory of the processes a bench starts, read from /proc (Linux): each process of a
tree (a server and the workers it forked), its resident set now and its peak (VmHWM).

Resident sets count pages shared with a parent after a fork once per process, so the
sum over a prefork pool overstates what the pool takes from the machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:  # gone, or not Linux
        return {}
    return fields


def _kib(value: str | None) -> float:
    return int(value.split()[0]) * 1024 / MIB if value else 0.0


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, parents first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        ppid = _status(int(entry)).get("PPid")
        if ppid:
            children.setdefault(int(ppid), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(sorted(children.get(p, [])))
    return out


def tree_memory(label: str, pid: int) -> list[dict[str, Any]]:
    """One row per live process of the tree: label, pid, RSS now and peak, in MiB."""
    rows = []
    for p in descendants(pid):
        status = _status(p)
        if not status:
            continue
        rows.append({
            "label": label, "pid": p, "name": status.get("Name", "?"),
            "rss_mib": round(_kib(status.get("VmRSS")), 1),
            "peak_mib": round(_kib(status.get("VmHWM")), 1),
        })  # fmt: skip
    return rows


def describe(rows: list[dict[str, Any]]) -> str:
    """`label: peak a, b MiB (now c, d)` per label."""
    labels: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        labels.setdefault(row["label"], []).append(row)
    return "; ".join(
        f"{label}: peak " + ", ".join(f"{r['peak_mib']:.0f}" for r in rs)
        + " MiB (now " + ", ".join(f"{r['rss_mib']:.0f}" for r in rs) + ")"
        for label, rs in labels.items()
    )
