"""Whose a phone number or e-mail address is: an attacker logged in to the portal types a
stranger's number or address and tries to silence it (opt-out), to read its message
history (export) or whether it is blocked (/portal/me). A destination counts for an
account only once its owner proved it there: a PIN to the number, a link to the
address. Against the running app on SQLite and PostGIS, PINs and links read off the
real SMPP and SMTP servers they went through."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.phones import mask
from gis_outage.services.recipients import resolve_for
from gis_outage.storage.recipients import add_opt_out, insert_deliveries_once
from gis_outage.storage.schema import audit_log
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
    assert len(resident.sms_to(VICTIM, sent + 1)) == sent + 1
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
    assert added.headers["location"] == "/portal/me?m=link_sent"
    assert len(resident.mails_to(VICTIM_EMAIL, mails + 1)) == mails + 1  # the link went there
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
    whether another account holds the address or not."""
    victim = make_resident()
    victim.register_email(VICTIM_EMAIL, name="Vieno")
    free = "vapaa@example.fi"
    answers = []
    for person, phone, e164, email in [
        (resident, "040 123 4567", ATTACKER, VICTIM_EMAIL),
        (make_resident(), "045 999 8877", "+358459998877", free),
    ]:
        me = person.register_phone(phone, e164, email=email, name="Kokeilija")
        new = person.get("/portal/me/addresses/new")
        export = json.loads(person.post("/portal/me/export", {}, page="/portal/me").text)
        assert email not in me.text and email not in new.text, email
        assert [x["destination"] for x in export["logins"]] == [e164]
        answers.append((me.status_code, me.text.replace(e164, "N").count("<li"),
                        sorted(export), len(export["subscriptions"])))  # fmt: skip
    assert answers[0] == answers[1]
    # The free address still becomes a login once its owner opens the link.
    link = resident.link(free, "verify")
    owner = make_resident()
    owner.get(link)
    assert owner.post(link, {}).status_code == 200
    assert {r["destination"]: r["verified_at"] is not None
            for r in rows(engine, "portal_logins")}[free]  # fmt: skip
