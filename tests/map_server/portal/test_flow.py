"""The resident's flows through plain HTML forms (no JavaScript), PINs read back from
the real SMPP and SMTP servers they were sent through."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.services.recipients import resolve_for
from gis_outage.storage.recipients import add_opt_out
from gis_outage.storage.schema import opt_outs
from map_server.app import create_app
from map_server.portal.i18n import PORTAL
from map_server.portal.links import unsubscribe_url
from notifier.channels.demo import mask, recent_messages
from tests.notifier.outage_data import wait_until

from .conftest import PIN, Resident, portal_settings, rows

FI, SV, EN = PORTAL["fi"], PORTAL["sv"], PORTAL["en"]
MOBILE = "+358401234567"


def recipients(engine: Engine, address: str, service: str = "water") -> set[str]:
    from datetime import date

    found = resolve_for(engine, service=service, address_ids=[address], at=date.today(),
                        settings=Settings())
    return {r.destination for r in found}


def subscriptions_of(engine: Engine) -> list[dict]:
    return sorted(rows(engine, "subscriptions"), key=lambda r: r["id"])


def test_register_by_sms_pin_add_change_and_delete_addresses(
    resident: Resident, engine: Engine
) -> None:
    assert resident.get("/portal/").status_code == 200
    me = resident.register_phone("040 123 4567", MOBILE, name="Maija Meikäläinen")
    assert FI["welcome_new"] in me.text
    [sms] = resident.sms_to(MOBILE)
    assert sms.startswith("Testivesi: vahvistuskoodisi on ") and "10 min" in sms

    # Home: two services; the street typed in lower case with extra spaces.
    done = resident.add_address(
        "00100", "  mannerheimintie ", "5", services=["water", "electricity"], phone="040 123 4567"
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal/me?m=saved"
    # A building managed: another address, as property manager, with invoice numbers.
    done = resident.add_address(
        "00530",
        "Hämeentie",
        "12",
        role="property_manager",
        phone="+358 45 111 2233",
        customer_number="C-100",
        facility_number="F 7",
    )
    # Another number than the one logged in with: its PIN goes to it, typed here.
    assert done.headers["location"] == "/portal/me/prove"
    pin = PIN.search(resident.sms_to("+358451112233")[-1]).group(1)
    proven = resident.post("/portal/me/prove", {"pin": pin}, page="/portal/me/prove")
    assert proven.headers["location"] == "/portal/me?m=proven"
    subs = subscriptions_of(engine)
    assert [(s["address_id"], s["service"], s["role"], s["phone"]) for s in subs] == [
        ("A1", "water", "resident", MOBILE),
        ("A1", "electricity", "resident", MOBILE),
        ("A3", "water", "property_manager", "+358451112233"),
    ]
    assert subs[2]["customer_number"] == "C-100" and subs[2]["facility_number"] == "F 7"
    page = resident.get("/portal/me?m=saved")
    assert page.text.count('class="place"') == 2 and FI["saved"] in page.text
    assert "Mannerheimintie 5, 00100 Helsinki" in page.text
    assert MOBILE in recipients(engine, "A1")

    # Change one: the phone; then remove it and the whole second address.
    water = subs[0]["id"]
    form = resident.get(f"/portal/me/subscriptions/{water}")
    assert form.status_code == 200 and 'value="+358401234567"' in form.text
    done = resident.post(
        f"/portal/me/subscriptions/{water}", {"phone": "0451112233", "role": "resident"}
    )
    assert done.headers["location"] == "/portal/me?m=saved"  # proven above: no new PIN
    assert subscriptions_of(engine)[0]["phone"] == "+358451112233"
    # Removing asks first: the first press shows what would go, nothing is deleted.
    asked = resident.post(f"/portal/me/subscriptions/{water}/delete", {}, page="/portal/me")
    assert asked.status_code == 200 and 'id="confirm-delete"' in asked.text
    assert len(subscriptions_of(engine)) == 3
    done = resident.post(f"/portal/me/subscriptions/{water}/delete", {"confirm": "yes"},
                         page="/portal/me")
    assert done.status_code == 303
    asked = resident.post("/portal/me/addresses/delete", {"address_id": "A3"}, page="/portal/me")
    assert asked.status_code == 200 and "Hämeentie 12, 00530" in asked.text
    done = resident.post("/portal/me/addresses/delete", {"address_id": "A3", "confirm": "yes"},
                         page="/portal/me")
    assert done.status_code == 303
    assert [(s["address_id"], s["service"]) for s in subscriptions_of(engine)] == [
        ("A1", "electricity")
    ]  # fmt: skip


def test_the_apartment_of_a_block_is_asked_and_kept_in_one_form(
    resident: Resident, engine: Engine
) -> None:
    resident.register_phone("040 123 4567", MOBILE, name="Maija Meikäläinen")
    form = resident.get("/portal/me/addresses/new")
    assert FI["apartment"] in form.text and FI["apartment_hint"] in form.text
    refused = resident.add_address("00100", "Mannerheimintie", "5", phone="040 123 4567",
                                   apartment="12-14", expect=400)
    assert FI["apartment_invalid"] in refused.text
    assert subscriptions_of(engine) == []
    resident.add_address("00100", "Mannerheimintie", "5", phone="040 123 4567", apartment="a12")
    [sub] = subscriptions_of(engine)
    assert sub["apartment"] == "A 12"
    # The list of subscriptions says which apartment each one is for.
    listed = resident.get("/portal/me")
    assert f'{FI["apartment"]}</th>' in listed.text
    assert f'data-subscription-id="{sub["id"]}"' in listed.text
    assert 'class="apartment">A 12</td>' in listed.text
    edit = resident.get(f"/portal/me/subscriptions/{sub['id']}")
    assert 'value="A 12"' in edit.text and "Mannerheimintie 5 A 12, 00100" in edit.text
    resident.post(f"/portal/me/subscriptions/{sub['id']}",
                  {"phone": "0401234567", "role": "resident", "apartment": "b 3"})
    assert subscriptions_of(engine)[0]["apartment"] == "B 3"
    assert 'class="apartment">B 3</td>' in resident.get("/portal/me").text


@pytest.mark.parametrize(
    "typed", ["0401234567", "+358 40 123 4567", "040-123 4567", "00358401234567", "040 123"]
)
def test_phone_forms_are_normalised(resident: Resident, engine: Engine, typed: str) -> None:
    if typed == "040 123":  # too short to be a number
        response = resident.start(phone=typed)
        assert response.status_code == 400 and FI["phone_invalid"] in response.text
        assert resident.smpp.messages() == []
        return
    resident.register_phone(typed, MOBILE)
    assert [r["destination"] for r in rows(engine, "portal_logins")] == [MOBILE]


def test_invalid_input_is_shown_back_and_nothing_is_sent(resident: Resident) -> None:
    response = resident.start(name="", phone="12", email="not-an-address")
    assert response.status_code == 400
    for key in ("phone_invalid", "email_invalid"):
        assert FI[key] in response.text
    # A stray letter is a typo, not an extension to drop.
    response = resident.start(name="Maija", phone="0401234567x")
    assert response.status_code == 400 and FI["phone_invalid"] in response.text
    assert 'aria-invalid="true"' in response.text
    response = resident.start(name="Maija")
    assert response.status_code == 400 and FI["phone_or_email"] in response.text
    assert resident.smpp.messages() == [] and resident.mailbox.messages == []


def test_email_only_registration_gets_the_pin_by_smtp(resident: Resident, engine: Engine):
    email = "maija@example.fi"
    me = resident.register_email("Maija@Example.FI ".strip().lower())
    assert FI["welcome_new"] in me.text
    [(subject, body)] = resident.mails_to(email)
    assert subject == "Testivesi: vahvistuskoodi" and PIN.search(body)
    [login] = rows(engine, "portal_logins")
    assert login["destination"] == email and login["verified_at"] is not None
    # The address proven by PIN needs no second proof.
    resident.add_address("00100", "Mannerheimintie", "7", email=email)
    [sub] = subscriptions_of(engine)
    assert sub["email"] == email and sub["email_verified_at"] is not None
    assert email in recipients(engine, "A2")
    assert len(resident.mailbox.to(email)) == 1  # no verification link needed


def test_landline_hears_the_pin_in_a_call(resident: Resident, tmp_path: Path, engine: Engine):
    response = resident.start(phone="09 1234567")
    assert response.status_code == 303
    page = resident.follow(response)
    assert f"Soitamme numeroon {mask('+35891234567')}" in page.text
    # The call is placed in the background: the page does not wait for it.
    wait_until(lambda: recent_messages(5, tmp_path))
    [call] = recent_messages(5, tmp_path)
    assert call["channel"] == "voice" and call["to"].startswith("+35891")
    digits = re.search(r"koodisi on (\d), (\d), (\d), (\d)\.", call["text"])
    assert digits, call["text"]
    assert resident.smpp.messages() == []  # not an SMS
    page = resident.follow(resident.enter_pin("".join(digits.groups())))
    assert FI["welcome_new"] in page.text
    assert rows(engine, "portal_logins")[0]["channel"] == "voice"


def test_email_given_at_registration_counts_once_its_code_is_typed(
    resident: Resident, engine: Engine
):
    email = "maija@example.fi"
    page = resident.register_phone("0401234567", MOBILE, email=email)
    # The login's PIN went to the phone; a code to the e-mail, typed next.
    assert resident.page.request.url.path == "/portal/me/prove"
    assert FI["sent_email"].format(to="m•••@example.fi") in page.text
    [(subject, body)] = resident.mails_to(email)
    assert subject == "Testivesi: joku pyysi lisäämään tämän sähköpostiosoitteen"
    assert "/portal/" not in body  # nothing to click
    # Saving an address at once sends no second code, and says so truthfully.
    again = resident.add_address("00100", "Mannerheimintie", "5", email=email, phone="",
                                 expect=200)  # fmt: skip
    said = [FI["code_sent_recently"].format(to="m•••@example.fi", resend=2, wait=w) for w in (1, 2)]
    assert any(text in again.text for text in said)  # a new code in 2 min, or 1 if slow
    assert 'id="type-code" class="button" href="/portal/me/prove"' in again.text
    assert len(resident.mailbox.to(email)) == 1
    assert recipients(engine, "A1") == set()  # not proven: not used
    assert FI["unverified"] in resident.get("/portal/me").text

    done = resident.prove(resident.code(email))
    assert done.headers["location"] == "/portal/me?m=proven"
    assert recipients(engine, "A1") == {email}
    assert all(r["verified_at"] for r in rows(engine, "portal_logins"))


def test_outside_the_service_area_is_refused(resident: Resident, engine: Engine) -> None:
    resident.register_phone("0401234567", MOBILE)
    # Each way of missing gets its own answer, with what the register has instead.
    for postal, street, number, reason, offered in [
        ("00100", "Mannerheimintie", "99", "number_unknown",
         ["Mannerheimintie 5", "Mannerheimintie 7"]),
        ("00200", "Mannerheimintie", "5", "street_elsewhere", ["Mannerheimintie, 00100"]),
        ("00100", "Manerheimintie", "5", "street_unknown", ["Mannerheimintie", "Mannerheimvägen"]),
        ("00100", "Olematonkatu", "1", "street_unknown", []),
        ("00999", "Olematonkatu", "1", "postal_code_unknown", []),
        ("", "Mannerheimintie", "5", "address_incomplete", []),
    ]:  # fmt: skip
        response = resident.add_address(postal, street, number, phone=MOBILE, expect=400)
        assert f'data-reason="{reason}"' in response.text and FI[reason] in response.text
        found = re.findall(r"<li>([^<]*)</li>", response.text.split('id="address-error"')[1]
                           .split("</div>")[0])
        assert found == offered, (street, found)
    assert subscriptions_of(engine) == []
    # Without JavaScript the page offers the register's streets and numbers to pick.
    response = resident.add_address("00100", "Mannerheimintie", "99", phone=MOBILE, expect=400)
    assert '<option value="Mannerheimintie">' in response.text
    assert '<option value="5">' in response.text and '<option value="7">' in response.text


def test_autocomplete_by_post_from_the_register(resident: Resident) -> None:
    resident.register_phone("0401234567", MOBILE)
    resident.get("/portal/me/addresses/new")
    streets = resident.post(
        "/portal/me/autocomplete", {"field": "street", "postal_code": "00530", "street": "häm"}
    )
    assert streets.json() == {"options": ["Hämeentie"]}
    numbers = resident.post("/portal/me/autocomplete", {
        "field": "house_number", "postal_code": "00100", "street": "Mannerheimintie",
    }, page="/portal/me/addresses/new")  # fmt: skip
    assert numbers.json() == {"options": ["5", "7"]}


def test_a_new_pin_later_opens_the_same_registration(resident: Resident, engine: Engine):
    resident.register_phone("0401234567", MOBILE, name="Maija")
    resident.add_address("00100", "Mannerheimintie", "5", phone=MOBILE)
    out = resident.post("/portal/logout", {}, page="/portal/me")
    assert out.headers["location"] == "/portal/?m=logged_out"
    assert resident.get("/portal/me").status_code == 303  # the session is gone
    page = resident.register_phone("+358 40 123 4567", MOBILE, name="Someone Else")
    assert FI["welcome_new"] not in page.text
    assert "Mannerheimintie 5" in page.text
    assert [s["name"] for s in rows(engine, "subscribers")] == ["Maija"]


def test_language_choice(resident: Resident, engine: Engine) -> None:
    page = resident.get("/portal/?lang=sv")
    assert '<html lang="sv">' in page.text and SV["start_heading"] in page.text
    resident.register_phone("0401234567", MOBILE)
    [sms] = resident.sms_to(MOBILE)
    assert "din verifieringskod" in sms  # the PIN came in the language of the page
    assert rows(engine, "subscribers")[0]["language"] == "sv"
    done = resident.post(
        "/portal/me/profile", {"name": "Maija M", "language": "en"}, page="/portal/me"
    )
    page = resident.follow(done)
    assert '<html lang="en">' in page.text and EN["me_heading"] in page.text
    [subscriber] = rows(engine, "subscribers")
    assert (subscriber["name"], subscriber["language"]) == ("Maija M", "en")
    for lang in ("fi", "sv", "en"):  # the utility's (lt is offered where it is listed)
        strings = PORTAL[lang]
        privacy = resident.get(f"/portal/privacy?lang={lang}")
        assert strings["privacy"] in privacy.text


def test_download_all_own_data(resident: Resident, engine: Engine) -> None:
    resident.register_phone("0401234567", MOBILE, name="Maija", email="maija@example.fi")
    resident.add_address("00100", "Mannerheimintie", "5", phone="0401234567", customer_number="123")
    resident.post("/portal/me/opt-out", {"destination": MOBILE}, page="/portal/me")
    response = resident.post("/portal/me/export", {}, page="/portal/me")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["subscriber"]["name"] == "Maija"
    # The e-mail given at registration is a login once its code is typed, not before.
    assert {x["destination"] for x in data["logins"]} == {MOBILE}
    [sub] = data["subscriptions"]
    assert sub["address"]["street"] == "Mannerheimintie" and sub["customer_number"] == "123"
    assert [o["destination"] for o in data["opt_outs"]] == [MOBILE]
    assert data["sessions"] and "exported_at" in data


def test_erase_everything(resident: Resident, engine: Engine) -> None:
    resident.register_phone("0401234567", MOBILE)
    resident.add_address("00100", "Mannerheimintie", "5", phone=MOBILE)
    resident.post("/portal/me/opt-out", {"destination": MOBILE}, page="/portal/me")
    kept = resident.post("/portal/me/erase", {}, page="/portal/me")  # not confirmed
    assert kept.status_code == 303 and rows(engine, "subscribers")
    done = resident.post("/portal/me/erase", {"confirm": "yes"}, page="/portal/me")
    assert done.headers["location"] == "/portal/?m=erased"
    for table in ("subscribers", "subscriptions", "portal_logins", "portal_sessions"):
        assert rows(engine, table) == [], table
    assert [r["destination"] for r in rows(engine, "opt_outs")] == [MOBILE]  # still honoured
    assert resident.get("/portal/me").status_code == 303


def test_opt_out_in_the_portal_and_back(resident: Resident, engine: Engine) -> None:
    resident.register_phone("0401234567", MOBILE)
    resident.add_address("00100", "Mannerheimintie", "5", phone="0401234567")
    resident.add_address("00100", "Mannerheimintie", "7", phone="0451112233")
    assert recipients(engine, "A1") == {MOBILE}
    done = resident.post("/portal/me/opt-out", {"destination": MOBILE}, page="/portal/me")
    assert done.headers["location"] == "/portal/me?m=opted_out"
    assert recipients(engine, "A1") == set()
    assert [(r["destination"], r["channel"]) for r in rows(engine, "opt_outs")] == [
        (MOBILE, "sms")
    ]  # fmt: skip
    # The number this session proved by PIN may be allowed again ...
    page = resident.get("/portal/me")
    assert FI["unblock"] in page.text
    resident.post("/portal/me/opt-in", {"destination": MOBILE})
    assert recipients(engine, "A1") == {MOBILE}
    # ... a number only typed in (someone else may own it, and may have sent STOP) can
    # be neither blocked nor allowed: its owner does that, by PIN here or STOP there.
    add_opt_out(engine, "+358451112233", "sms")
    for action in ("opt-in", "opt-out"):
        refused = resident.post(
            f"/portal/me/{action}", {"destination": "+358451112233"}, page="/portal/me"
        )
        assert refused.status_code == 403 and FI["prove_first"] in refused.text
    assert "+358451112233" in {r["destination"] for r in rows(engine, "opt_outs")}


def test_opt_out_by_email_link(
    resident: Resident, engine: Engine, make_resident, tmp_path: Path
) -> None:
    email = "maija@example.fi"
    resident.register_email(email)
    resident.add_address("00100", "Mannerheimintie", "5", email=email, phone="")
    assert recipients(engine, "A1") == {email}
    # From the static link in outage e-mails: ask for a personal link.
    mail_app = make_resident()
    page = mail_app.get("/portal/unsubscribe")
    assert FI["unsubscribe_ask"] in page.text
    sent = mail_app.post("/portal/unsubscribe", {"email": email})
    assert sent.status_code == 200 and FI["unsubscribe_sent"] in sent.text
    link = mail_app.link(email, "unsubscribe")
    confirm = mail_app.get(link)
    assert FI["unsubscribe_heading"] in confirm.text
    assert recipients(engine, "A1") == {email}  # opening it changes nothing
    done = mail_app.post(link, {})
    assert done.status_code == 200 and FI["unsubscribed"] in done.text
    assert recipients(engine, "A1") == set()
    with engine.connect() as conn:
        assert conn.execute(sa.select(opt_outs.c.channel)).scalars().all() == ["email"]

    # Anyone's address gets the same answer and the same kind of link.
    other = make_resident()
    sent = other.post(
        "/portal/unsubscribe", {"email": "nobody@example.org"}, page="/portal/unsubscribe"
    )
    assert sent.status_code == 200 and FI["unsubscribe_sent"] in sent.text
    nobody = other.link("nobody@example.org", "unsubscribe")
    done = other.post(nobody, {}, page=nobody)
    assert done.status_code == 200 and FI["unsubscribed"] in done.text


def test_one_click_unsubscribe_and_the_link_for_outage_mails(
    resident: Resident, engine: Engine, tmp_path: Path
) -> None:
    email = "maija@example.fi"
    resident.register_email(email)
    resident.add_address("00100", "Mannerheimintie", "5", email=email, phone="")
    url = unsubscribe_url(
        email,
        Settings(data_dir=tmp_path, public_url="https://testserver",
                 portal={"secret_key": "portal-test-key"}),
    )
    assert url.startswith("https://testserver/portal/unsubscribe/") and "maija" not in url
    # RFC 8058: the mail client POSTs this body, with no cookie and no page.
    with TestClient(resident.client.app, base_url="https://testserver") as mail_client:
        response = mail_client.post(
            url.removeprefix("https://testserver"), data={"List-Unsubscribe": "One-Click"}
        )
    assert response.status_code == 200 and not mail_client.cookies.get("__Secure-portal_session")
    assert recipients(engine, "A1") == set()


def test_pin_and_links_use_the_notifier_providers(
    tmp_path: Path, engine: Engine, smpp, mailbox
) -> None:
    """A failing SMS provider fails over like the notifier's (here: to the demo one)."""
    app = create_app(portal_settings(
        tmp_path, smpp, mailbox, sms_providers="smpp,demo", smpp_port=9,  # nothing listens
    ), engine)
    person = Resident(app, smpp, mailbox)
    with person.client:
        response = person.start(phone="0401234567")
        assert response.status_code == 303
        [kept] = recent_messages(5, tmp_path)
        assert kept["channel"] == "sms" and "vahvistuskoodisi" in kept["text"]
        # No provider at all: said so, and no PIN waits for an answer.
        app.state.portal = None
        app.state.settings = portal_settings(tmp_path, smpp, mailbox, sms_providers="smpp",
                                             smpp_port=9)
        response = person.start(phone="0451112233")
        assert response.status_code == 503 and FI["send_failed"] in response.text
        live = [
            r for r in rows(engine, "portal_pin_challenges") if r["destination"] == "+358451112233"
        ]
        assert live == []


def test_every_portal_language_has_every_text() -> None:
    """Each language has each text, with the same {placeholders}."""
    from map_server.portal.i18n import PORTAL, PRIVACY

    def holes(text: str) -> list[str]:
        return sorted(re.findall(r"\{(\w+)\}", text))

    for lang, texts in PORTAL.items():
        assert set(texts) == set(PORTAL["en"]), lang
        assert {k: holes(v) for k, v in texts.items()} == {
            k: holes(v) for k, v in PORTAL["en"].items()
        }, lang
        assert len(PRIVACY[lang]) == len(PRIVACY["en"]), lang


def test_lithuanian_portal_where_the_utility_offers_it(tmp_path, engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from gis_outage.config import Settings
    from map_server.app import create_app

    settings = Settings(data_dir=tmp_path, languages=["fi", "sv", "en", "lt"])
    with TestClient(create_app(settings, engine)) as client:
        page = client.get("/portal/", params={"lang": "lt"}).text
        assert '<html lang="lt">' in page and "Gaukite pranešimus apie sutrikimus" in page
        assert 'data-lang="lt"' in page
        privacy = client.get("/portal/privacy", params={"lang": "lt"}).text
        assert "Duomenų valdytojas ir kontaktai" in privacy
    with TestClient(create_app(Settings(data_dir=tmp_path / "b"), engine)) as client:
        assert '<html lang="fi">' in client.get("/portal/", params={"lang": "lt"}).text
