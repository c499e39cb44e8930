"""gis_outage.storage.portal on both backends (SQLite and PostgreSQL + PostGIS):
atomic rate limits and PIN tries under racing workers, logins, move-out purges,
retention, export and erasure, and migration 0002 up and down."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.move_outs import MoveOutFileError, import_move_outs, read_move_outs
from gis_outage.services.notification import describe_retention, retention
from gis_outage.storage.db import current_revision, downgrade, head_revision, migrate
from gis_outage.storage.logins import complete_login, create_challenge, take_attempt
from gis_outage.storage.move_outs import MoveOut, purge_move_outs
from gis_outage.storage.rate_limits import RateLimit, take_rate_limits
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.retention import run_retention
from gis_outage.storage.schema import deliveries, utcnow
from gis_outage.storage.subscriber_records import erase_subscriber, export_subscriber
from gis_outage.storage.subscriptions import save_subscriptions
from tests.map_server.data import add_addresses
from tests.notifier.outage_data import deliveries_with_one_old

PHONE = "+358401234567"


def race(workers: int, work) -> list:
    results: list = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def run() -> None:
        start.wait()
        value = work()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_rate_limit_is_atomic_across_workers(db_engine: Engine) -> None:
    limits = [RateLimit("destination", "ab" * 32, 5, timedelta(minutes=15))]
    outcomes = race(16, lambda: take_rate_limits(db_engine, limits))
    assert outcomes.count(None) == 5 and outcomes.count("destination") == 11
    # Another bucket has its own count; an old event no longer counts.
    assert take_rate_limits(db_engine, [RateLimit("x", "cd" * 32, 1, timedelta(hours=1))]) is None
    later = utcnow() + timedelta(minutes=16)
    assert take_rate_limits(db_engine, limits, now=later) is None


def challenge(db: Engine, token: str = "t" * 64, **kw) -> int:
    values = {
        "token_hash": token,
        "destination": PHONE,
        "channel": "sms",
        "pin_hash": "p" * 64,
        "language": "fi",
        "name": "Maija",
        "expires_at": utcnow() + timedelta(minutes=10),
        **kw,
    }
    return create_challenge(db, **values)


def test_pin_tries_are_counted_atomically(db_engine: Engine) -> None:
    challenge(db_engine)
    tries = race(12, lambda: take_attempt(db_engine, "t" * 64, 5))
    counted = sorted(t.attempts for t in tries if t is not None)
    assert counted == [1, 2, 3, 4, 5]
    challenge(db_engine, "e" * 64, expires_at=utcnow() - timedelta(seconds=1))
    assert take_attempt(db_engine, "e" * 64, 5) is None


def test_a_challenge_logs_in_once_and_finds_the_subscriber_later(db_engine: Engine) -> None:
    add_addresses(db_engine)
    first = challenge(db_engine, email="maija@example.fi")
    expires = utcnow() + timedelta(hours=1)
    logins = race(
        4,
        lambda: complete_login(
            db_engine, first, session_token_hash=f"s{threading.get_ident():063d}"[:64],
            session_expires_at=expires,
        ),
    )  # fmt: skip
    [login] = [x for x in logins if x is not None]
    assert login.created and login.email_to_verify == "maija@example.fi"
    again = challenge(db_engine, "u" * 64, name="Other")
    later = complete_login(
        db_engine, again, session_token_hash="v" * 64, session_expires_at=expires
    )
    assert later is not None and not later.created
    assert later.subscriber_id == login.subscriber_id
    # The unproven e-mail claim goes to whoever proves the address by PIN.
    mail = challenge(db_engine, "w" * 64, destination="maija@example.fi", channel="email")
    other = complete_login(db_engine, mail, session_token_hash="x" * 64, session_expires_at=expires)
    assert other is not None and other.created and other.subscriber_id != login.subscriber_id


def subscriber_with(db: Engine, address: str, **values) -> int:
    token = f"{address}-{values.get('phone')}-{values.get('customer_number')}".ljust(64, "-")
    made = complete_login(
        db,
        challenge(db, token[:64], destination=values.get("phone") or PHONE),
        session_token_hash=("s" + token)[:64],
        session_expires_at=utcnow() + timedelta(hours=1),
    )
    assert made is not None
    save_subscriptions(db, made.subscriber_id, address, ["water"], values)
    return made.subscriber_id


def count(db: Engine, table: str) -> int:
    with db.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_move_outs_purge_matching_registrations(db_engine: Engine) -> None:
    add_addresses(db_engine)
    by_number = subscriber_with(db_engine, "A1", phone=PHONE, customer_number="C 100")
    by_phone = subscriber_with(db_engine, "A2", phone="+358451112233")
    stays = subscriber_with(db_engine, "A1", phone="+358501234567", customer_number="C-200")
    elsewhere = subscriber_with(db_engine, "A3", phone="+358451112233")  # same phone, other place
    result = purge_move_outs(
        db_engine,
        [
            MoveOut(2, "A1", customer_number="c100"),  # case and spaces ignored
            MoveOut(3, "A2", phone="+358451112233"),
            MoveOut(4, "A5", customer_number="C-200"),  # nobody registered there
        ],
    )
    assert (result.rows, result.matched_rows) == (3, 2)
    assert (result.subscriptions_deleted, result.subscribers_deleted) == (2, 1)
    with db_engine.connect() as conn:
        left = conn.execute(sa.text("SELECT subscriber_id, address_id FROM subscriptions")).all()
        people = set(conn.execute(sa.text("SELECT id FROM subscribers")).scalars())
    assert sorted(left) == sorted([(stays, "A1"), (by_phone, "A3")])
    assert by_number not in people and {stays, by_phone} <= people
    assert elsewhere == by_phone  # one person: the same phone logs in to the same subscriber


def test_retention_deletes_old_delivery_logs_and_expired_portal_rows(db_engine: Engine) -> None:
    add_addresses(db_engine)
    deliveries_with_one_old(db_engine, PHONE, "+358451112233", timedelta(days=400))
    challenge(db_engine, "old".ljust(64, "-"), expires_at=utcnow() - timedelta(minutes=1))
    challenge(db_engine, "new".ljust(64, "-"))
    done = run_retention(db_engine, delivery_log_age=timedelta(days=365))
    assert (done.deliveries, done.challenges) == (1, 1)
    with db_engine.connect() as conn:
        assert conn.execute(sa.select(deliveries.c.destination)).scalars().all() == [
            "+358451112233"
        ]
    assert count(db_engine, "portal_pin_challenges") == 1
    settings = Settings()
    report = describe_retention(retention(db_engine, settings), settings)
    assert "deleted 0 delivery logs older than 365 days" in report


def test_export_and_erase(db_engine: Engine) -> None:
    add_addresses(db_engine)
    me = subscriber_with(db_engine, "A1", phone=PHONE, email="maija@example.fi")
    other = subscriber_with(db_engine, "A2", phone="+358451112233")
    add_opt_out(db_engine, PHONE, "sms")
    data = export_subscriber(db_engine, me, {PHONE})
    assert data["subscriber"]["name"] == "Maija"
    assert [s["address"]["address_id"] for s in data["subscriptions"]] == ["A1"]
    assert [o["destination"] for o in data["opt_outs"]] == [PHONE]
    assert erase_subscriber(db_engine, me)
    assert not erase_subscriber(db_engine, me)
    with db_engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT id FROM subscribers")).scalars()) == {other}
    assert count(db_engine, "opt_outs") == 1  # kept: the block must outlive the data
    assert count(db_engine, "portal_sessions") == 1  # only the other person's


def test_migration_0002_down_and_up(db_engine: Engine) -> None:
    downgrade(db_engine, "0001")
    assert current_revision(db_engine) == "0001"
    assert not {n for n in sa.inspect(db_engine).get_table_names() if n.startswith("portal_")}
    migrate(db_engine, "0002")
    assert current_revision(db_engine) == "0002"
    assert {n for n in sa.inspect(db_engine).get_table_names() if n.startswith("portal_")} == {
        "portal_logins", "portal_pin_challenges", "portal_sessions", "portal_rate_events"
    }  # fmt: skip
    migrate(db_engine)
    assert current_revision(db_engine) == head_revision()


def test_migration_0005_proves_only_the_accounts_own_login_numbers(db_engine: Engine) -> None:
    """Numbers already on subscriptions count as proven where they are the account's
    PIN-verified login; any other (typed in, maybe someone else's) waits for its PIN."""
    add_addresses(db_engine)
    downgrade(db_engine, "0004_street_names")
    now = utcnow()
    with db_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO subscribers (id, name, language, created_at) "
                             "VALUES (1, 'Maija', 'fi', :now)"), {"now": now})  # fmt: skip
        conn.execute(
            sa.text("INSERT INTO portal_logins (subscriber_id, destination, channel, "
                    "verified_at, created_at) VALUES (1, :p, 'sms', :now, :now)"),
            {"p": PHONE, "now": now},
        )  # fmt: skip
        for address, phone in (("A1", PHONE), ("A2", "+358451112233")):
            conn.execute(
                sa.text("INSERT INTO subscriptions (subscriber_id, address_id, service, phone, "
                        "role, created_at) VALUES (1, :a, 'water', :p, 'resident', :now)"),
                {"a": address, "p": phone, "now": now},
            )  # fmt: skip
    migrate(db_engine)
    assert current_revision(db_engine) == head_revision()
    with db_engine.connect() as conn:
        proven = dict(conn.execute(sa.text(
            "SELECT phone, phone_verified_at IS NOT NULL FROM subscriptions"
        )).all())  # fmt: skip
    assert proven == {PHONE: True, "+358451112233": False}
    downgrade(db_engine, "0004_street_names")
    assert "phone_verified_at" not in {c["name"] for c in sa.inspect(db_engine).get_columns(
        "subscriptions")}  # fmt: skip
    migrate(db_engine)


# -- the move-out CSV ------------------------------------------------------------------------


def test_move_out_csv_columns_and_row_problems(db_engine: Engine, tmp_path: Path) -> None:
    add_addresses(db_engine)
    subscriber_with(db_engine, "A1", phone=PHONE, customer_number="100")
    subscriber_with(db_engine, "A2", phone="+358451112233")
    path = tmp_path / "moves.csv"
    path.write_text(
        "\ufeffAddress_ID;Customer_Number;Phone;Moved_Out_On;Extra\n"
        "A1;100;;2026-11-01;x\n"
        "A2;;045 111 2233;;\n"
        ";200;;;\n"
        "A3;;12;;\n"
        "A4;;;;\n"
        "A5;300;;1.11.2026;\n"
        ";;;;\n",
        encoding="utf-8",
    )
    report = import_move_outs(path, Settings(), db_engine)
    assert report.startswith("moves.csv: 2 move-outs read, 2 matched a registration;")
    assert "2 subscriptions and 2 subscribers deleted" in report
    assert "4 rows skipped:" in report
    for line, reason in [(4, "no address_id"), (5, "phone is not a valid number"),
                         (6, "neither customer_number nor phone"),
                         (7, "moved_out_on is not a YYYY-MM-DD date")]:  # fmt: skip
        assert f"line {line}: {reason}" in report
    assert "045" not in report and "300" not in report  # no values from the file
    assert count(db_engine, "subscriptions") == 0


def test_move_out_csv_that_cannot_be_used(tmp_path: Path) -> None:
    rows, problems = read_move_outs("address_id,customer_number\nA1,9\n")
    assert [(r.address_id, r.customer_number) for r in rows] == [("A1", "9")] and not problems
    for text in ("id,phone\nA1,0401234567\n", "address_id,name\nA1,x\n", ""):
        try:
            read_move_outs(text)
        except MoveOutFileError:
            continue
        raise AssertionError(f"accepted {text!r}")
    missing = tmp_path / "missing.csv"
    try:
        import_move_outs(missing, Settings(), None)  # type: ignore[arg-type]
    except MoveOutFileError as exc:
        assert "cannot read" in str(exc)
    else:
        raise AssertionError("read a missing file")
