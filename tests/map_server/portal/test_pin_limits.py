"""The daily limit of wrong PINs per number holds when the guesses come in parallel:
many browsers, each with its own PIN for the same number, guess at once against the
running app on PostGIS (and SQLite), PINs read off the real SMPP server."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from map_server.portal.i18n import PORTAL
from tests.map_server.data import add_addresses

from .conftest import PIN, Mailbox, Resident, portal_app, rows

FI = PORTAL["fi"]
NUMBER = "+358401234567"
BROWSERS, LIMIT = 12, 10


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def engine(request: pytest.FixtureRequest) -> Engine:
    db = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "postgis_db")
    add_addresses(db)
    return db


def test_parallel_wrong_pins_stop_at_the_daily_limit(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = portal_app(
        tmp_path, engine, smpp, mailbox, pins_per_destination_15min=50,
        pins_per_destination_day=50, pins_per_client_hour=100,
        failed_pins_per_destination_day=LIMIT,
    )  # fmt: skip
    people = [Resident(app, smpp, mailbox) for _ in range(BROWSERS)]
    wrong: list[str] = []
    for n, person in enumerate(people, 1):
        person.client.__enter__()
        assert person.start(phone="0401234567").status_code == 303
        pin = PIN.search(person.sms_to(NUMBER, n)[-1]).group(1)
        wrong.append(f"{(int(pin) + 1) % 10_000:04d}")
    forms = [
        {"csrf": person.csrf("/portal/pin"), "pin": w}
        for person, w in zip(people, wrong, strict=True)
    ]
    start = threading.Barrier(BROWSERS)
    answers: list[httpx.Response] = []

    def guess(person: Resident, form: dict[str, str]) -> None:
        start.wait()
        for _ in range(2):  # two guesses each: 24 in all, at most 10 may be tried
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

    tried = [a for a in answers if a.status_code == 400]
    refused = [a for a in answers if a.status_code == 429]
    # A refused guess ends its PIN: that browser's next one is sent to ask for a new PIN.
    ended = [a for a in answers if a.status_code == 303]
    assert len(tried) + len(refused) + len(ended) == 2 * BROWSERS
    assert all(a.headers["location"] == "/portal/?m=pin_dead" for a in ended)
    assert len(tried) == LIMIT, len(tried)
    assert all(FI["wrong_pin"].format(n=4) in a.text or FI["wrong_pin"].format(n=3) in a.text
               for a in tried)  # fmt: skip
    assert all(FI["too_many"] in a.text for a in refused)
    assert rows(engine, "portal_sessions") == []
    # The number is locked for the day: no new PIN is sent to it.
    late = Resident(app, smpp, mailbox)
    with late.client:
        sent = len(smpp.messages())
        assert late.start(phone="0401234567").status_code == 429
        assert len(smpp.messages()) == sent
