"""Recipient rules, on SQLite and PostGIS."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.model import RecipientSource as Source
from gis_outage.services.recipients import (
    Recipient,
    is_adult,
    preview_counts,
    resolve_for,
    resolve_recipients,
)
from gis_outage.storage.outages import get_event, get_outage, outage_events_for
from gis_outage.storage.recipients import add_opt_out

from .outage_data import (
    add_addresses,
    add_directory,
    add_subscription,
    landline,
    mobile,
    publish_outage,
)

SETTINGS = Settings(default_language="fi", default_region="FI")
TODAY = date(2026, 3, 2)


def resolve(db: Engine, addresses, service="water", **notifier) -> dict[str, Recipient]:
    found = resolve_for(
        db, service=service, address_ids=addresses, at=TODAY,
        settings=SETTINGS.with_changes(notify=notifier),
    )
    return {r.destination: r for r in found}


@pytest.fixture
def db(db_engine: Engine) -> Engine:
    add_addresses(db_engine, ["A1", "A2", "A3", "A4"])
    return db_engine


def test_directory_numbers_by_type_without_secret_ones(db: Engine) -> None:
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1", "number_type": "mobile"},
        {"phone": landline(2), "address_id": "A1", "number_type": "fixed_line"},
        {"phone": mobile(3), "address_id": "A1", "secret": True},
        {"phone": landline(4), "address_id": "A2"},  # unknown type: phonenumbers says fixed
        {"phone": mobile(5), "address_id": "A4"},  # not affected
    ])
    found = resolve(db, ["A1", "A2"])
    assert {d: (r.channel.value, r.source, r.language) for d, r in found.items()} == {
        mobile(1): ("sms", Source.DIRECTORY, "fi"),
        landline(2): ("voice", Source.DIRECTORY, "fi"),
        landline(4): ("voice", Source.DIRECTORY, "fi"),
    }


def test_under_16s_are_left_out_where_the_birth_year_is_known(db: Engine) -> None:
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1", "birth_year": TODAY.year - 17},
        {"phone": mobile(2), "address_id": "A1", "birth_year": TODAY.year - 16},  # maybe 15
        {"phone": mobile(3), "address_id": "A1", "birth_year": TODAY.year - 10},
        {"phone": mobile(4), "address_id": "A1"},  # age unknown
    ])
    assert set(resolve(db, ["A1"])) == {mobile(1), mobile(4)}
    assert is_adult(2010, date(2027, 1, 1), 16) and not is_adult(2010, date(2026, 12, 31), 16)


def test_age_is_judged_at_the_event_date(db: Engine) -> None:
    add_directory(db, [{"phone": mobile(1), "address_id": "A1", "birth_year": 2010}])
    kwargs = {"service": "water", "address_ids": ["A1"], "settings": SETTINGS}
    assert resolve_for(db, at=date(2026, 6, 1), **kwargs) == []
    assert len(resolve_for(db, at=date(2027, 6, 1), **kwargs)) == 1


def test_a_registration_replaces_only_its_own_number_unless_facilities_are_on(
    db: Engine,
) -> None:
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": mobile(2), "address_id": "A2"},
        {"phone": mobile(3), "address_id": "A1"},
    ])
    add_subscription(db, "A1", phone="0400000001", language="sv")  # its own, national form
    found = resolve(db, ["A1", "A2"])
    assert set(found) == {mobile(1), mobile(2), mobile(3)}  # no neighbour silenced
    assert found[mobile(1)].source == Source.SUBSCRIPTION
    assert found[mobile(1)].language == "sv"
    # A utility whose addresses are houses (a facility contact) replaces them all.
    add_subscription(db, "A2", phone="0409998887", language="sv")
    assert set(resolve(db, ["A1", "A2"], subscription_replaces_directory="facility")) == {
        mobile(1), "+358409998887"
    }


def test_an_email_only_subscription_keeps_the_directory_numbers(db: Engine) -> None:
    add_directory(db, [{"phone": mobile(1), "address_id": "A1"}])
    add_subscription(db, "A1", email="Resident@Example.FI", language="en")
    found = resolve(db, ["A1"])
    assert set(found) == {mobile(1), "resident@example.fi"}
    assert found["resident@example.fi"].channel.value == "email"
    assert found["resident@example.fi"].language == "en"


def test_unverified_emails_are_ignored(db: Engine) -> None:
    add_subscription(db, "A1", email="unverified@example.fi", verified=False)
    add_subscription(db, "A2", email="verified@example.fi", verified=True)
    assert set(resolve(db, ["A1", "A2"])) == {"verified@example.fi"}


def test_unproven_phone_numbers_are_ignored_and_replace_nothing(db: Engine) -> None:
    """A number typed in the portal and never proven by PIN may be anyone's: it gets no
    message, and the directory numbers of its address stay."""
    add_directory(db, [{"phone": mobile(1), "address_id": "A1"}])
    add_subscription(db, "A1", phone=mobile(8), email="typed@example.fi", verified=False)
    add_subscription(db, "A2", phone=mobile(9), verified=True)
    assert set(resolve(db, ["A1", "A2"])) == {mobile(1), mobile(9)}


def test_subscriptions_count_only_for_their_service(db: Engine) -> None:
    add_subscription(db, "A1", phone=mobile(7), service="electricity")
    add_directory(db, [{"phone": mobile(1), "address_id": "A1"}])
    assert set(resolve(db, ["A1"], service="water")) == {mobile(1)}
    assert set(resolve(db, ["A1"], service="electricity",
                       subscription_replaces_directory="facility")) == {mobile(7)}


def test_property_managers_are_added_without_replacing_residents(db: Engine) -> None:
    add_directory(db, [{"phone": mobile(1), "address_id": "A1"}])
    add_subscription(
        db, "A1", phone=mobile(50), email="isannoitsija@example.fi", role="property_manager"
    )
    found = resolve(db, ["A1"])
    assert set(found) == {mobile(1), mobile(50), "isannoitsija@example.fi"}
    assert found[mobile(50)].source == Source.MANAGER


def test_opted_out_destinations_get_nothing_whatever_the_source(db: Engine) -> None:
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": mobile(2), "address_id": "A2"},
    ])
    add_subscription(db, "A3", phone=mobile(3), email="out@example.fi")
    add_opt_out(db, mobile(1), "sms")
    add_opt_out(db, "out@example.fi", "email")
    add_opt_out(db, mobile(3), "sms")
    assert set(resolve(db, ["A1", "A2", "A3"])) == {mobile(2)}


def test_one_message_per_destination_across_addresses_and_sources(db: Engine) -> None:
    # The same number at three addresses (directory twice, registered once).
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": mobile(1), "address_id": "A2"},
    ])
    add_subscription(db, "A3", phone=mobile(1), language="en")
    add_subscription(db, "A3", email="same@example.fi", name="other")
    add_subscription(db, "A4", email="SAME@example.fi", name="third")
    found = resolve(db, ["A1", "A2", "A3", "A4"])
    assert sorted(found) == sorted([mobile(1), "same@example.fi"])
    assert found[mobile(1)].source == Source.SUBSCRIPTION  # its language wins
    assert found[mobile(1)].language == "en"


@pytest.mark.parametrize(
    ("policy", "expected"), [("sms", "sms"), ("voice", "voice"), ("skip", None)]
)
def test_ambiguous_number_types_follow_the_policy(db: Engine, policy, expected) -> None:
    # A US number: phonenumbers cannot tell mobile from fixed line there.
    add_directory(db, [{"phone": "+12015550123", "address_id": "A1"}])
    found = resolve(db, ["A1"], unknown_number_channel=policy)
    assert [r.channel.value for r in found.values()] == ([expected] if expected else [])


def test_invalid_numbers_are_skipped(db: Engine) -> None:
    add_directory(db, [
        {"phone": "+3581234567", "address_id": "A1"},  # E.164 in form, no such number
        {"phone": "+999123456789", "address_id": "A1"},  # no such country
    ])
    add_subscription(db, "A2", phone="12")
    assert resolve(db, ["A1", "A2"]) == {}


def test_recipients_of_an_event_and_preview_counts(db: Engine) -> None:
    add_directory(db, [
        {"phone": mobile(1), "address_id": "A1"},
        {"phone": landline(2), "address_id": "A2"},
        {"phone": mobile(3), "address_id": "A4"},
    ])
    add_subscription(db, "A3", email="a3@example.fi")
    outage_id = publish_outage(db, ["A1", "A2", "A3"])
    event = get_event(db, outage_events_for(db, outage_id)[-1].id)
    found = resolve_recipients(db, SETTINGS, event)
    assert sorted(r.address_id for r in found) == ["A1", "A2", "A3"]
    counts = preview_counts(db, SETTINGS, get_outage(db, outage_id).as_dict())
    assert counts == {"sms": 1, "email": 1, "voice": 1}
    assert all(isinstance(v, int) for v in counts.values())  # counts only, nothing personal
    assert "+358" not in repr(found) and "@" not in repr(found)  # repr leaves them out


def test_directory_numbers_without_a_language_take_their_municipality_s_majority(
    db: Engine,
) -> None:
    """Korsholm (Mustasaari in Finnish) speaks Swedish in the main; Helsinki does not."""
    add_addresses(db, ["K1", "K2"], street="Skolvägen", municipality="Korsholm")
    add_addresses(db, ["M1"], street="Koulutie", municipality=" mustasaari ")
    add_directory(db, [
        {"phone": mobile(1), "address_id": "K1", "number_type": "mobile"},
        {"phone": mobile(2), "address_id": "K2", "number_type": "mobile", "language": "fi"},
        {"phone": mobile(3), "address_id": "M1", "number_type": "mobile"},
        {"phone": mobile(4), "address_id": "A1", "number_type": "mobile"},  # Helsinki
    ])  # fmt: skip
    found = resolve(db, ["K1", "K2", "M1", "A1"])
    assert {d: r.language for d, r in found.items()} == {
        mobile(1): "sv",  # no language in the extract: the municipality's
        mobile(2): "fi",  # the extract's own language wins
        mobile(3): "sv",  # by its Finnish name too
        mobile(4): "fi",  # not in the table: the utility's default
    }
    # A utility that offers no Swedish keeps its default language.
    finnish_only = resolve_for(
        db, service="water", address_ids=["K1"], at=TODAY,
        settings=SETTINGS.with_changes(languages=["fi", "en"]),
    )
    assert [r.language for r in finnish_only] == ["fi"]
