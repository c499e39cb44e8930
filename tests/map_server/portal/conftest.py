"""The portal against real servers: PINs travel over SMPP (tests/notifier/smpp_server.py)
and SMTP (aiosmtpd), configured through the notifier's provider settings, and are read
back from what those servers received."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.db import make_engine, migrate
from map_server.app import create_app
from tests.map_server.data import add_addresses
from tests.notifier.conftest import free_port
from tests.notifier.smpp_server import ServerConfig, SmppServer
from tests.settings import settings_for

BASE = "https://testserver"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PIN = re.compile(r"\b(\d{4})\b")
LINK = re.compile(r"https://testserver(/portal/unsubscribe/\S+)")
# The code that proves an e-mail address to the account that asked (its own line).
CODE = re.compile(r"^(\d{4})\r?$", re.M)


@dataclass
class Mailbox:
    """aiosmtpd handler keeping every message."""

    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"

    def to(self, address: str) -> list[tuple[str, str]]:
        """(subject, plain text) of each message to `address`, oldest first."""
        out = []
        for envelope in list(self.messages):
            if address in envelope.rcpt_tos:
                msg = message_from_bytes(envelope.original_content, policy=policy.default)
                out.append((str(msg["Subject"]), msg.get_body(("plain",)).get_content()))
        return out


@pytest.fixture
def smpp() -> Iterator[SmppServer]:
    server = SmppServer(ServerConfig()).start()
    yield server
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


def portal_settings(
    tmp_path: Path, smpp: SmppServer, mailbox: Mailbox, *, portal: dict[str, Any] | None = None,
    **overrides: Any,
) -> Settings:
    """The portal's settings: PINs over the test SMSC and SMTP server."""
    values: dict[str, Any] = {
        "sms_providers": "smpp",
        "smpp_host": "127.0.0.1",
        "smpp_port": smpp.port,
        "email_providers": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": mailbox.port,  # type: ignore[attr-defined]
        "smtp_from": "katkot@vesi.example",
        "voice_providers": "demo",
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "utility_name": "Testivesi",
        "public_url": BASE,
        "map": {"state_ttl_seconds": 0},
        "portal": {"secret_key": "portal-test-key", **(portal or {})},
    }
    values.update(overrides)
    return settings_for(tmp_path, **values)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.sqlite'}")
    migrate(engine)
    add_addresses(engine)
    yield engine
    engine.dispose()


def portal_app(
    tmp_path: Path,
    engine: Engine,
    smpp: SmppServer,
    mailbox: Mailbox,
    **portal: Any,
) -> FastAPI:
    return create_app(portal_settings(tmp_path, smpp, mailbox, portal=portal), engine)


@pytest.fixture
def app(tmp_path: Path, engine: Engine, smpp: SmppServer, mailbox: Mailbox) -> FastAPI:
    return portal_app(tmp_path, engine, smpp, mailbox)


class Resident:
    """One browser (cookie jar) talking to the portal, reading PINs off the servers."""

    def __init__(self, app: FastAPI, smpp: SmppServer, mailbox: Mailbox, **client: Any) -> None:
        self.client = TestClient(app, base_url=BASE, follow_redirects=False, **client)
        self.smpp, self.mailbox = smpp, mailbox
        self.page: httpx.Response | None = None

    def get(self, path: str, **kw: Any) -> httpx.Response:
        self.page = self.client.get(path, **kw)
        return self.page

    def csrf(self, path: str | None = None) -> str:
        if path is not None:
            self.get(path)
        assert self.page is not None
        return CSRF.search(self.page.text).group(1)

    def post(self, path: str, data: dict[str, Any], *, page: str | None = None) -> httpx.Response:
        """POST a form with the CSRF token of `page` (default: the last page seen)."""
        data = {"csrf": self.csrf(page), **data}
        response = self.client.post(path, data=data)
        if response.status_code != 303:
            self.page = response
        return response

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return self.get(response.headers["location"])

    # -- PINs off the real servers ----------------------------------------------------

    def sms_to(self, e164: str, count: int = 1) -> list[str]:
        digits = e164.lstrip("+")
        # wait_for holds the server's lock while it asks: read `received`, not messages().
        assert self.smpp.wait_for(
            lambda s: sum(m["destination"] == digits for m in s.received) >= count, 10
        ), f"no SMS #{count}"
        return [m["text"] for m in self.smpp.messages() if m["destination"] == digits]

    def mails_to(self, address: str, count: int = 1) -> list[tuple[str, str]]:
        deadline = time.monotonic() + 10
        while len(self.mailbox.to(address)) < count:
            assert time.monotonic() < deadline, f"no e-mail #{count}"
            time.sleep(0.02)
        return self.mailbox.to(address)

    def start(self, name: str = "Maija Meikäläinen", phone: str = "", email: str = ""):
        return self.post(
            "/portal/start", {"name": name, "phone": phone, "email": email}, page="/portal/"
        )

    def enter_pin(self, pin: str) -> httpx.Response:
        return self.post("/portal/pin", {"pin": pin}, page="/portal/pin")

    def register_phone(self, phone: str, e164: str, *, email: str = "", name: str = "Maija"):
        """Start, read the PIN from the SMPP server, enter it; returns the /portal/me page."""
        before = len(self.sms_to_all(e164))
        response = self.start(name=name, phone=phone, email=email)
        assert response.status_code == 303, response.text[:500]
        pin = PIN.search(self.sms_to(e164, before + 1)[-1]).group(1)
        return self.follow(self.enter_pin(pin))

    def register_email(self, email: str, *, name: str = "Maija"):
        before = len(self.mailbox.to(email))
        response = self.start(name=name, email=email)
        assert response.status_code == 303, response.text[:500]
        _subject, body = self.mails_to(email, before + 1)[-1]
        return self.follow(self.enter_pin(PIN.search(body).group(1)))

    def sms_to_all(self, e164: str) -> list[str]:
        digits = e164.lstrip("+")
        return [m["text"] for m in self.smpp.messages() if m["destination"] == digits]

    def add_address(
        self, postal_code: str, street: str, number: str, *, expect: int = 303, **fields: Any
    ) -> httpx.Response:
        """Add an address through the form; fails the test unless the answer is `expect`."""
        data = {
            "postal_code": postal_code,
            "street": street,
            "house_number": number,
            "services": fields.pop("services", ["water"]),
            "role": fields.pop("role", "resident"),
            **fields,
        }
        response = self.post("/portal/me/addresses", data, page="/portal/me/addresses/new")
        assert response.status_code == expect, response.text[-3000:]
        return response

    def code(self, address: str, count: int = 1) -> str:
        """The newest code mailed to `address` to prove it to an account."""
        bodies = [body for _s, body in self.mails_to(address, count) if CODE.search(body)]
        assert bodies, "no proof code"
        return CODE.search(bodies[-1]).group(1)

    def prove(self, code: str) -> httpx.Response:
        """Type a proof code on /portal/me/prove."""
        return self.post("/portal/me/prove", {"pin": code}, page="/portal/me/prove")

    def link(self, address: str, kind: str, index: int = -1) -> str:
        """The path of the newest unsubscribe link mailed to `address`."""
        bodies = [body for _s, body in self.mailbox.to(address) if f"/portal/{kind}/" in body]
        assert bodies, f"no {kind} link"
        return LINK.search(bodies[index]).group(1)


@pytest.fixture
def resident(app: FastAPI, smpp: SmppServer, mailbox: Mailbox) -> Iterator[Resident]:
    person = Resident(app, smpp, mailbox)
    with person.client:
        yield person


@pytest.fixture
def make_resident(app: FastAPI, smpp: SmppServer, mailbox: Mailbox) -> Iterator[Any]:
    made: list[Resident] = []

    def make(**client: Any) -> Resident:
        person = Resident(app, smpp, mailbox, **client)
        person.client.__enter__()
        made.append(person)
        return person

    yield make
    for person in made:
        person.client.__exit__(None, None, None)


def portal_routes() -> set[tuple[str, str]]:
    """(method, path) of every portal route. FastAPI may keep included routers as lazy
    branches (no flat app.routes), so the portal's own router is walked."""
    from map_server.portal.router import router

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            else:
                for method in getattr(route, "methods", None) or ():
                    yield method, prefix + route.path

    return set(walk(router.routes, ""))


def rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()]
