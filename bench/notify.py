"""bench/notify: SMS through the whole notifier pipeline next to a bare smpplib loop.

Ours: publish an outage (gis_outage.storage.outages.change_status writes the event and
its outbox row) whose affected addresses each have one mobile directory number; the
embedded worker (notifier.worker.EmbeddedWorker with the `smpp` provider, default
settings apart from quiet hours) resolves the recipients, renders the texts and sends
them to a real SMPP server on loopback (tests/notifier/smpp_server.py, a separate
process that logs every accepted part, with its arrival time, before answering it).
Time to the first and the last message are taken from that log, counted from just
before the publish.

Peer, in the same run, against the same server: a bare loop on smpplib.client.Client
(bind_transmitter, smpplib.gsm.make_parts, send_message) sending the texts ours
rendered (read back from the server's log) to the same numbers, keeping at most
`--window` submit_sm unanswered (the same window as ours; reading the responses with
read_once). Receipts are off at the server for both (ours asks for them; none come).

Nothing is asserted: the targets (>= 80% of the bare loop's throughput, first message
within 2 s of the publish) are printed as met or not.

    python -m bench.notify                  # 100,000 messages
    python -m bench.notify --quick          # 5,000 messages
    python -m bench.notify --db postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
OURS_ID = "gis-outage"
BARE_ID = "bare-smpplib"  # -1, -2, … per run of the bare loop
BARE_RUNS = 2  # the best counts: noise on a shared 2-core machine only ever slows a run
THROUGHPUT_TARGET = 0.8
FIRST_TARGET = 2.0  # seconds
CAUSE, TEXTS = "pipe_burst", {"fi": "Vesijohtovuoto", "sv": "Vattenläcka", "en": "Water main leak"}


# -- the SMPP server ------------------------------------------------------------------


@contextlib.contextmanager
def smpp_server(
    log_path: Path, *options: str, counts: dict[str, int] | None = None
) -> Iterator[int]:
    """tests/notifier/smpp_server.py as its own process (more `options` on its command
    line); yields its port. `counts` gets its process id at once, and its submits and
    throttled once it stopped."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.notifier.smpp_server",
            "--port",
            "0",
            "--log",
            str(log_path),
            "--no-receipts",
            *options,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if counts is not None:
        counts["pid"] = process.pid
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"SMPP server did not start: {line!r}")
        yield int(line.rsplit(":", 1)[1])
    finally:
        process.terminate()
        try:
            _out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
        for line in err.splitlines():  # "stopped after N submits, M throttled"
            if line.startswith("stopped after ") and counts is not None:
                words = line.replace(",", "").split()
                counts.update(submits=int(words[2]), throttled=int(words[4]))


def read_parts(log_path: Path) -> list[dict[str, Any]]:
    with open(log_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# -- the database ---------------------------------------------------------------------


@contextlib.contextmanager
def database(dsn: str | None, folder: Path) -> Iterator[Engine]:
    from gis_outage.storage.db import make_engine, migrate

    if dsn is None:
        engine = make_engine(f"sqlite:///{folder / 'data' / 'bench.sqlite'}")
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    name = f"gis_outage_bench_notify_{os.getpid()}"
    admin = sa.create_engine(make_url(dsn), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(dsn).set(database=name).render_as_string(hide_password=False))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def mobile(n: int) -> str:
    """A valid Finnish mobile number, distinct per n (+358 40 …)."""
    return f"+35840{n:07d}"


def prepare(db: Engine, n: int) -> int:
    """n addresses with one mobile directory number each and a draft outage on all of
    them (affected as gis_outage.services.outages.Trace.affected shapes it); its id."""
    import geopandas as gpd
    from shapely import Point

    from gis_outage.storage.addresses import upsert_addresses
    from gis_outage.storage.directory import replace_directory

    ids = [f"B{i}" for i in range(n)]
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "street": ["Mannerheimintie"] * n,
            "house_number": [str(i + 1) for i in range(n)],
            "postal_code": ["00100"] * n,
            "municipality": ["Helsinki"] * n,
        },
        geometry=[Point(24.94 + (i % 1000) * 1e-4, 60.17 + (i // 1000) * 1e-4) for i in range(n)],
        crs="EPSG:4326",
    )
    upsert_addresses(db, frame)
    replace_directory(
        db,
        [{"phone": mobile(i), "address_id": a, "number_type": "mobile"} for i, a in enumerate(ids)],
        "operator",
    )
    return draft_outage(db, ids, streets=["Mannerheimintie"], created_by="bench")


def draft_outage(
    db: Engine, ids: list[str], *, streets: list[str], created_by: str, **more: Any
) -> int:
    """A draft unplanned water outage on the addresses `ids`, started ten minutes ago
    (affected as gis_outage.services.outages.Trace.affected shapes it); its id."""
    from gis_outage.storage.outages import create_outage

    starts_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return create_outage(
        db,
        service="water",
        kind="unplanned",
        starts_at=starts_at,
        estimated_end_at=starts_at + timedelta(hours=3),
        created_by=created_by,
        cause=CAUSE,
        texts=TEXTS,
        affected={
            "network_version": None,
            "selection": {},
            "devices_to_operate": [],
            "isolated_links": [],
            "links": [],
            "service_points": [],
            "addresses": ids,
            "customers": len(ids),
            "streets": streets,
        },
        **more,
    )


def parts_per_language() -> dict[str, float]:
    """Mean SMS parts per message in each language over every message kind of the
    bench's outage, rendered as the notifier renders it (default settings)."""
    from dataclasses import replace

    from gis_outage.config import Settings
    from gis_outage.model import LANGUAGES, Channel, MessageKind, Service
    from gis_outage.public import localized_cause
    from notifier.render import MessageContext, RenderConfig, render

    settings = Settings()
    config = replace(RenderConfig.from_settings(settings), languages=LANGUAGES)
    # A fault of the morning (10:50 in Helsinki), ending the same day: the typical text,
    # whatever the hour the figure is taken (an evening fault's end names tomorrow).
    now = datetime.now(UTC).replace(hour=8, minute=50, second=0, microsecond=0)
    starts = now - timedelta(minutes=10)
    means = {}
    for language in LANGUAGES:
        context = MessageContext(
            utility_name=settings.utility_name, streets=["Mannerheimintie"], starts_at=starts,
            ends_at=starts + timedelta(hours=3), previous_ends_at=starts + timedelta(hours=2),
            resolved_at=now, cause=localized_cause(TEXTS, CAUSE, language),
            map_url=settings.outage_url(1), website=settings.website,
            contact_phone=settings.notify.contact_phone, unsubscribe_url=settings.opt_out_url,
            reference="1", now=now,
        )  # fmt: skip
        parts = [
            render(kind, Service.WATER, language, Channel.SMS, context, config=config).sms
            for kind in MessageKind
        ]
        means[str(language)] = sum(p.fragments for p in parts if p) / len(parts)
    return means


# -- ours -----------------------------------------------------------------------------


def run_ours(
    db: Engine, outage_id: int, port: int, n: int, window: int, folder: Path, timeout: float
) -> dict[str, Any]:
    from gis_outage.config import Settings
    from gis_outage.storage.deliveries import deliveries_for_event

    settings = Settings(data_dir=folder, notify={
        "sms_providers": "smpp",
        "smpp_host": "127.0.0.1",
        "smpp_port": port,
        "smpp_system_id": OURS_ID,
        "smpp_window": window,
        "quiet_hours_start": None,
        "quiet_hours_end": None,  # the same figures at any hour
    })
    published, finished, done, event_id = publish_with_worker(db, settings, outage_id, timeout)
    sent = sum(d.sent_at is not None for d in deliveries_for_event(db, event_id))
    return {"published": published, "finished": finished, "sent": sent, "done": done}


def publish_with_worker(
    db: Engine, settings: Any, outage_id: int, timeout: float
) -> tuple[float, float, bool, int]:
    """Publish the outage with an embedded worker running: (published, finished, whether
    its event was done within `timeout`, the event id)."""
    from gis_outage.storage.outages import change_status, outage_events_for
    from notifier.worker import start_embedded_worker

    worker = start_embedded_worker(settings, db)
    assert worker is not None
    try:
        time.sleep(1.0)  # the worker's first round (reminders, retention) is behind it
        published = time.time()
        change_status(db, outage_id, "published", "bench")
        worker.wake()
        event_id = outage_events_for(db, outage_id)[-1].id
        done = worker.wait_done(event_id, timeout)
        finished = time.time()
    finally:
        worker.stop()
    return published, finished, done, event_id


# -- the bare smpplib loop ------------------------------------------------------------


def run_bare(
    port: int, messages: list[dict[str, Any]], window: int, system_id: str
) -> dict[str, Any]:
    import smpplib.client
    import smpplib.consts
    import smpplib.gsm

    outstanding = 0
    answered = 0

    def sent(pdu: Any, **_: Any) -> None:
        nonlocal outstanding, answered
        outstanding -= 1
        answered += 1

    started = time.time()
    client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
    client.set_message_sent_handler(sent)
    client.connect()
    client.bind_transmitter(system_id=system_id, password="")
    parts_sent = 0
    for m in messages:
        parts, encoding, esm_class = smpplib.gsm.make_parts(m["text"])
        for part in parts:
            while outstanding >= window:
                client.read_once()
            client.send_message(
                source_addr_ton=m["source_ton"],
                source_addr_npi=m["source_npi"],
                source_addr=m["source"],
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr=m["destination"],
                short_message=part,
                data_coding=encoding,
                esm_class=esm_class,
                registered_delivery=0,
            )
            outstanding += 1
            parts_sent += 1
    while outstanding > 0:
        client.read_once()
    finished = time.time()
    with contextlib.suppress(Exception):
        client.unbind()
    client.disconnect()
    return {"id": system_id, "started": started, "finished": finished, "sent": parts_sent}


# -- the run --------------------------------------------------------------------------


def join(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from tests.notifier.smpp_server import join_parts

    return join_parts(parts)


def bench(n: int, window: int, dsn: str | None, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        folder = Path(tmp)
        log_path = folder / "smsc.jsonl"
        t = time.monotonic()
        with database(dsn, folder) as db:
            outage_id = prepare(db, n)
            setup = time.monotonic() - t
            print(f"setup: {n:,} addresses, numbers and an outage in {setup:.1f} s", flush=True)
            with smpp_server(log_path) as port:
                ours = run_ours(db, outage_id, port, n, window, folder, timeout)
                print(
                    f"ours: worker reported {ours['sent']:,} sent (done={ours['done']})", flush=True
                )
                time.sleep(0.3)  # the last parts are on disk before their responses
                ours_parts = [p for p in read_parts(log_path) if p["system_id"] == OURS_ID]
                ours_messages = join(ours_parts)
                bares = []
                for k in range(1, BARE_RUNS + 1):
                    bare = run_bare(port, ours_messages, window, f"{BARE_ID}-{k}")
                    time.sleep(0.3)
                    parts = [p for p in read_parts(log_path) if p["system_id"] == bare["id"]]
                    bare.update(parts=len(parts), messages=len(join(parts)))
                    bare["last_s"] = (
                        max(p["received_at"] for p in parts) - bare["started"] if parts else None
                    )
                    bare["msg_s"] = bare["messages"] / bare["last_s"] if bare["last_s"] else 0.0
                    bares.append(bare)
    bare = max(bares, key=lambda b: b["msg_s"])

    published = ours["published"]
    first = min(p["received_at"] for p in ours_parts) - published if ours_parts else None
    last = max(p["received_at"] for p in ours_parts) - published if ours_parts else None
    ours_rate = len(ours_messages) / last if last else 0.0
    steady = (len(ours_messages) / (last - first)) if (first is not None and last != first) else 0.0
    bare_rate = bare["msg_s"]
    ratio = ours_rate / bare_rate if bare_rate else 0.0
    return {
        "messages": n,
        "window": window,
        "db": "postgresql" if dsn else "sqlite",
        "setup_s": setup,
        "ours_messages": len(ours_messages),
        "ours_parts": len(ours_parts),
        "ours_distinct": len({m["destination"] for m in ours_messages}),
        "ours_first_s": first,
        "ours_last_s": last,
        "ours_msg_s": ours_rate,
        "ours_steady_msg_s": steady,
        "bare_messages": bare["messages"],
        "bare_parts": bare["parts"],
        "bare_last_s": bare["last_s"],
        "bare_msg_s": bare_rate,
        "bare_runs_msg_s": [b["msg_s"] for b in bares],
        "ratio": ratio,
        "throughput_met": ratio >= THROUGHPUT_TARGET,
        "first_met": first is not None and first <= FIRST_TARGET,
        "text_example": ours_messages[0]["text"] if ours_messages else None,
        "ours_parts_per_message": len(ours_parts) / len(ours_messages) if ours_messages else 0,
        "bare_parts_per_message": bare["parts"] / bare["messages"] if bare["messages"] else 0,
        "parts_per_language": parts_per_language(),
    }


def print_table(r: dict[str, Any]) -> None:
    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f} s"

    rows = [
        (
            "messages (ours / bare)",
            f"{r['ours_messages']:,} / {r['bare_messages']:,}"
            f"  (parts {r['ours_parts']:,} / {r['bare_parts']:,};"
            f" distinct numbers {r['ours_distinct']:,} of {r['messages']:,})",
        ),
        ("database / window", f"{r['db']} / {r['window']}"),
        (
            "mean SMS parts per message (ours / bare)",
            f"{r['ours_parts_per_message']:.2f} / {r['bare_parts_per_message']:.2f}",
        ),
        (
            "mean SMS parts, every message kind",
            ", ".join(f"{k} {v:.2f}" for k, v in r["parts_per_language"].items()),
        ),
        ("ours msg/s (publish → last)", f"{r['ours_msg_s']:,.0f}"),
        ("ours msg/s (first → last)", f"{r['ours_steady_msg_s']:,.0f}"),
        ("ours time to first", s(r["ours_first_s"])),
        ("ours time to last", s(r["ours_last_s"])),
        (
            f"bare smpplib msg/s (connect → last, best of {len(r['bare_runs_msg_s'])})",
            f"{r['bare_msg_s']:,.0f}  (runs: "
            + ", ".join(f"{v:,.0f}" for v in r["bare_runs_msg_s"])
            + ")",
        ),
        ("bare time to last", s(r["bare_last_s"])),
        ("ratio ours / bare", f"{r['ratio']:.2f}"),
        (f"target: ratio >= {THROUGHPUT_TARGET:.0%}", "met" if r["throughput_met"] else "NOT met"),
        (f"target: first within {FIRST_TARGET:g} s", "met" if r["first_met"] else "NOT met"),
    ]
    print_rows(rows)


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Figures as a two-column table after an empty line."""
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 messages")
    parser.add_argument(
        "--window",
        type=int,
        default=None,
        help="SMPP window for both (default: the notifier's setting)",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="PostgreSQL server URL (a database is created and dropped); "
        "default a temporary SQLite file",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="give up waiting for ours after this many seconds",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:  # `python bench/notify.py`: tests.notifier is imported
        sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    n = 5_000 if args.quick else args.messages
    if args.window is None:
        from gis_outage.config import NotifySettings

        args.window = NotifySettings.model_fields["smpp_window"].default
    load_before = os.getloadavg()
    result = bench(n, args.window, args.db, args.timeout)
    report(result, load_before, print_table, args.json)
    return 0


def report(
    result: dict[str, Any],
    load_before: tuple[float, float, float],
    table: Callable[[dict[str, Any]], None],
    json_path: Path | None,
) -> None:
    """The table, the load average around the run, and the figures as JSON if asked."""
    result["load_before"], result["load_after"] = load_before, os.getloadavg()
    table(result)
    # Both sides share 2 cores with the server process: other work skews the ratio.
    print(
        "load average (1/5/15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *result["load_before"], *result["load_after"]
        )
    )
    if json_path:
        json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
