"""The portal's rules without the web: gis_outage.services.registrations (addresses,
subscriptions, when a code goes) and gis_outage.services.pins (the check of a typed
PIN), on both backends, and the storage records they read."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import PortalSettings
from gis_outage.model import Channel
from gis_outage.services import pins, registrations
from gis_outage.storage.logins import complete_login, create_challenge, get_challenge
from gis_outage.storage.schema import utcnow
from tests.map_server.data import add_addresses

PHONE, OTHER, EMAIL = "+358401234567", "+358451112233", "maija@example.fi"
SECRET = b"k" * 32


def logged_in(db: Engine, *, email: str | None = None) -> int:
    """A subscriber who logged in with PHONE (and gave `email` beside it)."""
    challenge = create_challenge(
        db, token_hash="t" * 64, destination=PHONE, channel="sms", pin_hash="p" * 64,
        language="fi", name="Maija", email=email, expires_at=utcnow() + timedelta(minutes=10),
    )  # fmt: skip
    login = complete_login(
        db, challenge, session_token_hash="s" * 64, session_expires_at=utcnow() + timedelta(1)
    )
    assert login is not None
    return login.subscriber_id


def test_places_and_the_records_they_hold(db_engine: Engine) -> None:
    add_addresses(db_engine)
    me = logged_in(db_engine)
    a1 = registrations.find_address(db_engine, "00100", "mannerheimvägen", "5")
    assert a1 is not None and a1.id == "A1" and a1.place == "Mannerheimintie 5, 00100"
    registrations.add_address(db_engine, me, a1, ["electricity", "water"], {"phone": PHONE})
    [place] = registrations.places(db_engine, me)
    assert [s.service for s in place.subscriptions] == ["water", "electricity"]
    sub = place.subscriptions[0]
    assert sub.phone_verified_at is not None  # the login's number: proven by its PIN
    with pytest.raises(dataclasses.FrozenInstanceError):
        sub.phone = OTHER  # type: ignore[misc]
    assert PHONE not in repr(sub) and "Mannerheimintie" not in repr(sub)
    # Another subscriber's id finds nothing.
    stranger = registrations.own_subscription(db_engine, me + 1, sub.id)
    assert stranger is None and not registrations.remove_subscription(db_engine, me + 1, sub.id)
    assert registrations.subscriptions_at(db_engine, me + 1, "A1") == []
    assert registrations.remove_address(db_engine, me, "A1")
    assert not registrations.remove_address(db_engine, me, "A1")


def test_why_an_address_is_not_found(db_engine: Engine) -> None:
    add_addresses(db_engine)
    why = registrations.why_not_found
    assert why(db_engine, "00100", "Mannerheimintie", "") == ("address_incomplete", [])
    assert why(db_engine, "00100", "Mannerheimintie", "99") == (
        "number_unknown",
        ["Mannerheimintie 5", "Mannerheimintie 7"],
    )
    assert why(db_engine, "00100", "Hämeentie", "12") == (
        "street_elsewhere",
        ["Hämeentie, 00530", "Hämeentie, 00560"],
    )
    assert why(db_engine, "00100", "Mannerheimintei", "5") == (  # either name is close
        "street_unknown",
        ["Mannerheimintie", "Mannerheimvägen"],
    )


def test_where_a_pin_goes() -> None:
    # The phone when given, whether or not an e-mail came with it; a landline is called.
    assert registrations.pin_target(PHONE, EMAIL) == (PHONE, Channel.SMS)
    assert registrations.pin_target("+35891234567", None) == ("+35891234567", Channel.VOICE)
    assert registrations.pin_target(None, EMAIL) == (EMAIL, Channel.EMAIL)
    assert registrations.pin_target("", EMAIL) == (EMAIL, Channel.EMAIL)
    with pytest.raises(ValueError, match="phone number or an e-mail") as raised:
        registrations.pin_target("", "")
    assert PHONE not in str(raised.value)


def test_which_destination_gets_a_code(db_engine: Engine) -> None:
    add_addresses(db_engine)
    me = logged_in(db_engine, email=EMAIL)
    a2 = registrations.find_address(db_engine, "00100", "Mannerheimintie", "7")
    assert a2 is not None
    registrations.add_address(db_engine, me, a2, ["water"], {"phone": OTHER, "email": EMAIL})
    # The phone first; the login's own number needs none.
    assert registrations.to_prove_after_save(db_engine, me, (OTHER, EMAIL)) == OTHER
    assert registrations.to_prove_after_save(db_engine, me, (PHONE, None)) is None
    assert registrations.may_resend(db_engine, me, OTHER)
    assert registrations.may_resend(db_engine, me, EMAIL)  # on an address: a resend is asked
    assert not registrations.may_resend(db_engine, me, PHONE)  # proven already
    assert registrations.email_to_prove_after_login(db_engine, me, EMAIL)
    assert not registrations.email_to_prove_after_login(db_engine, me, None)
    # A code sent within the resend minutes is not followed by another.
    assert registrations.recent_proof(db_engine, me, OTHER, 2) is None
    create_challenge(
        db_engine, token_hash="q" * 64, destination=OTHER, channel="sms", pin_hash="p" * 64,
        language="fi", expires_at=utcnow() + timedelta(minutes=10), subscriber_id=me,
    )  # fmt: skip
    recent = registrations.recent_proof(db_engine, me, OTHER, 2)
    assert recent is not None and timedelta(0) < recent.wait <= timedelta(minutes=2)
    assert recent.is_for(get_challenge(db_engine, "q" * 64, subscriber_id=me))
    assert not recent.is_for(None)
    assert registrations.recent_proof(db_engine, me, OTHER, 2, now=utcnow() + timedelta(3)) is None
    assert registrations.recent_proof(db_engine, me + 1, OTHER, 2) is None  # not theirs


def test_a_typed_pin(db_engine: Engine) -> None:
    rules = pins.PinRules(db_engine, SECRET, PortalSettings(pin_max_attempts=2))
    token = "browser-token"
    create_challenge(
        db_engine, token_hash=pins.token_hash(token), destination=PHONE, channel="sms",
        pin_hash=pins.pin_hash(SECRET, token, "1234"), language="fi",
        expires_at=utcnow() + timedelta(minutes=10),
    )  # fmt: skip
    live = get_challenge(db_engine, pins.token_hash(token))
    assert registrations.challenge_open(live, 2) and not registrations.challenge_open(None, 2)
    assert live is not None and "1234" not in repr(live) and PHONE not in repr(live)
    slip = pins.check_pin(rules, token, live, "12a4", "192.0.2.1")
    assert (slip.error, slip.left, slip.status) == ("pin_format", 2, 400)  # no try used
    wrong = pins.check_pin(rules, token, live, "4321", "192.0.2.1")
    assert (wrong.error, wrong.left, wrong.dead) == ("wrong_pin", 1, False)
    right = pins.check_pin(rules, token, wrong.challenge, "12 34", "192.0.2.1")
    assert right.error is None and right.challenge.attempts == 2
    assert not pins.locked_out(rules, PHONE, "192.0.2.1")  # one wrong PIN: far from the limit
