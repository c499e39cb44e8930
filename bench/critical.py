"""What listing critical customers adds to a break trace, same run, same breaks.

A synthetic city network (`gis_outage.synthetic.city_network`) with 1 % of its service
points flagged (categories drawn at random) is traced on seeded random pipe breaks:

* peer: `TraceEngine.break_trace` alone, the trace every answer starts from;
* ours: the same trace and `critical.critical_customers` on its affected service points,
  as `services.outages.trace` does.

The ratio ours / peer per break at p50 and p99 says what the critical customers cost.

    python -m bench.critical                 # 100k links, 1,000 breaks
    python -m bench.critical --links 20000 --traces 200 --json figures.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from gis_outage.critical import critical_customers
from gis_outage.model import CRITICAL_CATEGORIES
from gis_outage.network import build_network
from gis_outage.synthetic import city_network
from gis_outage.trace import TraceEngine


def run(n_links: int, traces: int, seed: int) -> dict[str, float | int]:
    layers = city_network(n_links, seed=seed)
    rng = np.random.default_rng(seed)
    sps = layers["service_points"]
    flagged = rng.random(len(sps)) < 0.01
    sps["critical"] = np.where(flagged, rng.choice(CRITICAL_CATEGORIES, len(sps)), None)
    net = build_network(layers)
    engine = TraceEngine(net)
    breaks = rng.choice(net.link_ids, size=traces)
    peer, ours, found = [], [], 0
    for link in breaks:
        t0 = time.perf_counter()
        engine.break_trace([link])
        peer.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = engine.break_trace([link])
        found += len(critical_customers(engine, result.affected_service_points))
        ours.append(time.perf_counter() - t0)
    p = {q: (float(np.percentile(ours, q)), float(np.percentile(peer, q))) for q in (50, 99)}
    return {
        "links": n_links,
        "service_points": len(sps),
        "flagged": int(flagged.sum()),
        "traces": traces,
        "critical_listed": found,
        "ours_p50_ms": p[50][0] * 1e3,
        "peer_p50_ms": p[50][1] * 1e3,
        "ratio_p50": p[50][0] / p[50][1],
        "ours_p99_ms": p[99][0] * 1e3,
        "peer_p99_ms": p[99][1] * 1e3,
        "ratio_p99": p[99][0] / p[99][1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--traces", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = run(args.links, args.traces, args.seed)
    print(
        f"{figures['links']} links, {figures['flagged']} of {figures['service_points']} "
        f"service points flagged, {figures['traces']} breaks, "
        f"{figures['critical_listed']} critical customers listed"
    )
    for q in ("p50", "p99"):
        print(
            f"  {q}: trace + critical customers {figures[f'ours_{q}_ms']:.3f} ms, "
            f"trace alone {figures[f'peer_{q}_ms']:.3f} ms, "
            f"ratio {figures[f'ratio_{q}']:.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
