"""The daily limits of wrong PINs per number hold when the guesses come in parallel:
many browsers, each with its own PIN for the same number, guess at once against the
running app on PostGIS (and SQLite), PINs read off the real SMPP server.

Wrong PINs count per (number, client) and, with a higher ceiling, per number: a
stranger guessing from one connection locks out that connection, never the owner on
theirs; guessing from many connections runs into the ceiling."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from map_server.portal.i18n import PORTAL
from tests.map_server.data import add_addresses

from .conftest import PIN, Mailbox, Resident, portal_app, rows

FI = PORTAL["fi"]
NUMBER = "+358401234567"
BROWSERS, PER_CLIENT, CEILING = 12, 10, 15
OWNER = ("192.0.2.200", 50000)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def engine(request: pytest.FixtureRequest) -> Engine:
    db = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "postgis_db")
    add_addresses(db)
    return db


def limited_app(tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox) -> FastAPI:
    return portal_app(
        tmp_path, engine, smpp, mailbox, pins_per_destination_15min=50,
        pins_per_destination_day=50, pins_per_destination_day_all=50, pins_per_client_hour=100,
        failed_pins_per_client_day=PER_CLIENT, failed_pins_per_destination_day=CEILING,
    )  # fmt: skip


def guess_in_parallel(people: list[Resident], smpp) -> list[httpx.Response]:
    """Each browser asks for a PIN for NUMBER, then all guess wrong twice at once."""
    wrong: list[str] = []
    for person in people:
        person.client.__enter__()
        sent = len(person.sms_to_all(NUMBER))
        assert person.start(phone="0401234567").status_code == 303
        pin = PIN.search(person.sms_to(NUMBER, sent + 1)[-1]).group(1)
        wrong.append(f"{(int(pin) + 1) % 10_000:04d}")
    forms = [
        {"csrf": person.csrf("/portal/pin"), "pin": w}
        for person, w in zip(people, wrong, strict=True)
    ]
    start = threading.Barrier(len(people))
    answers: list[httpx.Response] = []

    def guess(person: Resident, form: dict[str, str]) -> None:
        start.wait()
        for _ in range(2):
            answers.append(person.client.post("/portal/pin", data=form))

    pairs = zip(people, forms, strict=True)
    threads = [threading.Thread(target=guess, args=pair) for pair in pairs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for person in people:
            person.client.__exit__(None, None, None)
    return answers


def tried(answers: list[httpx.Response]) -> int:
    """Guesses compared (a wrong PIN's page); the rest were refused before comparing."""
    compared = [a for a in answers if a.status_code == 400]
    refused = [a for a in answers if a.status_code == 429]
    # A refused guess ends its PIN: that browser's next one is sent to ask for a new PIN.
    ended = [a for a in answers if a.status_code == 303]
    assert len(compared) + len(refused) + len(ended) == len(answers)
    assert all(a.headers["location"] == "/portal/?m=pin_dead" for a in ended)
    assert all(FI["wrong_pin"].format(n=4) in a.text or FI["wrong_pin"].format(n=3) in a.text
               for a in compared)  # fmt: skip
    assert all(FI["too_many"] in a.text for a in refused)
    return len(compared)


def log_in(app: FastAPI, smpp, mailbox: Mailbox, client: tuple[str, int]) -> httpx.Response:
    person = Resident(app, smpp, mailbox, client=client)
    with person.client:
        sent = len(person.sms_to_all(NUMBER))
        started = person.start(phone="0401234567")
        if started.status_code != 303:
            return started
        pin = PIN.search(person.sms_to(NUMBER, sent + 1)[-1]).group(1)
        return person.enter_pin(pin)


def test_a_strangers_parallel_wrong_pins_lock_out_the_stranger_not_the_owner(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = limited_app(tmp_path, engine, smpp, mailbox)
    stranger = [Resident(app, smpp, mailbox) for _ in range(BROWSERS)]  # one connection
    assert tried(guess_in_parallel(stranger, smpp)) == PER_CLIENT  # 24 sent, 10 tried
    assert rows(engine, "portal_sessions") == []
    # The stranger's connection gets no new PIN for the number today...
    late = Resident(app, smpp, mailbox)
    with late.client:
        sent = len(smpp.messages())
        assert late.start(phone="0401234567").status_code == 429
        assert len(smpp.messages()) == sent
    # ...while the owner, on their own connection, gets one and logs in.
    owner = log_in(app, smpp, mailbox, OWNER)
    assert owner.status_code == 303 and owner.headers["location"] == "/portal/me?m=welcome_new"
    assert len(rows(engine, "portal_sessions")) == 1


def test_parallel_wrong_pins_from_many_connections_stop_at_the_ceiling(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = limited_app(tmp_path, engine, smpp, mailbox)
    many = [Resident(app, smpp, mailbox, client=(f"192.0.2.{n}", 50000)) for n in range(BROWSERS)]
    assert tried(guess_in_parallel(many, smpp)) == CEILING  # 24 sent, 15 tried
    assert rows(engine, "portal_sessions") == []
    # The ceiling locks the number for the day, for every connection.
    sent = len(smpp.messages())
    assert log_in(app, smpp, mailbox, OWNER).status_code == 429
    assert len(smpp.messages()) == sent
