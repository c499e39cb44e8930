"""The portal's security properties, each tried from outside: PIN guessing, expiry, rate
limits, CSRF, other people's ids, what registration status leaks, cookies, and where
personal data must never appear (URLs, logs)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.storage.db import make_engine
from gis_outage.storage.schema import portal_pin_challenges, portal_sessions, utcnow
from map_server.portal.i18n import PORTAL

from .conftest import BASE, PIN, Mailbox, Resident, portal_app, portal_routes, rows

FI = PORTAL["fi"]
A_PHONE, B_PHONE = "+358401234567", "+358451112233"
A_EMAIL, B_EMAIL = "aino@example.fi", "bertta@example.fi"


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10_000:04d}"


def last_pin(person: Resident, e164: str) -> str:
    return PIN.search(person.sms_to_all(e164)[-1]).group(1)


def session_cookie(person: Resident) -> str | None:
    return person.client.cookies.get("__Secure-portal_session")


# -- PINs ----------------------------------------------------------------------------------


def test_pin_brute_force_is_locked_out(resident: Resident, engine: Engine) -> None:
    assert resident.start(phone="0401234567").status_code == 303
    pin = PIN.search(resident.sms_to(A_PHONE)[-1]).group(1)
    for left in (4, 3, 2, 1):
        response = resident.enter_pin(wrong(pin))
        assert response.status_code == 400
        assert FI["wrong_pin"].format(n=left) in response.text
    fifth = resident.enter_pin(wrong(pin))
    assert fifth.status_code == 400 and FI["pin_dead"] in fifth.text
    # The right PIN after five wrong ones opens nothing.
    late = resident.client.post("/portal/pin", data={"csrf": resident.csrf("/portal/"), "pin": pin})
    assert late.status_code == 303 and late.headers["location"] == "/portal/?m=pin_dead"
    assert session_cookie(resident) is None and rows(engine, "portal_sessions") == []


def test_a_short_pin_uses_no_attempt(resident: Resident, engine: Engine) -> None:
    """Two digits typed and sent is a slip, not a guess: no attempt is used up."""
    assert resident.start(phone="0401234567").status_code == 303
    pin = PIN.search(resident.sms_to(A_PHONE)[-1]).group(1)
    for typed in (pin[:2], "12a4", ""):
        response = resident.enter_pin(typed)
        assert response.status_code == 400 and FI["pin_format"] in response.text
    assert [r["attempts"] for r in rows(engine, "portal_pin_challenges")] == [0]
    assert resident.enter_pin(pin).status_code == 303


def test_wrong_pins_lock_the_destination_across_pins(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    """Ten wrong PINs a day for one number, over any number of PINs, lock it for the day:
    no new PIN, and not even a right one opens a session."""
    app = portal_app(
        tmp_path, engine, smpp, mailbox, pins_per_destination_15min=10, pins_per_destination_day=10
    )
    first, second, third = (Resident(app, smpp, mailbox) for _ in range(3))
    with first.client, second.client, third.client:
        first.start(phone="0401234567")
        for _ in range(5):
            first.enter_pin(wrong(last_pin(first, A_PHONE)))
        second.start(phone="0401234567")
        second_pin = last_pin(second, A_PHONE)
        for _ in range(4):
            second.enter_pin(wrong(second_pin))  # nine wrong in all
        third.start(phone="0401234567")
        third_pin = last_pin(third, A_PHONE)
        second.enter_pin(wrong(second_pin))  # the tenth
        sent = len(smpp.messages())
        locked = third.enter_pin(third_pin)
        assert locked.status_code == 429 and FI["too_many"] in locked.text
        assert session_cookie(third) is None and rows(engine, "portal_sessions") == []
        again = first.start(phone="0401234567")
        assert again.status_code == 429 and len(smpp.messages()) == sent
        # Another number is not affected.
        assert first.start(phone="0451112233").status_code == 303


def test_expired_pin_is_refused(resident: Resident, engine: Engine) -> None:
    resident.start(phone="0401234567")
    pin = PIN.search(resident.sms_to(A_PHONE)[-1]).group(1)
    page = resident.get("/portal/pin")
    with engine.begin() as conn:
        conn.execute(
            portal_pin_challenges.update().values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = resident.client.post("/portal/pin", data={"csrf": resident.csrf(), "pin": pin})
    assert page.status_code == 200
    assert response.status_code == 303 and response.headers["location"] == "/portal/?m=pin_dead"
    assert session_cookie(resident) is None and rows(engine, "portal_sessions") == []
    assert resident.get("/portal/pin").headers["location"] == "/portal/?m=pin_dead"


def test_a_pin_works_once(resident: Resident, make_resident) -> None:
    resident.start(phone="0401234567")
    pin = PIN.search(resident.sms_to(A_PHONE)[-1]).group(1)
    csrf = resident.csrf("/portal/pin")
    assert resident.client.post("/portal/pin", data={"csrf": csrf, "pin": pin}).status_code == 303
    # The same challenge cookie and PIN again (a replay) opens no second session.
    challenge = resident.client.cookies.get("__Secure-portal_pin")
    assert challenge is None  # cleared on success
    assert len(rows(resident.client.app.state.db, "portal_sessions")) == 1


# -- rate limits ----------------------------------------------------------------------------


def test_rate_limit_per_destination_shared_by_workers(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    """Two app instances (two web workers, each with its own engine) count together."""
    first = portal_app(tmp_path / "w1", engine, smpp, mailbox)
    other_engine = make_engine(str(engine.url))
    second = portal_app(tmp_path / "w2", other_engine, smpp, mailbox)
    try:
        people = [Resident(app, smpp, mailbox) for app in (first, second, first, second)]
        answers = []
        for person in people:
            with person.client:
                answers.append(person.start(phone="0401234567"))
        assert [a.status_code for a in answers] == [303, 303, 303, 429]
        # The answer says how long to wait: until the first of the three leaves the
        # 15-minute window.
        assert FI["too_many_wait"].format(minutes=15) in answers[-1].text
        assert answers[-1].headers["retry-after"] == "900"
        assert len([m for m in smpp.messages() if m["destination"] == A_PHONE[1:]]) == 3
        assert rows(engine, "portal_rate_events")  # counted in the database
    finally:
        other_engine.dispose()


def test_rate_limit_per_client_address(tmp_path: Path, engine: Engine, smpp, mailbox) -> None:
    app = portal_app(tmp_path, engine, smpp, mailbox, pins_per_client_hour=4)
    numbers = ["0401234501", "0401234502", "0401234503", "0401234504", "0401234505"]
    codes = []
    for number in numbers:
        person = Resident(app, smpp, mailbox)  # a fresh browser each time, same address
        with person.client:
            codes.append(person.start(phone=number).status_code)
    assert codes == [303, 303, 303, 303, 429]
    other = Resident(app, smpp, mailbox, client=("192.0.2.7", 50000))
    with other.client:
        assert other.start(phone="0401234506").status_code == 303


def test_link_mails_are_rate_limited(tmp_path: Path, engine: Engine, smpp, mailbox) -> None:
    app = portal_app(tmp_path, engine, smpp, mailbox, links_per_destination_day=2)
    person = Resident(app, smpp, mailbox)
    with person.client:
        codes = [
            person.post("/portal/unsubscribe", {"email": A_EMAIL}, page="/portal/unsubscribe")
            for _ in range(3)
        ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert len(mailbox.to(A_EMAIL)) == 2


# -- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def two(make_resident) -> Iterator[tuple[Resident, Resident]]:
    """A with a water and an electricity subscription at A1 (e-mail not yet proven: its
    code, mailed at registration, is not typed, so saving sends none); B with one at A3."""
    a, b = make_resident(), make_resident()
    a.register_phone("0401234567", A_PHONE, email=A_EMAIL, name="Aino")
    a.add_address(
        "00100",
        "Mannerheimintie",
        "5",
        services=["water", "electricity"],
        phone=A_PHONE,
        email=A_EMAIL,
        expect=200,
    )
    b.register_phone("0451112233", B_PHONE, email=B_EMAIL, name="Bertta")
    b.add_address("00530", "Hämeentie", "12", phone=B_PHONE)
    yield a, b


def personal_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    tables = ("subscribers", "subscriptions", "portal_logins", "opt_outs")
    return {t: rows(engine, t) for t in tables}


def test_every_form_post_needs_its_csrf_token(two: tuple[Resident, Resident], engine) -> None:
    a, b = two
    [sub_id] = [s["id"] for s in rows(engine, "subscriptions") if s["address_id"] == "A1"][:1]
    a.post("/portal/unsubscribe", {"email": A_EMAIL}, page="/portal/unsubscribe")
    unsubscribe = a.link(A_EMAIL, "unsubscribe")
    b.get("/portal/me")
    stolen = b.csrf()  # a real token, but of another browser and session
    paths = {
        path: path.replace("{subscription_id}", str(sub_id))
        .replace("/unsubscribe/{token}", unsubscribe.removeprefix("/portal"))
        for method, path in portal_routes()
        if method == "POST"
    }
    assert len(paths) == 18, sorted(paths)
    before = personal_rows(engine)
    for route, path in paths.items():
        body = {
            "destination": A_PHONE,
            "confirm": "yes",
            "name": "X",
            "pin": "0000",
            "email": A_EMAIL,
            "address_id": "A1",
            "phone": A_PHONE,
            "services": "water",
        }
        for csrf in (None, "", stolen, "0" * 64):
            data = body if csrf is None else {**body, "csrf": csrf}
            response = a.client.post(path, data=data)
            assert response.status_code == 403, (route, csrf, response.status_code)
            assert FI["forbidden"] in response.text
    assert personal_rows(engine) == before
    assert session_cookie(a) is not None and a.get("/portal/me").status_code == 200


def test_one_click_unsubscribe_needs_the_exact_body(two: tuple[Resident, Resident], engine):
    a, _b = two
    a.post("/portal/unsubscribe", {"email": A_EMAIL}, page="/portal/unsubscribe")
    link = a.link(A_EMAIL, "unsubscribe")
    for body in ({"List-Unsubscribe": "one-click"}, {"List-Unsubscribe": ""}, {}):
        assert a.client.post(link, data=body).status_code == 403
    assert rows(engine, "opt_outs") == []


# -- other people's data ---------------------------------------------------------------------


def test_another_persons_data_cannot_be_read_or_changed(
    two: tuple[Resident, Resident], engine: Engine
) -> None:
    a, b = two
    a_subs = [s["id"] for s in rows(engine, "subscriptions") if s["address_id"] == "A1"]
    assert len(a_subs) == 2
    # Every route that takes an id in its path is tried below; a new one must be added.
    with_ids = {(m, path) for m, path in portal_routes() if "{" in path}
    assert with_ids == {
        ("GET", "/portal/me/subscriptions/{subscription_id}"),
        ("POST", "/portal/me/subscriptions/{subscription_id}"),
        ("POST", "/portal/me/subscriptions/{subscription_id}/delete"),
        ("GET", "/portal/verify/{token}"),  # retired: 410, proves nothing
        ("GET", "/portal/unsubscribe/{token}"),
        ("POST", "/portal/unsubscribe/{token}"),
        ("GET", "/portal/static/{name}"),
    }
    before = personal_rows(engine)
    for sub_id in [*a_subs, 999_999]:
        assert b.get(f"/portal/me/subscriptions/{sub_id}").status_code == 404
        assert A_PHONE not in b.page.text and "Mannerheimintie" not in b.page.text
        change = {"phone": B_PHONE, "role": "resident"}
        assert (
            b.post(f"/portal/me/subscriptions/{sub_id}", change, page="/portal/me").status_code
            == 404
        )
        assert (
            b.post(f"/portal/me/subscriptions/{sub_id}/delete", {}, page="/portal/me").status_code
            == 404
        )
    # Ids in form bodies: A's address, A's pending e-mail, A's phone.
    assert (
        b.post("/portal/me/addresses/delete", {"address_id": "A1"}, page="/portal/me").status_code
        == 404
    )
    mails = len(a.mailbox.messages)
    assert (
        b.post("/portal/me/email/resend", {"email": A_EMAIL}, page="/portal/me").status_code == 404
    )
    assert len(a.mailbox.messages) == mails
    texts = len(a.smpp.messages())
    assert (
        b.post("/portal/me/phone/resend", {"phone": A_PHONE}, page="/portal/me").status_code
        == 404
    )
    assert len(a.smpp.messages()) == texts
    # Another's number is not B's to block or allow (the page says why: prove it first).
    assert (
        b.post("/portal/me/opt-out", {"destination": A_PHONE}, page="/portal/me").status_code == 403
    )
    assert personal_rows(engine) == before
    a.post("/portal/me/opt-out", {"destination": A_PHONE}, page="/portal/me")
    assert (
        b.post("/portal/me/opt-in", {"destination": A_PHONE}, page="/portal/me").status_code == 403
    )
    assert [o["destination"] for o in rows(engine, "opt_outs")] == [A_PHONE]

    # Links: B's own opt-out link, with its payload pointed at A's address, is refused.
    b.post("/portal/unsubscribe", {"email": B_EMAIL}, page="/portal/unsubscribe")
    link = b.link(B_EMAIL, "unsubscribe")
    token = link.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = json.dumps({**data, "h": "0" * 32}, separators=(",", ":")).encode()
    forged_payload = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    assert b.get(f"/portal/unsubscribe/{forged_payload}.{rest}").status_code == 400
    assert b.post(f"/portal/unsubscribe/{forged_payload}.{rest}", {}, page=link).status_code == 400
    assert [o["destination"] for o in rows(engine, "opt_outs")] == [A_PHONE]  # A's own
    assert b.get(f"/portal/verify/{token}").status_code == 410  # retired: proves nothing
    assert all(
        s["email_verified_at"] is None
        for s in rows(engine, "subscriptions")
        if s["email"] == A_EMAIL
    )
    # B's own export holds nothing of A's.
    export = b.post("/portal/me/export", {}, page="/portal/me").text
    for secret in (A_PHONE, A_EMAIL, "Aino", "Mannerheimintie"):
        assert secret not in export


def test_a_forged_or_planted_session_opens_nothing(
    app: FastAPI, smpp, mailbox: Mailbox, engine: Engine
) -> None:
    planted = {"__Secure-portal_session": "chosen-by-an-attacker"}
    victim = Resident(app, smpp, mailbox, cookies=planted)
    with victim.client:
        assert victim.get("/portal/me").headers["location"] == "/portal/?m=session_expired"
        victim.register_phone("0401234567", A_PHONE)  # logs in with the planted cookie
    # Fixation: the planted value did not become the victim's session.
    with TestClient(app, base_url=BASE, cookies=planted, follow_redirects=False) as attacker:
        assert attacker.get("/portal/me").status_code == 303
    assert len(rows(engine, "portal_sessions")) == 1


def test_sessions_expire_and_logout_ends_them(resident: Resident, engine: Engine) -> None:
    resident.register_phone("0401234567", A_PHONE)
    assert resident.get("/portal/me").status_code == 200
    with engine.begin() as conn:  # idle longer than 30 minutes
        conn.execute(portal_sessions.update().values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert resident.get("/portal/me").headers["location"] == "/portal/?m=session_expired"
    with engine.begin() as conn:  # used a moment ago, but past its absolute end
        conn.execute(
            portal_sessions.update().values(
                last_seen_at=utcnow(), expires_at=utcnow() - timedelta(seconds=1)
            )
        )
    assert resident.get("/portal/me").status_code == 303
    login = resident.register_phone("0401234567", A_PHONE)
    token = login.request.headers["cookie"].split("__Secure-portal_session=")[1].split(";")[0]
    resident.post("/portal/logout", {}, page="/portal/me")
    hashed = hashlib.sha256(token.encode()).hexdigest()
    assert hashed not in {r["token_hash"] for r in rows(engine, "portal_sessions")}
    app = resident.client.app
    cookies = {"__Secure-portal_session": token}
    with TestClient(app, base_url=BASE, cookies=cookies, follow_redirects=False) as replay:
        assert replay.get("/portal/me").status_code == 303


# -- what registration status leaks --------------------------------------------------------


def _comparable(text: str) -> str:
    return re.sub(r'name="csrf" value="[^"]+"', 'name="csrf" value=""', text)


def test_the_start_never_reveals_whether_a_number_is_registered(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = portal_app(
        tmp_path, engine, smpp, mailbox,
        pins_per_destination_15min=100, pins_per_destination_day=100,
        pins_per_destination_day_all=100, pins_per_client_hour=1000,
    )  # fmt: skip
    known, unknown = "0401234567", "0409999967"  # the same masked form: +35840•••••67
    owner = Resident(app, smpp, mailbox)
    with owner.client:
        owner.register_phone(known, A_PHONE, email=A_EMAIL)
        owner.add_address("00100", "Mannerheimintie", "5", phone=A_PHONE)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        # An SMPP reader thread records a receipt for an earlier PIN whenever the SMSC
        # sends it; that is not the attempt's work.
        if not threading.current_thread().name.endswith("-reader"):
            statements.append((threading.get_ident(), statement))

    def attempt(number: str) -> tuple[Any, ...]:
        person = Resident(app, smpp, mailbox)
        with person.client:
            person.get("/portal/")
            data = {"csrf": person.csrf(), "name": "Someone", "phone": number, "email": ""}
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", record)
            response = person.client.post("/portal/start", data=data)
            sa.event.remove(engine, "before_cursor_execute", record)
            pin_page = person.get("/portal/pin")
            cookies = sorted(person.client.cookies.keys())
        return (
            response.status_code,
            response.headers["location"],
            _comparable(pin_page.text),
            cookies,
            _per_thread(statements),
        )

    first, second = attempt(known), attempt(unknown)
    assert first == second  # status, redirect, page, cookie names, every SQL statement
    touched = " ".join(" ".join(run) for run in first[-1]).lower()
    for table in ("subscribers", "subscriptions", "portal_logins", "portal_sessions"):
        assert table not in touched
    # No timing side channel: both run the same SQL statements in the same order (above)
    # and the same Python path; a wall-clock comparison would only measure the machine's
    # load, so time is not asserted here.
    texts = [m["text"] for m in smpp.messages()]
    assert len({re.sub(r"\d{4}", "PIN", t) for t in texts}) == 1  # the same SMS either way


# -- cookies, storage of secrets, headers --------------------------------------------------


def test_cookies_are_secure_and_secrets_are_stored_hashed(resident: Resident, engine) -> None:
    resident.start(phone="0401234567")
    pin = PIN.search(resident.sms_to(A_PHONE)[-1]).group(1)
    [challenge] = rows(engine, "portal_pin_challenges")
    assert pin not in {str(v) for v in challenge.values()}
    assert challenge["pin_hash"] != hashlib.sha256(pin.encode()).hexdigest()
    response = resident.enter_pin(pin)
    cookies = response.headers.get_list("set-cookie")
    [session] = [c for c in cookies if c.startswith("__Secure-portal_session=")]
    flags = {part.strip().lower() for part in session.split(";")[1:]}
    # Only the portal's paths receive it: the public pages (/oapi, the map) never do.
    assert {"secure", "httponly", "samesite=lax", "path=/portal"} <= flags
    token = session.split(";")[0].split("=", 1)[1]
    [stored] = rows(engine, "portal_sessions")
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(
        {
            t: rows(engine, t)
            for t in ("portal_sessions", "portal_pin_challenges", "portal_logins", "audit_log")
        },
        default=str,
    )
    for name, value in resident.client.cookies.items():
        assert name.startswith("__Secure-"), name
        assert A_PHONE[1:] not in value and "maija" not in value.lower()


def test_security_headers(resident: Resident) -> None:
    for path in ("/portal/", "/portal/privacy", "/portal/unsubscribe"):
        headers = resident.get(path).headers
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]


def test_no_personal_data_in_urls_or_logs(
    app: FastAPI, smpp, mailbox: Mailbox, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    name, email, customer = "Maija Meikäläinen", "maija.m@example.fi", "ASIAKAS-4242"
    personal = [
        A_PHONE,
        A_PHONE[1:],
        "401234567",
        "40 123 4567",
        email,
        "maija",
        customer,
        "Meikäläinen",
        "Mannerheimintie",
    ]
    urls: list[str] = []

    def remember(response) -> None:
        urls.append(str(response.request.url))
        urls.append(response.headers.get("location", ""))

    caplog.set_level(logging.DEBUG)
    person = Resident(app, smpp, mailbox)
    person.client.event_hooks = {"response": [remember]}
    with person.client:
        person.register_phone("040 123 4567", A_PHONE, email=email, name=name)
        person.add_address(
            "00100", "Mannerheimintie", "5", phone=A_PHONE, email=email, customer_number=customer,
            expect=200,  # the e-mail's code went at registration: none now, and it says so
        )
        person.get("/portal/me/addresses/new")
        person.post(
            "/portal/me/autocomplete",
            {"field": "street", "postal_code": "00100", "street": "Mannerheim"},
        )
        person.get("/portal/me/prove")
        person.prove(person.code(email))
        person.post("/portal/unsubscribe", {"email": email}, page="/portal/unsubscribe")
        unsubscribe = person.link(email, "unsubscribe")
        person.get(unsubscribe)
        person.post(unsubscribe, {})
        person.post("/portal/me/opt-out", {"destination": A_PHONE}, page="/portal/me")
        person.post("/portal/me/export", {}, page="/portal/me")
        person.post("/portal/me/erase", {"confirm": "yes"}, page="/portal/me")
    assert len(urls) > 20
    for token_url in (unsubscribe,):
        payload = token_url.rsplit("/", 1)[1].split(".")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        assert email not in decoded and "maija" not in decoded
    # Everything logged in this process but the test's own SMTP server (aiosmtpd's
    # "mail.log" echoes the SMTP dialogue, as a real mail server's log would).
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.")]
    audit = json.dumps(rows(engine, "audit_log"), default=str)
    for value in personal:
        for url in urls:
            assert value.lower() not in url.lower(), (value, url)
        for message in logged:
            assert value.lower() not in message.lower(), (value, message)
        assert value.lower() not in audit.lower()


def _per_thread(statements: list[tuple[int, str]]) -> list[tuple[str, ...]]:
    """Each thread's statements in its order: threads (the request, the PIN sender)
    interleave differently from run to run, but each does the same work."""
    threads: dict[int, list[str]] = {}
    for ident, statement in statements:
        threads.setdefault(ident, []).append(statement)
    return sorted(tuple(run) for run in threads.values())


def test_a_strangers_pin_requests_do_not_lock_the_owner_out(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    """PIN messages count per (number, client) under a higher ceiling per number: a
    stranger asking again and again for the owner's number spends the stranger's
    allowance, and the owner, on their own connection, still gets a PIN."""
    app = portal_app(tmp_path, engine, smpp, mailbox)
    stranger = Resident(app, smpp, mailbox, client=("192.0.2.60", 50000))
    owner = Resident(app, smpp, mailbox, client=("192.0.2.61", 50000))
    with stranger.client, owner.client:
        answers = [stranger.start(phone="0401234567").status_code for _ in range(5)]
        assert answers[:3] == [303, 303, 303] and answers[3:] == [429, 429]
        sent = len(owner.sms_to_all(A_PHONE))
        assert sent == 3
        assert owner.start(phone="0401234567").status_code == 303
        assert len(owner.sms_to_all(A_PHONE)) == sent + 1


def test_the_ceiling_per_number_holds_over_many_clients(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = portal_app(tmp_path, engine, smpp, mailbox, pins_per_destination_day_all=4)
    people = [Resident(app, smpp, mailbox, client=(f"192.0.2.{n}", 50000)) for n in range(6)]
    answers = []
    for person in people:
        with person.client:
            answers.append(person.start(phone="0401234567").status_code)
    assert answers == [303] * 4 + [429] * 2
    assert len(people[0].sms_to_all(A_PHONE)) == 4


@pytest.mark.parametrize("typed", [
    "+449098790879",  # UK premium rate
    "+35860012345",  # Finnish 0600 premium rate
    "+2348031234567",  # a mobile of another country
    "+46701234567",  # a Swedish mobile: the utility's country is Finland
])
def test_a_pin_goes_only_to_ordinary_numbers_of_the_country(
    resident: Resident, smpp, typed: str
) -> None:
    before = len(smpp.messages())
    page = resident.start(phone=typed)
    assert page.status_code == 400
    assert FI["phone_not_ordinary"] in page.text
    assert len(smpp.messages()) == before
    # An Åland number shares Finland's country code and is ordinary.
    assert resident.start(phone="+358 18 123 456").status_code == 303


@pytest.mark.parametrize(("region", "number", "ordinary"), [
    ("FI", "+35818123456", True),  # Åland is part of Finland's numbering
    ("US", "+12025550123", True),
    ("US", "+18762091234", False),  # Jamaica shares +1, not the country
    ("GB", "+447400123456", True),
    ("GB", "+447797123456", False),  # Jersey shares +44
])
def test_a_shared_calling_code_is_not_the_country(region: str, number: str, ordinary: bool):
    from gis_outage.phones import OutsideArea, ordinary_number

    if ordinary:
        assert ordinary_number(number, region) == number
    else:
        with pytest.raises(OutsideArea):
            ordinary_number(number, region)


def test_strangers_on_many_connections_cannot_lock_out_a_browser_that_logged_in_before(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    """The ceilings per number (PIN messages and wrong PINs from all clients) can be
    filled by strangers on a few connections; the owner's browser, which logged in with
    the number before, is not refused by them. A browser that never did still is."""
    app = portal_app(tmp_path, engine, smpp, mailbox, pins_per_destination_day_all=4,
                     failed_pins_per_destination_day=3)
    owner = Resident(app, smpp, mailbox, client=("192.0.2.61", 50000))
    with owner.client:
        owner.register_phone("0401234567", A_PHONE)
        assert owner.post("/portal/logout", {}, page="/portal/me").status_code == 303
        names = {c.name for c in owner.client.cookies.jar}
        assert "__Secure-portal_known" in names and not any("session" in n for n in names)
        for n in range(3):  # with the owner's own PIN: 4, the ceiling
            stranger = Resident(app, smpp, mailbox, client=(f"192.0.2.{n}", 50000))
            with stranger.client:
                assert stranger.start(phone="0401234567").status_code == 303
                stranger.enter_pin(wrong(last_pin(stranger, A_PHONE)))
        newcomer = Resident(app, smpp, mailbox, client=("192.0.2.62", 50000))
        with newcomer.client:
            assert newcomer.start(phone="0401234567").status_code == 429
        assert owner.register_phone("0401234567", A_PHONE).status_code == 200
        assert session_cookie(owner) is not None
