"""`gis-outage doctor`: check a deployment and say, one line per check, what is wrong.

Checks the database (reachable; PostgreSQL + PostGIS or SQLite version), pending
migrations, the same for the public map's read replica when one is set, the broker
when one is configured, TCP reachability of the SMTP and SMPP servers of the configured
providers, that the SIP trunk answers an OPTIONS request, and that the data dir is
writable. It warns (without failing) about a channel whose only provider is `demo`:
nothing would reach residents on it. Credentials never appear in the output:
URLs are printed with their passwords masked.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from .config import NotifySettings, Settings, get_settings, load_settings

TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # works, but probably not as meant; does not fail the run

    def line(self) -> str:
        state = "FAIL" if not self.ok else "WARN" if self.warning else "ok  "
        return f"{state} {self.name}: {self.detail}"


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


def check_database(engine: sa.Engine, name: str = "database") -> Check:
    from .storage.db import server_versions

    where = safe_url(engine.url.render_as_string(hide_password=False))
    try:
        backend, server, postgis = server_versions(engine)
    except Exception as exc:  # any failure to connect is the finding itself
        return Check(name, False, f"cannot connect to {where}: {_one_line(exc)}")
    if backend == "SQLite":
        return Check(name, True, f"SQLite {server} at {where}")
    if postgis is None:
        return Check(
            name,
            False,
            f"PostgreSQL {server} at {where} has no PostGIS: run CREATE EXTENSION postgis",
        )
    return Check(name, True, f"PostgreSQL {server}, PostGIS {postgis} at {where}")


def check_migrations(engine: sa.Engine, name: str = "migrations") -> Check:
    from .storage.db import current_revision, head_revision

    head = head_revision()
    try:
        current = current_revision(engine)
    except Exception as exc:
        return Check(name, False, f"cannot read the schema revision: {_one_line(exc)}")
    if current == head:
        return Check(name, True, f"schema at head ({head})")
    return Check(
        name,
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


def check_sip(host: str, port: int, transport: str) -> Check:
    """Any SIP answer to OPTIONS (200, or 401/403/405 from a trunk that wants more) shows
    the trunk is there; a UDP trunk cannot be seen any other way."""
    tag = secrets.token_hex(6)
    request = (
        f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport.upper()} 0.0.0.0:9;branch=z9hG4bK{tag};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"To: <sip:{host}:{port}>\r\n"
        f"From: <sip:doctor@gis-outage.invalid>;tag={tag}\r\n"
        f"Call-ID: {tag}@gis-outage.invalid\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    where = f"{host}:{port} ({transport})"
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=kind)[0]
        with socket.socket(family, kind) as sock:
            sock.settimeout(TIMEOUT_SECONDS)
            sock.connect(address)
            sock.sendall(request)
            answer = sock.recv(2048).split(b"\r\n", 1)[0].decode("ascii", "replace")
    except OSError as exc:
        return Check("sip", False, f"no answer to OPTIONS from {where}: {_one_line(exc)}")
    if not answer.startswith("SIP/2.0 "):
        return Check("sip", False, f"{where} did not answer in SIP")
    return Check("sip", True, f"{where} answers OPTIONS: {answer[8:]}")


def check_data_dir(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data dir", False, f"{path} is not writable: {_one_line(exc)}")
    return Check("data dir", True, f"{path} is writable")


def provider_checks(notifier: NotifySettings) -> list[Check]:
    """Reachability of the SMTP/SMPP servers and the SIP trunk of the configured providers."""
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
    if "sip" in names:
        checks.append(check_sip(notifier.sip_host, notifier.sip_port, notifier.sip_transport))
    return checks


def demo_only_check(notifier: NotifySettings) -> Check | None:
    """A warning for the channels whose only provider is `demo`, which keeps messages at
    /demo/messages instead of sending them."""
    demo = [c for c in ("sms", "email", "voice") if notifier.provider_names(c) == ["demo"]]
    if not demo:
        return None
    what = ("every channel: nothing is sent to residents" if len(demo) == 3
            else f"{', '.join(demo)}: those messages are not sent")
    variables = ", ".join(f"GIS_OUTAGE_NOTIFY_{c.upper()}_PROVIDERS" for c in demo)
    return Check("providers", True, f"only the demo provider on {what} ({variables})",
                 warning=True)


def database_checks(url: str, setting: str, prefix: str = "") -> list[Check]:
    """Reachability and schema revision of the database at `url` (named by `setting`)."""
    name = f"{prefix} database" if prefix else "database"
    migrations = f"{prefix} migrations" if prefix else "migrations"
    try:
        engine = _engine(url)
    except Exception as exc:  # the message may repeat the URL with its password
        detail = f"{setting} is not a SQLite or PostgreSQL URL ({type(exc).__name__})"
        return [Check(name, False, detail), Check(migrations, False, "not checked: no database")]
    try:
        database = check_database(engine, name)
        if not database.ok:
            return [database, Check(migrations, False, "not checked: no database")]
        return [database, check_migrations(engine, migrations)]
    finally:
        engine.dispose()


def run_checks(settings: Settings | None = None) -> list[Check]:
    """Every check for this deployment, in a fixed order."""
    settings = settings or get_settings()
    checks = [check_data_dir(settings)]
    checks.extend(database_checks(settings.effective_database_url, "GIS_OUTAGE_DATABASE_URL"))
    if settings.read_database_url:
        checks.extend(
            database_checks(
                settings.read_database_url, "GIS_OUTAGE_READ_DATABASE_URL", "read replica"
            )
        )
    if settings.broker_url:
        checks.append(check_broker(settings.broker_url))
    else:
        checks.append(Check("broker", True, "none configured: in-process worker"))
    checks.extend(provider_checks(settings.notify))
    demo = demo_only_check(settings.notify)
    return checks + ([demo] if demo else [])


def main_doctor(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Print one line per check; 0 when all pass, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="gis-outage doctor", description=__doc__)
    parser.parse_args(argv)
    checks = run_checks(settings or load_settings())
    for check in checks:
        print(check.line())
    failed = [check.name for check in checks if not check.ok]
    warned = [check.name for check in checks if check.warning]
    counted = len(checks) - len(warned)
    print(
        f"{counted - len(failed)}/{counted} checks passed"
        + (f"; failing: {', '.join(failed)}" if failed else "")
        + (f"; warning: {', '.join(warned)}" if warned else "")
    )
    return 1 if failed else 0
