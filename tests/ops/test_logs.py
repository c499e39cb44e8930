"""Structured logs without personal data, from real processes.

The web app (uvicorn) and the embedded notifier worker run as processes with
GIS_OUTAGE_LOG_FORMAT=json. Through them an engineer publishes an outage that is sent
by SMS over SMPP (tests/notifier/smpp_server.py) and by e-mail over SMTP (aiosmtpd), a
resident asks the portal for a PIN and someone searches an address. Every line either
process wrote must be a JSON object with the required keys, and none of the numbers,
e-mail addresses, names, addresses or message texts of the test data may appear.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gis_outage.logs import RedactFilter, configure_logging, make_handler, redact
from gis_outage.storage.addresses import upsert_addresses
from gis_outage.storage.db import make_engine, migrate
from gis_outage.storage.directory import replace_directory
from gis_outage.storage.networks import save_network
from gis_outage.storage.users import create_token, create_user
from notifier.celery_app import PURPOSES
from tests.map_server.data import new_outage
from tests.map_server.portal.conftest import Mailbox
from tests.map_server.test_api import helsinki_water
from tests.notifier.conftest import free_port
from tests.notifier.outage_data import add_subscription
from tests.notifier.smpp_server import SmppServer
from tests.processes import Process, WebApp, child_env, wait_for

REQUIRED = {"timestamp", "level", "logger", "message"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
WAIT = 60.0

# Personal data of the test: none of it may reach a log line, in any of its forms.
DIRECTORY = {"A1": "+358401234567", "A2": "+358451112233", "A3": "+358501234321"}
SUBSCRIBER = ("Maija Meikäläinen", "maija.meikalainen@example.fi", "A2")
PORTAL_PERSON = ("Pekka Isännöitsijä", "0442223344", "+358442223344", "pekka@example.org")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def personal_strings() -> list[str]:
    phones = [*DIRECTORY.values(), PORTAL_PERSON[2]]
    forms = []
    for phone in phones:
        forms += [phone, phone.lstrip("+"), "0" + phone.removeprefix("+358")]
    return [
        *forms,
        PORTAL_PERSON[1],
        SUBSCRIBER[0],
        SUBSCRIBER[1],
        PORTAL_PERSON[0],
        PORTAL_PERSON[3],
        "Meikäläinen",
        "Isännöitsijä",
        # addresses: streets of the data (with or without their house numbers)
        "Mannerheimintie",
        "Aleksanterinkatu",
        "Bulevardi",
    ]


def prepare(db_url: str) -> str:
    """Network, addresses, directory numbers and a subscriber; returns an API token."""
    db = make_engine(db_url)
    migrate(db)
    layers = helsinki_water()
    upsert_addresses(db, layers["addresses"])
    save_network(db, "water", layers, source_name="test.gpkg")
    replace_directory(
        db,
        [{"phone": p, "address_id": a, "number_type": "mobile"} for a, p in DIRECTORY.items()],
        "operator-x",
    )
    name, email, address = SUBSCRIBER
    add_subscription(db, address, email=email, name=name)
    create_user(db, "engineer-user", "engineer")
    token = create_token(db, "engineer-user")
    db.dispose()
    return token


def parse_lines(output: str, source: str) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(output.splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"{source} line {number} is not JSON: {line!r}") from None
        assert isinstance(record, dict), (source, number, line)
        assert record.keys() >= REQUIRED, (source, number, line)
        assert TIMESTAMP.match(record["timestamp"]), record["timestamp"]
        records.append(record)
    return records


def provider_settings(smpp: SmppServer, mailbox: Mailbox) -> dict[str, str]:
    """SMS to the test SMSC, e-mail to the test mailbox, voice to the demo provider."""
    return {
        "notify_sms_providers": "smpp",
        "notify_smpp_host": "127.0.0.1",
        "notify_smpp_port": str(smpp.port),
        "notify_email_providers": "smtp",
        "notify_smtp_host": "127.0.0.1",
        "notify_smtp_port": str(mailbox.port),  # type: ignore[attr-defined]
        "notify_smtp_from": "katkot@vesi.example",
        "notify_voice_providers": "demo",
    }


def test_real_processes_log_json_lines_without_personal_data(
    tmp_path: Path, smpp: SmppServer, mailbox: Mailbox
) -> None:
    db_url = f"sqlite:///{tmp_path / 'gis-outage.sqlite'}"
    token = prepare(db_url)
    port = free_port()
    env = child_env(
        database_url=db_url,
        data_dir=str(tmp_path),
        public_url=f"http://127.0.0.1:{port}",
        log_format="json",
        log_level="DEBUG",
        **provider_settings(smpp, mailbox),
        notify_poll_seconds="0.1",
        portal_secret_key="log-test-key",
        portal_cookie_secure="false",  # plain http on loopback: httpx keeps no Secure cookie
        # The look-up answers per address even for this small outage (docs/security.md).
        map_lookup_min_customers="1",
    )
    worker_err = tmp_path / "worker.stderr"
    worker = Process([sys.executable, "-m", "notifier.worker"], env, tmp_path,
                     tmp_path / "worker.stdout", worker_err)  # fmt: skip
    web = WebApp(env, tmp_path, port=port)
    try:
        web.start()
        with httpx.Client(base_url=web.url, timeout=30) as client:
            headers = {"Authorization": f"Bearer {token}"}
            starts = datetime.now(UTC) - timedelta(minutes=10)
            body = {
                "service": "water",
                "kind": "unplanned",
                "starts_at": starts.isoformat(),
                "estimated_end_at": (starts + timedelta(hours=4)).isoformat(),
                "cause": "Pipe burst",
                "texts": {"fi": "Vesikatko", "en": "Water outage"},
                "selection": {"break_links": ["L2"]},
            }
            outage = client.post("/api/v1/outages", json=body, headers=headers).json()
            published = client.post(f"/api/v1/outages/{outage['id']}/publish", headers=headers)
            assert published.status_code == 200, published.text
            affected = outage["affected"]["addresses"]
            assert SUBSCRIBER[2] in affected

            # The public side: an address search and a status, with their query strings.
            found = client.get("/lookup/addresses", params={"q": "Aleksanterinkatu 2"}).json()
            assert found["addresses"], found
            status = client.get("/lookup/status", params={"address_id": SUBSCRIBER[2]})
            assert status.json()["affected_now"] is True
            assert client.get(f"/no/such/page/{PORTAL_PERSON[1]}").status_code == 404

            # The portal: a PIN by SMS to a new resident.
            page = client.get("/portal/")
            name, local, e164, email = PORTAL_PERSON
            form = {"csrf": CSRF.search(page.text).group(1), "name": name, "phone": local,
                    "email": email}  # fmt: skip
            assert client.post("/portal/start", data=form).status_code == 303

            digits = {p.lstrip("+") for p in (*(DIRECTORY[a] for a in affected), e164)}
            assert smpp.wait_for(
                lambda s: digits <= {m["destination"] for m in s.received}, WAIT
            ), "the SMS did not all arrive"
            wait_for(lambda: mailbox.messages, WAIT, "the e-mail")
            wait_for(lambda: '"sent": ' in worker_err.read_text(), WAIT,
                     "the worker's report of the event")  # fmt: skip
        assert web.stop() == 0, web.output()
    finally:
        web.stop()
        worker.stop()

    web_records = parse_lines(web.output(), "web")
    worker_records = parse_lines(worker.output(), "worker")
    everything = web.output() + worker.output()

    access = [r for r in web_records if r["logger"] == "gis_outage.access"]
    routes = {r["route"] for r in access}
    assert {"/api/v1/outages", "/lookup/addresses", "/lookup/status", "/portal/start"} <= routes
    assert "unmatched" in routes
    for record in access:
        assert {"method", "status", "duration_ms"} <= record.keys(), record
        assert "?" not in record["message"] and "?" not in record["route"]
    assert not [r for r in web_records if r["logger"] == "uvicorn.access"]

    # One report per batch sent (each channel sends its own).
    reports = [r for r in worker_records if "sent" in r and r.get("outage_id") == outage["id"]]
    assert reports, worker.output()
    assert all(r["event_id"] and r["channel"] in ("sms", "email", "voice") for r in reports)
    assert sum(r["sent"] for r in reports) >= len(affected) + 1  # the SMS and the e-mail

    texts = [m["text"] for m in smpp.messages()]
    for secret in [*personal_strings(), *texts]:
        assert secret not in everything, secret


def test_celery_worker_and_beat_log_json_lines_without_personal_data(
    tmp_path: Path, smpp: SmppServer, mailbox: Mailbox
) -> None:
    redis = os.environ.get("GIS_OUTAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    db_url = f"sqlite:///{tmp_path / 'gis-outage.sqlite'}"
    prepare(db_url)
    prefix = f"logs-{secrets.token_hex(4)}-"  # our own queues on the shared broker
    env = child_env(
        database_url=db_url,
        data_dir=str(tmp_path),
        broker_url=redis,
        log_format="json",
        notify_queue_prefix=prefix,
        notify_drain_seconds="0.5",
        **provider_settings(smpp, mailbox),
    )
    command = [
        sys.executable, "-m", "celery", "--quiet", "-A", "notifier.celery_app", "worker", "-B",
        "-Q", ",".join(prefix + p for p in PURPOSES), "-c", "2", "--loglevel", "INFO",
        "-s", str(tmp_path / "beat-schedule"), "-n", f"{prefix}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    celery_out, celery_err = tmp_path / "celery.stdout", tmp_path / "celery.stderr"
    celery = Process(command, env, tmp_path, celery_out, celery_err)
    try:
        db = make_engine(db_url)
        new_outage(db, addresses=(SUBSCRIBER[2],), cause="Pipe burst")
        db.dispose()
        number = DIRECTORY[SUBSCRIBER[2]].lstrip("+")
        assert smpp.wait_for(
            lambda s: number in {m["destination"] for m in s.received}, WAIT
        ), celery.output()[-3000:]
        wait_for(lambda: mailbox.messages, WAIT, "the e-mail")
        wait_for(lambda: "succeeded" in celery.output(), WAIT, "a task's report")
    finally:
        celery.stop(timeout=60)

    # Logs go to stderr. Celery itself prints one line to stdout from its signal handler.
    notice = ["worker:", "Warm", "shutdown", "(MainProcess)"]
    assert celery_out.read_text().split() == notice
    records = parse_lines(celery_err.read_text(), "celery")
    loggers = {r["logger"] for r in records}
    assert {"celery.worker.strategy", "celery.app.trace", "celery.beat"} <= loggers, loggers
    # Celery's own context stays structured: task name, id, run time.
    sends = [r for r in records if r.get("data", {}).get("name") == "notifier.tasks.send_batch"]
    assert any("runtime" in r["data"] for r in sends), sends
    texts = [m["text"] for m in smpp.messages()]
    for secret in [*personal_strings(), *texts]:
        assert secret not in celery.output(), secret


def test_redaction_of_numbers_and_addresses() -> None:
    assert redact("to +358 40 123 4567, 040-123 4567 or 358401234567.") == (
        "to [phone], [phone] or [phone]."
    )
    assert redact("from 09 1234567 and 00358401234567") == "from [phone] and [phone]"
    assert redact("mail Maija.M+x@example.fi now") == "mail [email] now"
    assert redact("sip:+358401234567@trunk tel:0401234567") == "sip:[phone]@trunk tel:[phone]"
    # What logs are made of stays: times, dates, versions, hosts, ids, postal codes.
    for kept in (
        "2026-11-23T16:40:00.123Z",
        "event 12345 sent 3",
        "bound to 127.0.0.1:2775",
        "PostgreSQL 15.8",
        "postal code 00100",
        "took 1234.5 ms",
        "worker send-sms@host",
    ):
        assert redact(kept) == kept


def test_redact_filter_cleans_message_extras_and_exceptions() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.ops.redact")
    logger.propagate = False
    handler = make_handler("json", stream)
    logger.addHandler(handler)
    try:
        logger.warning(
            "send to %s failed", "+358401234567",
            extra={"recipient": "a@b.example", "batch": ["0401234567", 7], "event_id": 3},
        )  # fmt: skip
        try:
            raise ValueError("refused: maija@example.fi")
        except ValueError:
            logger.exception("provider said no for %s", "0451112233")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "send to [phone] failed"
    assert first["recipient"] == "[email]"
    assert first["batch"] == ["[phone]", 7]
    assert first["event_id"] == 3
    assert second["message"] == "provider said no for [phone]"
    assert "ValueError: refused: [email]" in second["exception"]
    assert "maija" not in stream.getvalue() and "0451112233" not in stream.getvalue()
    assert isinstance(handler.filters[0], RedactFilter)


def test_text_format_and_invalid_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIS_OUTAGE_LOG_LEVEL", "loud")
    monkeypatch.setenv("GIS_OUTAGE_DATABASE_URL", "postgresql://gis:sekret@db/gis")
    configure_logging()
    logging.getLogger("tests.ops.text").info("outage %s published", 7, extra={"outage_id": 7})
    err = capsys.readouterr().err
    assert "WARNING gis_outage.logs invalid settings: log_level (GIS_OUTAGE_LOG_LEVEL): " in err
    assert "logging as text at INFO" in err
    assert "INFO tests.ops.text outage 7 published outage_id=7" in err
    assert "loud" not in err and "sekret" not in err
