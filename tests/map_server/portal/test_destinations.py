"""Whose a phone number or e-mail address is: an attacker logged in to the portal types a
stranger's number or address and tries to silence it (opt-out), to read its message
history (export) or whether it is blocked (/portal/me). A destination counts for an
account only once its owner proved it there: a code sent to the number or address and
typed in the account that asked (a click in the owner's mailbox proves nothing). Against
the running app on SQLite and PostGIS, codes read off the real SMPP and SMTP servers
they went through."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.links import Links
from gis_outage.phones import mask
from gis_outage.services.recipients import resolve_for
from gis_outage.storage.recipients import add_opt_out, insert_deliveries_once
from gis_outage.storage.schema import audit_log, portal_rate_events
from map_server.portal.i18n import PORTAL
from tests.map_server.data import add_addresses
from tests.notifier.outage_data import last_event, publish_outage

from .conftest import PIN, Resident, rows

FI = PORTAL["fi"]
ATTACKER = "+358401234567"
VICTIM, VICTIM_EMAIL = "+358451112233", "vieno@example.fi"


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The portal's database on each backend, with the address register."""
    db = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "postgis_db")
    add_addresses(db)
    return db


def recipients(engine: Engine, address: str) -> set[str]:
    found = resolve_for(engine, service="water", address_ids=[address], at=date.today(),
                        settings=Settings())
    return {r.destination for r in found}


def audit(engine: Engine, action: str) -> list[dict]:
    with engine.connect() as conn:
        query = sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def victim_at_a2(make_resident) -> Resident:
    """The owner of VICTIM and VICTIM_EMAIL, registered by PIN, notified at A2."""
    victim = make_resident()
    victim.register_phone("045 111 2233", VICTIM, name="Vieno")
    victim.add_address("00100", "Mannerheimintie", "7", phone=VICTIM)
    return victim


def test_a_stranger_cannot_be_silenced_by_typing_their_number(
    resident: Resident, make_resident, engine: Engine
) -> None:
    victim_at_a2(make_resident)
    assert recipients(engine, "A2") == {VICTIM}
    sent = len(resident.sms_to_all(VICTIM))
    resident.register_phone("040 123 4567", ATTACKER, name="Hyökkääjä")

    added = resident.add_address("00100", "Mannerheimintie", "5", phone="045 111 2233")
    refused = resident.post("/portal/me/opt-out", {"destination": VICTIM}, page="/portal/me")
    assert refused.status_code == 403 and FI["prove_first"] in refused.text
    assert rows(engine, "opt_outs") == []
    assert recipients(engine, "A2") == {VICTIM}

    # Typing the stranger's number sent the stranger a PIN; it stays a claim.
    assert added.headers["location"] == "/portal/me/prove"
    texts = resident.sms_to(VICTIM, sent + 1)
    assert len(texts) == sent + 1
    # The owner reads that someone else asked, and not to hand the code over.
    pin = PIN.search(texts[-1]).group(1)
    assert texts[-1] == FI["proof_sms"].format(utility="Testivesi", pin=pin, minutes=10)
    assert [s["phone_verified_at"] for s in rows(engine, "subscriptions")
            if s["address_id"] == "A1"] == [None]  # fmt: skip
    assert recipients(engine, "A1") == set()  # nothing goes to a claim
    assert resident.post("/portal/me/opt-in", {"destination": VICTIM},
                         page="/portal/me").status_code == 403  # fmt: skip
    # Removing the claim removes nothing of the stranger's.
    [claim] = [s for s in rows(engine, "subscriptions") if s["address_id"] == "A1"]
    resident.post(f"/portal/me/subscriptions/{claim['id']}/delete", {"confirm": "yes"},
                  page="/portal/me")  # fmt: skip
    assert recipients(engine, "A2") == {VICTIM}
    assert audit(engine, "portal.opt_out") == []


def test_an_email_proven_in_another_account_is_proven_again(
    resident: Resident, make_resident, engine: Engine
) -> None:
    victim = make_resident()
    victim.register_email(VICTIM_EMAIL, name="Vieno")
    victim.add_address("00100", "Mannerheimintie", "7", email=VICTIM_EMAIL, phone="")
    assert recipients(engine, "A2") == {VICTIM_EMAIL}
    mails = len(resident.mailbox.to(VICTIM_EMAIL))

    resident.register_phone("040 123 4567", ATTACKER)
    added = resident.add_address("00100", "Mannerheimintie", "5", email=VICTIM_EMAIL, phone="")
    assert added.headers["location"] == "/portal/me/prove"
    assert len(resident.mails_to(VICTIM_EMAIL, mails + 1)) == mails + 1  # the code went there
    refused = resident.post("/portal/me/opt-out", {"destination": VICTIM_EMAIL},
                            page="/portal/me")  # fmt: skip
    assert refused.status_code == 403 and rows(engine, "opt_outs") == []
    assert recipients(engine, "A2") == {VICTIM_EMAIL}
    assert recipients(engine, "A1") == set()


def test_export_and_page_say_nothing_of_a_strangers_number(
    resident: Resident, make_resident, engine: Engine
) -> None:
    victim_at_a2(make_resident)
    outage = publish_outage(engine, ["A2"])
    insert_deliveries_once(engine, last_event(engine, outage), [(VICTIM, "sms")])
    add_opt_out(engine, VICTIM, "sms")  # the stranger sent STOP

    resident.register_phone("040 123 4567", ATTACKER)
    resident.add_address("00100", "Mannerheimintie", "5", phone="045 111 2233")
    page = resident.get("/portal/me")
    [claimed] = [li for li in page.text.split("<li ")[1:] if VICTIM in li.split("</li>")[0]]
    assert 'data-proven="false"' in claimed and "data-blocked" not in claimed
    assert FI["blocked"] not in claimed and FI["receives"] not in claimed
    assert FI["awaiting_proof"] in claimed

    export = json.loads(resident.post("/portal/me/export", {}, page="/portal/me").text)
    assert export["deliveries"] == [] and export["opt_outs"] == []
    assert [s["phone"] for s in export["subscriptions"]] == [VICTIM]  # what they typed
    [row] = audit(engine, "portal.export")
    assert row["details"] == {"deliveries": 0} and VICTIM not in json.dumps(row["details"])


def test_a_number_added_counts_once_its_pin_is_typed(resident: Resident, engine: Engine) -> None:
    resident.register_phone("040 123 4567", ATTACKER)
    added = resident.add_address("00100", "Mannerheimintie", "5", phone="045 111 2233")
    assert added.headers["location"] == "/portal/me/prove"
    page = resident.follow(added)
    assert FI["sent_sms"].format(to=mask(VICTIM)) in page.text
    assert 'action="/portal/me/prove"' in page.text
    pin = PIN.search(resident.sms_to_all(VICTIM)[-1]).group(1)
    # The proof's PIN opens no session: the login form does not know its challenge.
    jar = resident.client.cookies
    jar.set("__Host-portal_pin", jar.get("__Host-portal_prove"), domain="testserver")
    login = resident.post("/portal/pin", {"pin": pin}, page="/portal/me")
    assert login.headers["location"] == "/portal/?m=pin_dead"
    assert len(rows(engine, "portal_sessions")) == 1
    wrong = resident.post("/portal/me/prove", {"pin": f"{(int(pin) + 1) % 10_000:04d}"},
                          page="/portal/me/prove")  # fmt: skip
    assert wrong.status_code == 400 and FI["wrong_pin"].format(n=4) in wrong.text
    done = resident.post("/portal/me/prove", {"pin": pin}, page="/portal/me/prove")
    assert done.headers["location"] == "/portal/me?m=proven"
    assert recipients(engine, "A1") == {VICTIM}
    assert FI["proven"] in resident.get("/portal/me?m=proven").text

    # Now its owner may block it, and the audit says which (masked) and how.
    assert resident.post("/portal/me/opt-out", {"destination": VICTIM},
                         page="/portal/me").status_code == 303  # fmt: skip
    assert recipients(engine, "A1") == set()
    [proof] = audit(engine, "portal.destination.prove")
    assert proof["details"] == {"destination": mask(VICTIM), "by": "pin"}
    [blocked] = audit(engine, "portal.opt_out")
    assert blocked["details"] == {"destinations": [mask(VICTIM)], "new": 1}
    assert all(VICTIM not in json.dumps(r["details"]) for r in rows(engine, "audit_log"))
    # A new PIN can be asked for a number still waiting, not for a proven one.
    resend = resident.post("/portal/me/phone/resend", {"phone": VICTIM}, page="/portal/me")
    assert resend.status_code == 404


@pytest.mark.parametrize("typed", ["a@b.org,attacker", "a@b.org attacker",
                                   '"a,b"@b.org', "aino@localhost"])  # fmt: skip
def test_an_email_field_takes_one_address(
    resident: Resident, engine: Engine, typed: str
) -> None:
    """A list or a bare host in an e-mail field is refused with a message that says so,
    on every form, and nothing is mailed to any of it."""
    refused = resident.start(email=typed)
    assert refused.status_code == 400 and FI["email_invalid"] in refused.text
    asked = resident.post("/portal/unsubscribe", {"email": typed}, page="/portal/unsubscribe")
    assert asked.status_code == 400 and FI["email_invalid"] in asked.text
    resident.register_phone("040 123 4567", ATTACKER)
    added = resident.add_address("00100", "Mannerheimintie", "5", email=typed, expect=400)
    assert FI["email_invalid"] in added.text
    assert resident.mailbox.messages == [] and rows(engine, "subscriptions") == []


def test_whether_an_email_is_registered_cannot_be_probed(
    resident: Resident, make_resident, engine: Engine
) -> None:
    """Registering with a phone and an e-mail address gives the same pages and export
    whether another account holds the address or not: a code goes to the address either
    way, and its page comes next."""
    victim = make_resident()
    victim.register_email(VICTIM_EMAIL, name="Vieno")
    free = "vapaa@example.fi"
    answers, people = [], []
    for person, phone, e164, email in [
        (resident, "040 123 4567", ATTACKER, VICTIM_EMAIL),
        (make_resident(), "045 999 8877", "+358459998877", free),
    ]:
        mails = len(person.mailbox.to(email))
        prove = person.register_phone(phone, e164, email=email, name="Kokeilija")
        assert len(person.mails_to(email, mails + 1)) == mails + 1
        me = person.get("/portal/me")
        new = person.get("/portal/me/addresses/new")
        export = json.loads(person.post("/portal/me/export", {}, page="/portal/me").text)
        assert email not in me.text and email not in new.text, email
        assert [x["destination"] for x in export["logins"]] == [e164]
        answers.append((prove.status_code, prove.request.url.path,
                        prove.text.replace(mask(email), "M").count("<"),
                        me.status_code, me.text.replace(e164, "N").count("<li"),
                        sorted(export), len(export["subscriptions"])))  # fmt: skip
        people.append(person)
    assert answers[0] == answers[1]
    # The free address becomes a login once its code is typed in the account that asked.
    owner = people[1]
    assert owner.prove(owner.code(free)).headers["location"] == "/portal/me?m=proven"
    assert {r["destination"]: r["verified_at"] is not None
            for r in rows(engine, "portal_logins")}[free]  # fmt: skip


def test_a_click_in_the_victims_mailbox_hands_the_attacker_nothing(
    resident: Resident, make_resident, engine: Engine
) -> None:
    """The attack the link proof allowed: an attacker adds a stranger's e-mail address
    to their own account, and the stranger opens whatever the mail holds. Now the mail
    holds a code and nothing to click; the code proves the address only in the session
    that asked, so the owner typing it in their own account proves nothing for the
    attacker; the old verification link proves nothing either."""
    victim = make_resident()
    victim.register_email(VICTIM_EMAIL, name="Vieno")
    victim.add_address("00100", "Mannerheimintie", "7", email=VICTIM_EMAIL, phone="")
    outage = publish_outage(engine, ["A2"])
    insert_deliveries_once(engine, last_event(engine, outage), [(VICTIM_EMAIL, "email")])

    resident.register_phone("040 123 4567", ATTACKER, name="Hyökkääjä")
    mails = len(resident.mailbox.to(VICTIM_EMAIL))
    added = resident.add_address("00100", "Mannerheimintie", "5", email=VICTIM_EMAIL, phone="")
    assert added.headers["location"] == "/portal/me/prove"
    subject, body = resident.mails_to(VICTIM_EMAIL, mails + 1)[-1]
    assert subject == "Testivesi: joku pyysi lisäämään tämän sähköpostiosoitteen"
    assert FI["proof_email_text"].split("\n")[0] in body  # who asked, and to ignore it
    assert re.findall(r"https?://", body) == []  # nothing in it to click
    code = resident.code(VICTIM_EMAIL, mails + 1)

    # The victim types the code in their own account: it is not theirs to use.
    typed = victim.post("/portal/me/prove", {"pin": code}, page="/portal/me")
    assert typed.status_code == 400 and FI["pin_dead"] in typed.text
    # ...or opens a verification link of the old kind, signed with the portal's key.
    [attacker_id] = [r["subscriber_id"] for r in rows(engine, "portal_logins")
                     if r["destination"] == ATTACKER]  # fmt: skip
    old = Links(b"portal-test-key", lambda _purpose: 86400).make(
        "verify", VICTIM_EMAIL, attacker_id
    )
    opened = victim.get(f"/portal/verify/{old}")
    assert opened.status_code == 410 and FI["link_retired"] in opened.text
    assert victim.client.post(f"/portal/verify/{old}", data={}).status_code == 405

    # A wrong code from the attacker counts against the limits like a wrong PIN.
    events = len(rows(engine, portal_rate_events.name))
    wrong = resident.prove(f"{(int(code) + 1) % 10_000:04d}")
    assert wrong.status_code == 400 and FI["wrong_pin"].format(n=4) in wrong.text
    # (one event in this client's count for the address, one in the address's own)
    assert len(rows(engine, portal_rate_events.name)) == events + 2

    # The attacker has gained nothing over the address.
    [claim] = [s for s in rows(engine, "subscriptions") if s["address_id"] == "A1"]
    assert claim["email_verified_at"] is None
    assert recipients(engine, "A1") == set() and recipients(engine, "A2") == {VICTIM_EMAIL}
    refused = resident.post("/portal/me/opt-out", {"destination": VICTIM_EMAIL},
                            page="/portal/me")  # fmt: skip
    assert refused.status_code == 403 and rows(engine, "opt_outs") == []
    export = json.loads(resident.post("/portal/me/export", {}, page="/portal/me").text)
    assert export["deliveries"] == [] and export["opt_outs"] == []
    assert audit(engine, "portal.destination.prove") == []


def test_a_repeat_within_minutes_sends_nothing_and_says_so(
    resident: Resident, make_resident, engine: Engine
) -> None:
    """Asking again for a code just sent sends none, and the page says that a code went
    recently and when a new one can be asked; only this account's own codes count, so
    the answer says nothing of what another account asked for the same number."""
    other = make_resident()
    other.register_phone("045 999 8877", "+358459998877", name="Toinen")
    other.add_address("00100", "Mannerheimintie", "7", phone="045 111 2233")  # a code to VICTIM
    texts = len(resident.sms_to(VICTIM))

    resident.register_phone("040 123 4567", ATTACKER)
    added = resident.add_address("00100", "Mannerheimintie", "5", phone="045 111 2233")
    assert added.headers["location"] == "/portal/me/prove"  # the other's code is not ours
    assert len(resident.sms_to(VICTIM, texts + 1)) == texts + 1
    again = resident.post("/portal/me/phone/resend", {"phone": VICTIM}, page="/portal/me")
    assert again.status_code == 200
    said = [FI["code_sent_recently"].format(to=mask(VICTIM), resend=2, wait=w) for w in (1, 2)]
    assert any(text in again.text for text in said), again.text[-1500:]
    assert 'href="/portal/me/prove"' in again.text  # this browser holds that code
    assert FI["sent_sms"].split("{")[0] not in again.text  # no "we sent" for nothing sent
    assert len(resident.sms_to_all(VICTIM)) == texts + 1
