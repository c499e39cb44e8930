"""The storm's report: each figure beside its peer from the same run, and the targets
printed as met or not."""

from __future__ import annotations

import os
from typing import Any

from bench.map import Result

FIRST_TARGET = 2.0  # seconds from the publish request to the first message
# The first message's budget, split: the engineer API's answer, then the notifier.
PUBLISH_TARGET = 1.0
AFTER_ANSWER_TARGET = FIRST_TARGET - PUBLISH_TARGET
MAP_P99_TARGET_MS = 50.0  # the map's p99 during the storm


def describe(r: Result) -> str:
    return (f"{r.rps:,.1f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
            f"{r.requests:,} requests, {r.errors} errors")  # fmt: skip


def secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f} s"


def first_rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    """The publish's own figures, each beside its target: the engineer API's answer, the
    first message from the request and from the answer."""
    def against(v: float | None, target: float) -> str:
        verdict = "met" if v is not None and v <= target else "NOT met"
        return f"{secs(v)}  (target {target:g} s: {verdict})"

    return [
        ("publish request s", against(f["ours"]["answered_s"], PUBLISH_TARGET)),
        ("first SMS after request s", against(f.get("first_s"), FIRST_TARGET)),
        ("after the API's answer s", against(f.get("first_after_answer_s"), AFTER_ANSWER_TARGET)),
    ]


def report_first(f: dict[str, Any], scale: float) -> None:
    """`--first-only`: the publish and its first message; the map's load beside it."""
    sizes, storm_ = f["sizes"], f["map_storm"]
    rows = [
        ("scale / backend / notifier", f"{scale:g} / {f['backend']} / {f['notifier']}"),
        ("active outages / recipients", f"{sizes['outages']:,} / {f['recipients']:,}"),
        *first_rows(f),
        ("map req/s, p99 ms: baseline / storm",
         f"{f['map_baseline'].rps:,.1f} / {storm_.rps:,.1f}, "
         f"{f['map_baseline'].p99_ms:.1f} / {storm_.p99_ms:.1f}"),
    ]  # fmt: skip
    _print_rows(rows, f)


def _print_rows(rows: list[tuple[str, str]], f: dict[str, Any]) -> None:
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(
        "load average (1/5/15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}"
        " on {} cores".format(*f["load_before"], *f["load_after"], os.cpu_count())
    )


def report(f: dict[str, Any], scale: float) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "-"

    base, storm_, bare_load = f["map_baseline"], f["map_storm"], f["map_bare"]
    bare = f["bare"]
    sizes = f["sizes"]
    rows = [
        ("scale / backend / notifier", f"{scale:g} / {f['backend']} / {f['notifier']}"),
        ("active outages / directory entries",
         f"{sizes['outages']:,} / {sizes['directory']:,}"),
        ("set-up: addresses + directory / outages",
         f"{f['setup_directory_s']:.1f} s / {f['setup_outages_s']:.1f} s"),
        ("recipients (expected / reached / repeated)",
         f"{f['recipients']:,} / {f['ours_distinct']:,} / {f['ours_repeated']:,}"),
        ("messages / parts at the SMPP server", f"{f['ours_messages']:,} / {f['ours_parts']:,}"),
        ("publish -> the API's answer", secs(f["ours"]["answered_s"])),
        ("publish -> shown on the map (its OGC API item)", secs(f["ours"]["shown_s"])),
        ("publish -> first message", secs(f.get("first_s"))),
        ("publish -> last message", secs(f.get("last_s"))),
        ("ours msg/s (publish -> last)", f"{f.get('ours_msg_s', 0):,.0f}"),
        (f"bare smpplib msg/s (best of {len(f['bare_runs'])}, same map load)",
         f"{bare['msg_s']:,.0f}  (runs: "
         + ", ".join(f"{b['msg_s']:,.0f}" for b in f["bare_runs"]) + ")"),
        ("bare smpplib time to last", secs(bare["last_s"])),
        ("notify ratio ours / bare (msg/s)", ratio(f.get("ours_msg_s", 0), bare["msg_s"])),
        ("map outages shown before / after", f"{f['map_outages_before']} / "
         f"{f['map_outages_after']}"),
        ("map req/s: baseline / storm / bare",
         f"{base.rps:,.1f} / {storm_.rps:,.1f} / {bare_load.rps:,.1f}"),
        ("map p50 ms: baseline / storm / bare",
         f"{base.p50_ms:.1f} / {storm_.p50_ms:.1f} / {bare_load.p50_ms:.1f}"),
        ("map p99 ms: baseline / storm / bare",
         f"{base.p99_ms:.1f} / {storm_.p99_ms:.1f} / {bare_load.p99_ms:.1f}"),
        ("map errors: baseline / storm / bare",
         f"{base.errors} / {storm_.errors} / {bare_load.errors}"),
        ("map ratio storm / baseline (req/s, p99)",
         f"{ratio(storm_.rps, base.rps)}, {ratio(storm_.p99_ms, base.p99_ms)}"),
    ]  # fmt: skip
    rows += memory_rows(f.get("memory_before", []), f.get("memory_after", []))
    p99 = storm_.p99_ms
    rows += [
        *first_rows(f),
        ("target: every recipient once, 0 duplicates",
         "met" if f["ours_distinct"] == f["recipients"] and f["ours_repeated"] == 0
         else "NOT met"),
        (f"target: map p99 under {MAP_P99_TARGET_MS:g} ms in the storm"
         f" (baseline {base.p99_ms:.1f} ms)", "met" if p99 < MAP_P99_TARGET_MS else "NOT met"),
    ]  # fmt: skip
    _print_rows(rows, f)


def memory_rows(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """Per process: resident set before the publish, its peak by the end of the storm,
    and the growth between (peak - before: what the storm cost the process)."""
    rss = {r["pid"]: r["rss_mib"] for r in before}
    rows = []
    for r in after:
        was = rss.get(r["pid"])
        grew = "" if was is None else f", +{max(0.0, r['peak_mib'] - was):.0f} in the storm"
        rows.append((f"memory MiB: {r['label']} [{r['name']} {r['pid']}]",
                     f"before {'-' if was is None else f'{was:.0f}'}, peak {r['peak_mib']:.0f}"
                     + grew))  # fmt: skip
    return rows
