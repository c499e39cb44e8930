"""bench/binds: SMS over several SMPP binds under a contracted rate, next to a bare
smpplib loop over the same binds.

The SMSC is the repo's SMPP test server (tests/notifier/smpp_server.py) as its own
process, throttled as operators sell throughput: each bind may send `--tps` submit_sm
per second, and whatever a bind sends above that is answered ESME_RTHROTTLED and
counted. It logs every part it accepts, with its arrival time, before answering.

Ours: an outage on `--messages` addresses, each with one mobile number, published; the
embedded worker (notifier.worker.EmbeddedWorker, `smpp` provider with
`smpp_binds=--binds`, `smpp_max_per_second=--tps`, the account's rate binds × tps)
resolves, renders and sends it over the binds. Sustained msg/s is counted at the
server from the first part to the last.

Peer, in the same run, against the same server: `--binds` threads, each a bare
smpplib.client.Client (bind_transmitter, send_message, read_once) on a bind of its own,
keeping at most `--window` submits unanswered and pacing itself to `--tps` with a plain
"next send 1/tps after the last" clock (catching up at most 1/20 s after a stall, as
ours may), sending the texts ours rendered (read back from the server's log) to the
same numbers, split between the binds. Each side gets an SMSC process of its own, so
its throttling errors are its own; the bare loop does not resend a throttled part.

With `--notifier celery`, ours is production's deployment instead: a `celery -A
notifier.celery_app worker` per role as deploy/ runs them (bench.storm_notifiers.CeleryNotifier:
`resolve` with beat draining the outbox every 0.5 s, the send queues in `--concurrency`
prefork processes, `receipts`; queues of their own on the broker) on PostgreSQL
(`--db`, default the local server), the binds split between the send processes
(`smpp_binds` = binds / concurrency in each) and the account's rate, binds × tps, kept
in Redis (`smpp_account_max_per_second`, `rate_limit_url` = the broker) so that the
processes together keep it.

Nothing is asserted: the targets (sustained submit_sm/s >= 95% of binds × tps, no
throttling error, no duplicate) are printed as met or not. The rate is the contract's
unit, the submit_sm: it is the msg/s while the text takes one part, but the bench's text
names a date, and takes two parts, when the fault started before midnight in Helsinki or
ends after it.

    python -m bench.binds                   # 4 binds × 250/s, 60,000 messages (~1 min)
    python -m bench.binds --quick           # 4 binds × 250/s, 10,000 messages
    python -m bench.binds --quick --notifier celery   # the same over 2 Celery processes
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bench.notify import (
    database,
    prepare,
    print_rows,
    publish_with_worker,
    read_parts,
    report,
    smpp_server,
)
from bench.procmem import describe as describe_memory

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DSN = os.environ.get("GIS_OUTAGE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
OURS_ID = "gis-outage"
BARE_ID = "bare-smpplib"
TARGET = 0.95  # of binds × tps, sustained
CELERY_SETTLE = 1.0  # seconds after the Celery workers answer, before the publish


@contextlib.contextmanager
def throttled_smsc(log_path: Path, tps: float) -> Iterator[tuple[int, dict[str, int]]]:
    """The test SMSC as a process, each bind throttled to `tps`; yields its port and a
    dict that holds its submit and throttled counts once it has stopped."""
    counts: dict[str, int] = {}
    with smpp_server(log_path, "--throttle", str(tps), counts=counts) as port:
        yield port, counts


def run_ours(
    db: Engine, outage_id: int, port: int, binds: int, tps: float, window: int,
    batch: int, folder: Path, timeout: float,
) -> dict[str, Any]:  # fmt: skip
    from gis_outage.config import Settings
    from gis_outage.storage.deliveries import deliveries_for_event

    settings = Settings(data_dir=folder, notify={
        "sms_providers": "smpp", "smpp_port": port, "smpp_system_id": OURS_ID,
        "smpp_binds": binds, "smpp_max_per_second": tps, "smpp_window": window,
        "quiet_hours_start": None, "quiet_hours_end": None,
    } | ({"batch_size": batch} if batch else {}))  # fmt: skip
    published, _finished, done, event_id = publish_with_worker(db, settings, outage_id, timeout)
    rows = deliveries_for_event(db, event_id)
    return {
        "published": published,
        "done": done,
        "sent": sum(d.sent_at is not None for d in rows),
        "statuses": dict(Counter(d.status.value for d in rows)),
    }


def run_ours_celery(
    db: Engine, outage_id: int, port: int, binds: int, tps: float, window: int,
    batch: int, folder: Path, timeout: float, broker: str, concurrency: int,
) -> dict[str, Any]:  # fmt: skip
    """Ours under Celery: `concurrency` prefork processes with binds / concurrency binds
    each, one account rate in Redis; the last batch closes the event's outbox row."""
    from bench.storm_notifiers import CeleryNotifier
    from gis_outage.storage.deliveries import deliveries_for_event
    from gis_outage.storage.outages import change_status, outage_events_for

    env = {
        "GIS_OUTAGE_NOTIFY_SMPP_BINDS": str(binds // concurrency),
        "GIS_OUTAGE_NOTIFY_SMPP_MAX_PER_SECOND": f"{tps:g}",
        "GIS_OUTAGE_NOTIFY_SMPP_ACCOUNT_MAX_PER_SECOND": f"{binds * tps:g}",
        "GIS_OUTAGE_NOTIFY_RATE_LIMIT_URL": broker,
        "GIS_OUTAGE_NOTIFY_QUIET_HOURS_START": "off",
        "GIS_OUTAGE_NOTIFY_QUIET_HOURS_END": "off",
    } | ({"GIS_OUTAGE_NOTIFY_BATCH_SIZE": str(batch)} if batch else {})
    runner = CeleryNotifier(db, folder, port, window, broker, concurrency, extra_env=env)
    try:
        print(f"celery: ready in {runner.ready():.1f} s", flush=True)
        time.sleep(CELERY_SETTLE)  # beat's first rounds (reminders, retention) are behind it
        published = time.time()
        change_status(db, outage_id, "published", "bench")
        event_id = outage_events_for(db, outage_id)[-1].id
        done = runner.wait_done(event_id, timeout)
    finally:
        memory = runner.memory()
        runner.stop()
    rows = deliveries_for_event(db, event_id)
    return {
        "published": published,
        "done": done,
        "sent": sum(d.sent_at is not None for d in rows),
        "statuses": dict(Counter(d.status.value for d in rows)),
        "memory": memory,
    }


def run_bare(
    port: int, messages: list[dict[str, Any]], binds: int, tps: float, window: int
) -> dict[str, Any]:
    """`binds` bare smpplib loops in threads, each paced to `tps`."""
    import smpplib.client
    import smpplib.consts
    import smpplib.exceptions
    import smpplib.gsm

    refused = [0] * binds

    def one(k: int, share: list[dict[str, Any]]) -> None:
        outstanding = 0

        def read() -> None:
            nonlocal outstanding
            try:
                client.read_once()
            except smpplib.exceptions.PDUError:  # throttled: counted, not sent again
                outstanding -= 1
                refused[k] += 1

        def sent(pdu: Any, **_: Any) -> None:
            nonlocal outstanding
            outstanding -= 1

        client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
        client.set_message_sent_handler(sent)
        client.connect()
        client.bind_transmitter(system_id=f"{BARE_ID}-{k}", password="")
        due = time.monotonic()
        for m in share:
            parts, encoding, esm_class = smpplib.gsm.make_parts(m["text"])
            for part in parts:
                while outstanding >= window:
                    read()
                now = time.monotonic()
                due = max(due + 1 / tps, now - 0.05)
                if due > now:
                    time.sleep(due - now)
                client.send_message(
                    source_addr_ton=m["source_ton"], source_addr_npi=m["source_npi"],
                    source_addr=m["source"], dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=m["destination"], short_message=part,
                    data_coding=encoding, esm_class=esm_class, registered_delivery=0,
                )  # fmt: skip
                outstanding += 1
        while outstanding > 0:
            read()
        with contextlib.suppress(Exception):
            client.unbind()
        client.disconnect()

    started = time.time()
    threads = [threading.Thread(target=one, args=(k, messages[k::binds])) for k in range(binds)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"started": started, "refused": sum(refused)}


def sustained(parts: list[dict[str, Any]], messages: int) -> tuple[float, float]:
    """(msg/s from the first part to the last, seconds between them)."""
    if len(parts) < 2:
        return 0.0, 0.0
    times = [p["received_at"] for p in parts]
    span = max(times) - min(times)
    return (messages / span if span else 0.0), span


def bench(n: int, binds: int, tps: float, window: int, batch: int, dsn: str | None,
          timeout: float, notifier: str = "embedded", broker: str = DEFAULT_BROKER,
          concurrency: int = 2) -> dict[str, Any]:  # fmt: skip
    from tests.notifier.smpp_server import join_parts

    with tempfile.TemporaryDirectory(prefix="bench-binds-") as tmp:
        folder = Path(tmp)
        with database(dsn, folder) as db:
            t = time.monotonic()
            outage_id = prepare(db, n)
            print(f"setup: {n:,} numbers in {time.monotonic() - t:.1f} s", flush=True)
            with throttled_smsc(folder / "ours.jsonl", tps) as (port, ours_smsc):
                if notifier == "celery":
                    ours = run_ours_celery(db, outage_id, port, binds, tps, window, batch,
                                           folder, timeout, broker, concurrency)
                else:
                    ours = run_ours(db, outage_id, port, binds, tps, window, batch, folder,
                                    timeout)
                print(f"ours: {ours['sent']:,} sent, done={ours['done']}", flush=True)
                time.sleep(0.3)
        ours_parts = read_parts(folder / "ours.jsonl")
        ours_messages = join_parts(ours_parts)
        with throttled_smsc(folder / "bare.jsonl", tps) as (port, bare_smsc):
            bare = run_bare(port, ours_messages, binds, tps, window)
            time.sleep(0.3)
        bare_parts = read_parts(folder / "bare.jsonl")
    ours_rate, ours_span = sustained(ours_parts, len(ours_messages))
    bare_messages = join_parts(bare_parts)
    bare_rate, bare_span = sustained(bare_parts, len(bare_messages))
    # The contract counts submit_sm PDUs: a text of two parts takes two (the bench's text
    # names a date when the fault started before midnight in Helsinki or ends after it).
    ours_pdus, _ = sustained(ours_parts, len(ours_parts))
    bare_pdus, _ = sustained(bare_parts, len(bare_parts))
    ours_dups = sum(c - 1 for c in Counter(m["destination"] for m in ours_messages).values())
    contracted = binds * tps
    first = min((p["received_at"] for p in ours_parts), default=None)
    return {
        "messages": n, "binds": binds, "tps_per_bind": tps, "window": window,
        "batch_size": batch, "db": "postgresql" if dsn else "sqlite",
        "notifier": "embedded worker" if notifier == "embedded"
        else f"Celery, {concurrency} processes × {binds // concurrency} binds",
        "ours_done": ours["done"], "ours_memory": ours.get("memory", []),
        "contracted_msg_s": contracted,
        "ours_messages": len(ours_messages), "ours_parts": len(ours_parts),
        "ours_binds_used": len({p["bind"] for p in ours_parts}),
        "ours_duplicates": ours_dups, "ours_statuses": ours["statuses"],
        "ours_first_s": first - ours["published"] if first else None,
        "ours_msg_s": ours_rate, "ours_span_s": ours_span,
        "bare_messages": len(bare_messages), "bare_msg_s": bare_rate, "bare_span_s": bare_span,
        "ratio": ours_rate / bare_rate if bare_rate else 0.0,
        "ours_parts_s": ours_pdus, "bare_parts_s": bare_pdus,
        "ours_submits": ours_smsc.get("submits"), "ours_throttled": ours_smsc.get("throttled"),
        "bare_submits": bare_smsc.get("submits"), "bare_throttled": bare_smsc.get("throttled"),
        "bare_refused": bare["refused"],
        "rate_met": ours_pdus >= TARGET * contracted,
        "throttle_met": ours_smsc.get("throttled") == 0,
        "duplicates_met": ours_dups == 0 and len(ours_messages) == n,
    }  # fmt: skip


def print_table(r: dict[str, Any]) -> None:
    contracted = r["contracted_msg_s"]
    rows = [
        ("binds × tps per bind (window)",
         f"{r['binds']} × {r['tps_per_bind']:g} = {contracted:,.0f} msg/s ({r['window']})"),
        ("messages (ours / bare)", f"{r['ours_messages']:,} / {r['bare_messages']:,}"
         f"  (parts ours {r['ours_parts']:,}; binds used {r['ours_binds_used']})"),
        ("notifier / database / batch",
         f"{r['notifier']} / {r['db']} / {r['batch_size'] or 'default'}"),
        ("ours sustained msg/s (first → last)",
         f"{r['ours_msg_s']:,.0f}  ({r['ours_msg_s'] / contracted:.3f} of contracted,"
         f" over {r['ours_span_s']:.1f} s)"),
        ("ours time to first", "-" if r["ours_first_s"] is None else f"{r['ours_first_s']:.2f} s"),
        ("bare smpplib msg/s (same binds, paced)",
         f"{r['bare_msg_s']:,.0f}  ({r['bare_msg_s'] / contracted:.3f} of contracted)"),
        ("ratio ours / bare", f"{r['ratio']:.3f}"),
        ("submit_sm/s ours / bare (the contract's unit)",
         f"{r['ours_parts_s']:,.0f} / {r['bare_parts_s']:,.0f}"
         f"  ({r['ours_parts_s'] / contracted:.3f} / {r['bare_parts_s'] / contracted:.3f})"),
        ("SMSC submits / throttling errors (ours)",
         f"{r['ours_submits']:,} / {r['ours_throttled']}"),
        ("SMSC submits / throttling errors (bare)",
         f"{r['bare_submits']:,} / {r['bare_throttled']}  (bare: those parts are lost)"),
        ("ours duplicates", f"{r['ours_duplicates']}  (statuses {r['ours_statuses']})"),
        (f"target: sustained >= {TARGET:.0%} × {contracted:,.0f} submit_sm/s",
         "met" if r["rate_met"] else "NOT met"),
        ("target: 0 throttling errors", "met" if r["throttle_met"] else "NOT met"),
        ("target: 0 duplicates, all sent", "met" if r["duplicates_met"] else "NOT met"),
    ]  # fmt: skip
    if r["ours_memory"]:
        rows.append(("ours memory (MiB, per process)", describe_memory(r["ours_memory"])))
    print_rows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--quick", action="store_true", help="10,000 messages")
    parser.add_argument("--binds", type=int, default=4)
    parser.add_argument("--tps", type=float, default=250.0, help="submits per second per bind")
    parser.add_argument("--window", type=int, default=10, help="per bind, both")
    parser.add_argument("--batch-size", type=int, help="ours; default: the setting's default")
    parser.add_argument("--db", default=None,
                        help="PostgreSQL server URL; default SQLite (embedded), "
                        "GIS_OUTAGE_BENCH_PG_URL or the local server (celery)")
    parser.add_argument("--notifier", choices=["embedded", "celery"], default="embedded")
    parser.add_argument("--broker", default=DEFAULT_BROKER, help="celery: broker and rates")
    parser.add_argument("--concurrency", type=int, default=2, help="celery worker processes")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    n = 10_000 if args.quick else args.messages
    if args.notifier == "celery":
        if args.concurrency < 1 or args.binds % args.concurrency:
            parser.error(f"--binds {args.binds} do not split evenly between "
                         f"--concurrency {args.concurrency} Celery processes")
        if not args.broker.startswith(("redis://", "rediss://", "unix://")):
            parser.error("--broker: the account's rate is kept in Redis; give a redis:// URL")
        args.db = args.db or DEFAULT_DSN
    load_before = os.getloadavg()
    result = bench(n, args.binds, args.tps, args.window, args.batch_size, args.db, args.timeout,
                   args.notifier, args.broker, args.concurrency)
    report(result, load_before, print_table, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
