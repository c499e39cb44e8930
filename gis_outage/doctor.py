"""`gis-outage doctor`: check a deployment and say, one line per check, what is wrong.

Checks the database (reachable; PostgreSQL + PostGIS or SQLite version), pending
migrations, the broker when one is configured, TCP reachability of the SMTP and SMPP
servers of the configured providers, and that the data dir is writable. Credentials
never appear in the output: URLs are printed with their passwords masked.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from .config import Settings, get_settings

if TYPE_CHECKING:
    from notifier.settings import NotifierSettings

TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def safe_url(url: str) -> str:
    """`url` with any password masked."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _engine(url: str) -> sa.Engine:
    from .storage.db import make_engine, normalize_url

    if normalize_url(url).get_backend_name() == "postgresql":
        return make_engine(url, connect_args={"connect_timeout": int(TIMEOUT_SECONDS)})
    return make_engine(url)


def check_database(engine: sa.Engine) -> Check:
    where = safe_url(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                version = conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()
                return Check("database", True, f"SQLite {version} at {where}")
            server = conn.exec_driver_sql("SHOW server_version").scalar_one()
            postgis = conn.exec_driver_sql(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
            ).scalar()
    except Exception as exc:  # any failure to connect is the finding itself
        return Check("database", False, f"cannot connect to {where}: {_one_line(exc)}")
    if postgis is None:
        return Check(
            "database",
            False,
            f"PostgreSQL {server} at {where} has no PostGIS: run CREATE EXTENSION postgis",
        )
    return Check("database", True, f"PostgreSQL {server}, PostGIS {postgis} at {where}")


def check_migrations(engine: sa.Engine) -> Check:
    from .storage.db import current_revision, head_revision

    head = head_revision()
    try:
        current = current_revision(engine)
    except Exception as exc:
        return Check("migrations", False, f"cannot read the schema revision: {_one_line(exc)}")
    if current == head:
        return Check("migrations", True, f"schema at head ({head})")
    return Check(
        "migrations",
        False,
        f"schema at {current or 'nothing (never migrated)'}, head is {head}: "
        "run `gis-outage migrate`",
    )


def check_broker(url: str) -> Check:
    from kombu import Connection

    try:
        conn = Connection(url, connect_timeout=TIMEOUT_SECONDS)
        where = conn.as_uri()  # kombu masks the password
    except Exception as exc:  # the message may repeat the URL with its password
        return Check("broker", False, f"GIS_OUTAGE_BROKER_URL is not usable ({type(exc).__name__})")
    try:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    except Exception as exc:
        return Check("broker", False, f"cannot connect to {where}: {_one_line(exc)}")
    finally:
        conn.release()
    return Check("broker", True, f"connected to {where}")


def check_tcp(name: str, host: str, port: int) -> Check:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS):
            pass
    except OSError as exc:
        return Check(name, False, f"cannot reach {host}:{port}: {_one_line(exc)}")
    return Check(name, True, f"{host}:{port} accepts connections")


def check_data_dir(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data dir", False, f"{path} is not writable: {_one_line(exc)}")
    return Check("data dir", True, f"{path} is writable")


def provider_checks(notifier: NotifierSettings) -> list[Check]:
    """TCP reachability of the SMTP/SMPP servers of the configured providers."""
    names = {
        name for channel in ("sms", "email", "voice") for name in notifier.provider_names(channel)
    }
    checks = []
    if "smpp" in names:
        checks.append(check_tcp("smpp", notifier.smpp_host, notifier.smpp_port))
    if "smpp2" in names:
        if notifier.smpp2_host:
            checks.append(check_tcp("smpp2", notifier.smpp2_host, notifier.smpp2_port))
        else:
            checks.append(Check("smpp2", False, "GIS_OUTAGE_NOTIFY_SMPP2_HOST is not set"))
    if "smtp" in names:
        checks.append(check_tcp("smtp", notifier.smtp_host, notifier.smtp_port))
    return checks


def run_checks(
    settings: Settings | None = None, notifier: NotifierSettings | None = None
) -> list[Check]:
    """Every check for this deployment, in a fixed order."""
    from notifier.settings import NotifierSettings

    settings = settings or get_settings()
    notifier = notifier or NotifierSettings()
    checks = [check_data_dir(settings)]
    try:
        engine = _engine(settings.effective_database_url)
    except Exception as exc:  # the message may repeat the URL with its password
        detail = f"GIS_OUTAGE_DATABASE_URL is not a SQLite or PostgreSQL URL ({type(exc).__name__})"
        checks.append(Check("database", False, detail))
        checks.append(Check("migrations", False, "not checked: no database"))
    else:
        try:
            database = check_database(engine)
            checks.append(database)
            if database.ok:
                checks.append(check_migrations(engine))
            else:
                checks.append(Check("migrations", False, "not checked: no database"))
        finally:
            engine.dispose()
    if settings.broker_url:
        checks.append(check_broker(settings.broker_url))
    else:
        checks.append(Check("broker", True, "none configured: in-process worker"))
    checks.extend(provider_checks(notifier))
    return checks


def main_doctor(argv: Sequence[str] | None = None) -> int:
    """Print one line per check; 0 when all pass, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="gis-outage doctor", description=__doc__)
    parser.parse_args(argv)
    checks = run_checks(Settings())
    for check in checks:
        print(check.line())
    failed = [check.name for check in checks if not check.ok]
    print(
        f"{len(checks) - len(failed)}/{len(checks)} checks passed"
        + (f"; failing: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
