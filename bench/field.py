"""bench/field: from the engineer's confirm of a stuck valve to the first new SMS and to
the map showing the new area.

A comb network (a main pipe of `--mains` sections between valves, `--per` houses on
branches at each junction, one source) is stored; an unplanned outage on main section 5
is published and its start messages are sent through the embedded worker to the SMPP
server on loopback (tests/notifier/smpp_server.py as its own process, which logs each
part with its arrival time). Then the valve upstream of the break will not close: the
engine re-plans (`gis_outage.services.field.stuck`), and the clock starts just before
`field.confirm`. Measured: confirm → the first message to a newly affected number (from
the server's log), confirm → `storage.outages.public_state` (what the map, the feeds and
OGC API read) returning the outage's new area; and how many numbers got the new message
(only the newly affected must).

Nothing is asserted here; the target (first new SMS within 2 s) is printed as met or not.

    python -m bench.field                   # 2,000 houses per junction
    python -m bench.field --quick           # 200
    python -m bench.field --db postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely import LineString, Point

from bench.notify import FIRST_TARGET, database, mobile, read_parts, smpp_server

BREAK = 5


def comb(mains: int, per: int) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """Layers in EPSG:3067 near Helsinki and the address ids, junction by junction."""
    x0, y0 = 385_000.0, 6_672_000.0
    links, devices, sps, addresses = [], [], [], []
    for i in range(1, mains + 1):
        a, b = (x0 + (i - 1) * 200, y0), (x0 + i * 200, y0)
        links.append({"id": f"M{i}", "from_node": f"m{i - 1}", "to_node": f"m{i}",
                      "geometry": LineString([a, b])})
        for end, node, at in (("A", f"m{i - 1}", a), ("B", f"m{i}", b)):
            devices.append({"id": f"V{end}{i}", "link_id": f"M{i}", "node_id": node,
                            "kind": "valve", "geometry": Point(at)})
        for j in range(per):
            tip = (b[0] + (j % 40) * 4.0, b[1] + 5 + (j // 40) * 4.0)
            links.append({"id": f"B{i}_{j}", "from_node": f"m{i}", "to_node": f"h{i}_{j}",
                          "geometry": LineString([b, tip])})
            sps.append({"id": f"P{i}_{j}", "link_id": f"B{i}_{j}", "address_id": f"H{i}_{j}",
                        "customers": 1, "geometry": Point(tip)})
            addresses.append(f"H{i}_{j}")
    crs = "EPSG:3067"
    layers = {
        "links": gpd.GeoDataFrame(links, crs=crs),
        "devices": gpd.GeoDataFrame(devices, crs=crs),
        "sources": gpd.GeoDataFrame([{"id": "S", "node_id": "m0", "geometry": Point(x0, y0)}],
                                    crs=crs),
        "service_points": gpd.GeoDataFrame(sps, crs=crs),
    }
    return layers, addresses


def prepare(db: Any, layers: dict[str, gpd.GeoDataFrame], ids: list[str]) -> None:
    from gis_outage.storage.addresses import upsert_addresses
    from gis_outage.storage.directory import replace_directory
    from gis_outage.storage.networks import save_network

    sps = layers["service_points"].to_crs("EPSG:4326")
    upsert_addresses(db, gpd.GeoDataFrame(
        {"id": ids, "street": ["Mannerheimintie"] * len(ids),
         "house_number": [str(i + 1) for i in range(len(ids))],
         "postal_code": ["00100"] * len(ids), "municipality": ["Helsinki"] * len(ids)},
        geometry=list(sps.geometry), crs="EPSG:4326"))
    replace_directory(db, [{"phone": mobile(i), "address_id": a, "number_type": "mobile"}
                           for i, a in enumerate(ids)], "operator")
    save_network(db, "water", layers, "comb.gpkg")


def run(db: Any, port: int, log: Path, folder: Path, ids: list[str], timeout: float
        ) -> dict[str, Any]:
    from gis_outage.config import Settings
    from gis_outage.services import field, outages
    from gis_outage.services.context import build_context
    from gis_outage.storage.outages import outage_events_for, public_state
    from notifier.worker import start_embedded_worker

    settings = Settings(data_dir=folder, notify={
        "sms_providers": "smpp", "smpp_host": "127.0.0.1", "smpp_port": port,
        "quiet_hours_start": None, "quiet_hours_end": None})
    ctx = build_context(settings, db=db)
    worker = start_embedded_worker(settings, db)
    try:
        draft = outages.draft(ctx, service="water", kind="unplanned", actor="bench",
                              starts_at=datetime.now(UTC) - timedelta(minutes=5),
                              selection=outages.Selection(break_links=(f"M{BREAK}",)))
        oid = draft.id
        outages.publish(ctx, oid, "bench")
        worker.wake()
        worker.wait_done(outage_events_for(db, oid)[-1].id, timeout)
        before = len(read_parts(log))
        preview = field.stuck(ctx, oid, [f"VA{BREAK}"])  # upstream of the break
        added = set(preview.added)
        started = time.time()
        field.confirm(ctx, preview, "bench", "stuck", [f"VA{BREAK}"])
        worker.wake()
        confirmed = time.time()
        while True:  # what the map reads: the outage with the new addresses in its area
            shown = {o.id: o for o in public_state(db).outages or ()}.get(oid)
            if shown is not None and added <= shown.address_ids:
                break
        on_map = time.time()
        event = outage_events_for(db, oid)[-1]
        worker.wait_done(event.id, timeout)
    finally:
        worker.stop()
    new = read_parts(log)[before:]
    numbers = {p["destination"].lstrip("+") for p in new}
    return {
        "newly_affected": len(added),
        "numbers_told": len(numbers),
        "only_the_newly_affected": numbers == {mobile(ids.index(a)).lstrip("+") for a in added},
        "confirm_s": round(confirmed - started, 3),
        "first_new_sms_s": round(min(p["received_at"] for p in new) - started, 3) if new else None,
        "last_new_sms_s": round(max(p["received_at"] for p in new) - started, 3) if new else None,
        "map_s": round(on_map - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--per", type=int, default=None, help="houses per junction")
    parser.add_argument("--mains", type=int, default=10)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: SQLite file)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    per = args.per or (200 if args.quick else 2000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        log = folder / "smpp.jsonl"
        layers, ids = comb(args.mains, per)
        with database(args.db, folder) as db, smpp_server(log) as port:
            prepare(db, layers, ids)
            figures = run(db, port, log, folder, ids, args.timeout)
    figures |= {"houses_per_junction": per, "backend": "postgresql" if args.db else "sqlite"}
    print(json.dumps(figures))
    first = figures["first_new_sms_s"]
    met = first is not None and first <= FIRST_TARGET
    print(f"confirm -> first new SMS {first} s (target {FIRST_TARGET} s: "
          f"{'met' if met else 'not met'}); confirm -> map {figures['map_s']} s; "
          f"{figures['numbers_told']} numbers told, {figures['newly_affected']} newly affected")
    if args.json:
        args.json.write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
