"""`gis-outage doctor` against real servers: PostgreSQL/PostGIS, Redis, RabbitMQ, TCP."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from gis_outage.config import NotifySettings, Settings
from gis_outage.doctor import Check, main_doctor, provider_checks, run_checks
from gis_outage.storage.db import downgrade, make_engine, migrate, normalize_url
from tests.conftest import PG_ADMIN_URL
from tests.notifier.sip_peer import SipPeer, baresip_binary

REDIS_URL = os.environ.get("GIS_OUTAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("GIS_OUTAGE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def listener() -> Iterator[int]:
    """A loopback TCP port that accepts connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


@pytest.fixture
def bare_pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database without PostGIS; dropped afterwards."""
    admin = sa.create_engine(
        normalize_url(PG_ADMIN_URL),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    name = f"gis_outage_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc.orig}")
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def test_postgis_redis_all_ok(tmp_path: Path, postgis_url: str, listener: int) -> None:
    migrate(make_engine(postgis_url))
    settings = Settings(data_dir=tmp_path, database_url=postgis_url, broker_url=REDIS_URL)
    notifier = settings.with_changes(notify=dict(
        sms_providers="smpp",
        email_providers="smtp",
        voice_providers="demo",
        smpp_host="127.0.0.1",
        smpp_port=listener,
        smtp_host="127.0.0.1",
        smtp_port=listener,
    ))
    checks = _by_name(run_checks(notifier))
    assert all(check.ok for check in checks.values()), [c.line() for c in checks.values()]
    assert set(checks) == {"data dir", "database", "migrations", "broker", "smpp", "smtp",
                           "providers"}
    assert checks["providers"].warning and "on voice" in checks["providers"].detail
    assert checks["database"].detail.startswith("PostgreSQL ")
    assert ", PostGIS 3" in checks["database"].detail
    assert "at head" in checks["migrations"].detail


def test_postgresql_without_postgis(tmp_path: Path, bare_pg_url: str) -> None:
    checks = _by_name(
        run_checks(Settings(data_dir=tmp_path, database_url=bare_pg_url))
    )
    assert not checks["database"].ok
    assert "CREATE EXTENSION postgis" in checks["database"].detail


def test_rabbitmq_broker(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, broker_url=RABBITMQ_URL)
    broker = _by_name(run_checks(settings))["broker"]
    assert broker.ok, broker.line()
    assert "guest:guest" not in broker.detail  # the password is masked


def test_unreachable_servers_fail_with_clear_lines(tmp_path: Path) -> None:
    port = _free_port()
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql://gis:sekret-db@127.0.0.1:{port}/gis",
        broker_url=f"redis://:sekret-broker@127.0.0.1:{port}/0",
    )
    notifier = settings.with_changes(notify=dict(
        sms_providers="smpp,smpp2",
        email_providers="smtp",
        smpp_port=port,
        smtp_port=port,
        smpp_password="sekret-smpp",
        smtp_password="sekret-smtp",
    ))
    checks = _by_name(run_checks(notifier))
    lines = "\n".join(check.line() for check in checks.values())
    assert "sekret" not in lines
    for name in ("database", "migrations", "broker", "smpp", "smpp2", "smtp"):
        assert not checks[name].ok, name
    assert checks["data dir"].ok
    assert checks["smpp"].line().startswith(f"FAIL smpp: cannot reach 127.0.0.1:{port}: ")
    assert "refused" in checks["smpp"].detail.lower()
    assert checks["database"].detail.startswith("cannot connect to postgresql+psycopg://gis:***@")
    assert "GIS_OUTAGE_NOTIFY_SMPP2_HOST" in checks["smpp2"].detail
    assert all("\n" not in check.line() for check in checks.values())


def test_sqlite_with_pending_migration(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gis-outage.sqlite'}")
    migrate(engine)
    downgrade(engine, "-1")
    engine.dispose()
    checks = _by_name(run_checks(Settings(data_dir=tmp_path)))
    assert checks["database"].ok and checks["database"].detail.startswith("SQLite 3.")
    assert not checks["migrations"].ok
    assert "run `gis-outage migrate`" in checks["migrations"].detail
    assert checks["broker"].ok  # none configured: the in-process worker


def test_data_dir_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    check = _by_name(
        run_checks(Settings(data_dir=blocker / "data", database_url=None))
    )["data dir"]
    assert not check.ok and "not writable" in check.detail


def test_main_doctor_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("GIS_OUTAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GIS_OUTAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GIS_OUTAGE_NOTIFY_SMS_PROVIDERS", "demo")
    monkeypatch.setenv("GIS_OUTAGE_NOTIFY_EMAIL_PROVIDERS", "demo")
    assert main_doctor([]) == 1  # a new SQLite file: never migrated
    out = capsys.readouterr().out
    assert "FAIL migrations: schema at nothing (never migrated)" in out
    assert out.rstrip().splitlines()[-1] == (
        "3/4 checks passed; failing: migrations; warning: providers")

    migrate(make_engine(Settings(data_dir=tmp_path / "data").effective_database_url))
    assert main_doctor([]) == 0  # a warning does not fail the run
    out = capsys.readouterr().out
    assert ("WARN providers: only the demo provider on every channel: nothing is sent to "
            "residents") in out
    assert out.rstrip().endswith("4/4 checks passed; warning: providers")


def test_a_channel_left_on_demo_is_named(tmp_path: Path, listener: int) -> None:
    settings = Settings(data_dir=tmp_path).with_changes(notify=dict(
        sms_providers="smpp", smpp_host="127.0.0.1", smpp_port=listener,
        voice_providers="sip,demo"))  # demo as the last fallback is no warning
    checks = _by_name(run_checks(settings))
    assert checks["providers"].warning and checks["providers"].ok
    assert checks["providers"].detail == (
        "only the demo provider on email: those messages are not sent "
        "(GIS_OUTAGE_NOTIFY_EMAIL_PROVIDERS)")


def test_bad_urls_are_reported_without_their_passwords(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="mysql://gis:sekret-db@127.0.0.1/gis",
        broker_url="nosuchtransport://user:sekret-broker@127.0.0.1//",
    )
    checks = _by_name(run_checks(settings))
    lines = "\n".join(check.line() for check in checks.values())
    assert "sekret" not in lines
    assert "GIS_OUTAGE_DATABASE_URL is not a SQLite or PostgreSQL URL" in checks["database"].detail
    assert not checks["migrations"].ok
    assert not checks["broker"].ok


def test_read_replica_is_checked_like_the_primary(tmp_path: Path, postgis_url: str) -> None:
    migrate(make_engine(postgis_url))
    replica = make_engine(f"sqlite:///{tmp_path / 'replica.sqlite'}")
    migrate(replica)
    downgrade(replica, "-1")  # a replica that has not caught up with a migration
    replica.dispose()
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgis_url,
        read_database_url=f"sqlite:///{tmp_path / 'replica.sqlite'}",
    )
    checks = _by_name(run_checks(settings))
    assert checks["database"].ok and checks["migrations"].ok
    assert checks["read replica database"].ok, checks["read replica database"].line()
    assert checks["read replica database"].detail.startswith("SQLite 3.")
    assert not checks["read replica migrations"].ok
    assert "run `gis-outage migrate`" in checks["read replica migrations"].detail

    port = _free_port()
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgis_url,
        read_database_url=f"postgresql://gis:sekret-replica@127.0.0.1:{port}/gis",
    )
    checks = _by_name(run_checks(settings))
    assert checks["database"].ok
    line = checks["read replica database"].line()
    assert line.startswith("FAIL read replica database: cannot connect to ")
    assert "sekret" not in line
    assert checks["read replica migrations"].detail == "not checked: no database"


def test_no_replica_check_without_a_replica(tmp_path: Path) -> None:
    checks = _by_name(run_checks(Settings(data_dir=tmp_path)))
    assert not any(name.startswith("read replica") for name in checks)


@pytest.mark.skipif(baresip_binary() is None, reason="baresip (the SIP peer) is not installed")
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_sip_trunk_is_checked_with_options(tmp_path: Path, transport: str) -> None:
    with SipPeer(tmp_path / "peer") as peer:
        up = NotifySettings(voice_providers="sip", sip_port=peer.port, sip_transport=transport)
        [check] = provider_checks(up)
    assert check.ok, check.line()
    assert check.line().startswith(f"ok   sip: 127.0.0.1:{peer.port} ({transport}) answers")
    port = _free_port()
    down = NotifySettings(voice_providers="sip,demo", sip_port=port, sip_transport=transport)
    [check] = provider_checks(down)
    assert not check.ok
    assert check.line().startswith(f"FAIL sip: no answer to OPTIONS from 127.0.0.1:{port}")
