"""Memory per process when several processes trace on one network version.

Web and worker processes each held their own engine, built from the stored layers
(`build_network` + `TraceEngine`): that is the peer, measured here in a process of its
own. Now the first process builds the version's arrays and writes them to one file
(`gis_outage.trace_store`); every process maps that file. This measures, at one size:

* the peer: load (build_network + TraceEngine) time, memory the process gains, trace
  p50/p99 on seeded random breaks;
* cold: build_network + the arrays + writing the file;
* warm: mapping the file (checksum included) in 1 and then N processes at once, each
  tracing the same breaks (every answer compared with the peer's), and each process's
  memory from /proc/PID/smaps_rollup: RSS, PSS (shared pages divided among the
  processes that map them) and USS (pages of this process alone), minus what the
  process held before the load.

    python -m bench.trace --links 1M --shared-only     # this part alone
    python -m bench.trace_shared --links 100k --processes 4
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import numpy as np

MIB = 1024 * 1024
MIB_PER_1M_LINKS_TARGET = 100.0
LOAD_S_TARGET = 2.0
SAME_TIMES_TARGET = 1.25  # mapped p50 and p99 within this factor of the peer's


def log(message: str) -> None:
    print(message, flush=True)


def smaps() -> dict[str, float]:
    """This process's RSS, PSS and USS in MiB (smaps_rollup; zeros where it is missing)."""
    gc.collect()
    try:
        text = Path(f"/proc/{os.getpid()}/smaps_rollup").read_text()
    except OSError:
        return {"rss": 0.0, "pss": 0.0, "uss": 0.0}
    kib = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", text, re.MULTILINE)}
    uss = kib.get("Private_Clean", 0) + kib.get("Private_Dirty", 0)
    return {"rss": kib.get("Rss", 0) / 1024, "pss": kib.get("Pss", 0) / 1024, "uss": uss / 1024}


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in after}


def _trace(engine: Any, breaks: list[str]) -> tuple[dict[str, float], str]:
    """Time each break; a digest of all answers to compare processes."""
    times, digest = [], hashlib.sha256()
    for link in breaks:
        t0 = time.perf_counter()
        result = engine.break_trace([link])
        times.append(time.perf_counter() - t0)
        digest.update(repr(result).encode())
    ms = np.asarray(times) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99))}, (
        digest.hexdigest()
    )


def build_side(n_links: int, seed: int, traces: int, path: str) -> dict[str, Any]:
    """The peer (engine built in this process) and the cold build of the file."""
    from gis_outage.network import build_network
    from gis_outage.synthetic import city_network
    from gis_outage.trace import TraceEngine
    from gis_outage.trace_build import build_arrays
    from gis_outage.trace_store import write_arrays

    layers = city_network(n_links, seed=seed)
    rng = np.random.default_rng(seed + 1)
    ids = layers["links"]["id"].to_numpy(dtype=object)
    breaks = [str(ids[i]) for i in rng.choice(n_links, size=min(traces, n_links), replace=False)]
    before = smaps()
    t0 = time.perf_counter()
    net = build_network(layers)
    network_s = time.perf_counter() - t0
    engine = TraceEngine(net)
    load_s = time.perf_counter() - t0
    memory = _delta(smaps(), before)
    times, digest = _trace(engine, breaks)
    del engine
    gc.collect()
    t0 = time.perf_counter()
    arrays, meta = build_arrays(net)
    write_arrays(Path(path), arrays, meta)
    cold_s = network_s + time.perf_counter() - t0
    return {
        "breaks": breaks,
        "load_s": load_s,
        "memory": memory,
        "times": times,
        "digest": digest,
        "cold_s": cold_s,
        "file_mib": os.path.getsize(path) / MIB,
    }


def mapped_side(path: str, breaks: list[str], barrier: Any, out: Any) -> None:
    """One process: map the file, trace, wait for the others, then measure."""
    from gis_outage.trace import TraceEngine
    from gis_outage.trace_store import read_arrays

    before = smaps()
    t0 = time.perf_counter()
    engine = TraceEngine.from_arrays(*read_arrays(Path(path)))
    load_s = time.perf_counter() - t0
    times, digest = _trace(engine, breaks)
    barrier.wait()  # every process has mapped and traced: the pages are shared now
    memory = _delta(smaps(), before)
    barrier.wait()  # nobody exits (unmapping its pages) before all have measured
    out.put({"load_s": load_s, "memory": memory, "times": times, "digest": digest})


def run_mapped(path: str, breaks: list[str], processes: int) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=mapped_side, args=(path, breaks, barrier, out))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=1800) for _ in workers]
    for w in workers:
        w.join()
    return results


def measure(
    n_links: int, seed: int, traces: int, processes: int, cache_dir: Path | None = None
) -> dict[str, Any]:
    log(f"\n== shared engine, {n_links:,} links ==")
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="bench-trace-") as tmp:
        path = str(Path(tmp) / "network.trace")
        with context.Pool(1) as pool:
            built = pool.apply(build_side, (n_links, seed, traces, path))
        log(
            f"peer (built in the process): load {built['load_s']:.2f} s, "
            f"+{built['memory']['uss']:.0f} MiB USS, p50 {built['times']['p50']:.3f} ms, "
            f"p99 {built['times']['p99']:.3f} ms"
        )
        log(f"cold: build + write {built['cold_s']:.2f} s, file {built['file_mib']:.1f} MiB")
        runs = {}
        for k in sorted({1, processes}):
            runs[k] = run_mapped(path, built["breaks"], k)
            for i, r in enumerate(runs[k]):
                m = r["memory"]
                log(
                    f"mapped, {k} process(es), #{i + 1}: load {r['load_s']:.3f} s, "
                    f"+RSS {m['rss']:.0f} MiB, +PSS {m['pss']:.0f} MiB, +USS {m['uss']:.0f} MiB, "
                    f"p50 {r['times']['p50']:.3f} ms, p99 {r['times']['p99']:.3f} ms, "
                    f"answers {'same' if r['digest'] == built['digest'] else 'DIFFER'}"
                )
    del built["breaks"]
    return {"links": n_links, "built": built, "mapped": runs}


def _worst(runs: list[dict[str, Any]], *keys: str) -> float:
    values = []
    for r in runs:
        value: Any = r
        for key in keys:
            value = value[key]
        values.append(value)
    return max(values)


def report(result: dict[str, Any]) -> None:
    n, built, runs = result["links"], result["built"], result["mapped"]
    scale = 1_000_000 / n
    log(f"\nOne network of {n:,} links, per process (memory gained by the load, MiB)")
    header = (
        f"{'engine':<28} {'load s':>7} {'+RSS':>7} {'+PSS':>7} {'+USS':>7} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    log(header)
    log("-" * len(header))
    m = built["memory"]
    log(
        f"{'peer: built in each process':<28} {built['load_s']:>7.2f} {m['rss']:>7.0f} "
        f"{m['pss']:>7.0f} {m['uss']:>7.0f} {built['times']['p50']:>8.3f} "
        f"{built['times']['p99']:>8.3f}"
    )
    for k, rs in runs.items():
        log(
            f"{f'mapped, {k} process(es)':<28} {_worst(rs, 'load_s'):>7.3f} "
            f"{_worst(rs, 'memory', 'rss'):>7.0f} {_worst(rs, 'memory', 'pss'):>7.0f} "
            f"{_worst(rs, 'memory', 'uss'):>7.0f} {_worst(rs, 'times', 'p50'):>8.3f} "
            f"{_worst(rs, 'times', 'p99'):>8.3f}"
        )
    log(
        f"cold (first process of a version): build + write {built['cold_s']:.2f} s; "
        f"file {built['file_mib']:.1f} MiB. Mapped rows: the worst process."
    )
    one = runs[1]
    many = max(runs)
    peer_p50, peer_p99 = built["times"]["p50"], built["times"]["p99"]
    lines = [
        (
            "memory of one process alone (+PSS)",
            _worst(one, "memory", "pss") * scale,
            MIB_PER_1M_LINKS_TARGET,
            "MiB per 1M links",
        ),
        (
            f"memory per process, {many} sharing (+PSS)",
            _worst(runs[many], "memory", "pss") * scale,
            MIB_PER_1M_LINKS_TARGET,
            "MiB per 1M links",
        ),
        ("load (mapped)", _worst(runs[many], "load_s"), LOAD_S_TARGET, "s"),
        (
            "trace p50, mapped alone / peer",
            _worst(one, "times", "p50") / peer_p50,
            SAME_TIMES_TARGET,
            "x",
        ),
        (
            "trace p99, mapped alone / peer",
            _worst(one, "times", "p99") / peer_p99,
            SAME_TIMES_TARGET,
            "x",
        ),
    ]
    log("\nTargets (from the issue; reported, not asserted):")
    for name, value, target, unit in lines:
        met = "met" if value <= target else "NOT met"
        log(f"  {name} <= {target:g} {unit}: {met} ({value:.2f} {unit})")
    ratio = built["memory"]["pss"] / max(_worst(runs[many], "memory", "pss"), 1e-9)
    log(f"  peer / mapped memory per process ({many} sharing, PSS): {ratio:.1f}x")
    same = all(r["digest"] == built["digest"] for rs in runs.values() for r in rs)
    log(f"  answers of every mapped process equal the peer's: {'yes' if same else 'NO'}")


def main(argv: Sequence[str] | None = None) -> int:
    from bench.trace import _count

    parser = argparse.ArgumentParser(
        prog="python -m bench.trace_shared", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--links", default="1M")
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for n in (_count(s) for s in args.links.split(",") if s.strip()):
        report(measure(n, args.seed, args.traces, args.processes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
