"""Apartment blocks: a registration never silences the neighbours' directory numbers;
the apartment part of an address ("A 12") from the directory import and the portal's
subscriptions narrows the facility; one phone and one e-mail per service per facility
where the utility turns that on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gis_outage.apartments import normalize_apartment
from gis_outage.config import Settings
from gis_outage.importers import parse_directory
from gis_outage.services.recipients import resolve_for
from gis_outage.storage.directory import directory_entries_for
from gis_outage.storage.schema import subscriptions
from gis_outage.storage.subscriptions import save_subscriptions

from .outage_data import add_addresses, add_directory, add_subscription, mobile

SETTINGS = Settings()


def resolve(db: Engine, addresses: list[str], **notify: object) -> set[str]:
    found = resolve_for(db, service="water", address_ids=addresses, at=date(2026, 12, 3),
                        settings=SETTINGS.with_changes(notify=notify))
    return {r.destination for r in found}


@pytest.mark.parametrize(("raw", "form"), [
    ("A 12", "A 12"), ("a12", "A 12"), (" A12 ", "A 12"), ("as. 12", "12"), ("B 5 a", "B 5 A"),
    ("", None), (None, None),
])
def test_an_apartment_has_one_form(raw: str | None, form: str | None) -> None:
    assert normalize_apartment(raw) == form


def test_an_apartment_that_is_none_is_refused_saying_so() -> None:
    with pytest.raises(ValueError, match="not an apartment.*'12-14'"):
        normalize_apartment("12-14")


def test_the_directory_import_reads_the_apartment(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(
        "phone,address_id,apartment\n"
        "0401234567,T1,a12\n0401234568,T1,\n0401234569,T1,12-14\n", encoding="utf-8"
    )
    parsed = parse_directory(path)
    assert [r["apartment"] for r in parsed.rows] == ["A 12", None]
    assert parsed.examples == ["row 4: apartment: not an apartment (staircase letter and "
                               "number, e.g. 'A 12'): '12-14'"]


@pytest.fixture
def block(db_engine: Engine) -> Engine:
    """A block at B1: three adults' directory numbers in three apartments, one with no
    apartment given; a detached house at H1 with two numbers."""
    add_addresses(db_engine, ["B1", "H1"])
    add_directory(db_engine, [
        {"phone": mobile(1), "address_id": "B1", "number_type": "mobile", "apartment": "A 1"},
        {"phone": mobile(2), "address_id": "B1", "number_type": "mobile", "apartment": "A 2"},
        {"phone": mobile(3), "address_id": "B1", "number_type": "mobile", "apartment": "B 7"},
        {"phone": mobile(4), "address_id": "B1", "number_type": "mobile"},
        {"phone": mobile(5), "address_id": "H1", "number_type": "mobile"},
        {"phone": mobile(6), "address_id": "H1", "number_type": "mobile"},
    ])
    return db_engine


def test_a_registration_in_a_block_silences_no_neighbour(block: Engine) -> None:
    sub = add_subscription(block, "B1", phone=mobile(10))
    assert resolve(block, ["B1"]) == {mobile(n) for n in (1, 2, 3, 4, 10)}
    # With facility contacts on, a registration for apartment A 2 replaces A 2's number
    # only; the registrant had given no apartment before, which is the building's own.
    assert resolve(block, ["B1"], subscription_replaces_directory="facility") == {
        mobile(n) for n in (1, 2, 3, 10)
    }
    save_subscriptions(block, sub, "B1", ["water"], {"phone": mobile(10), "apartment": "a2"})
    with block.connect() as conn:
        assert conn.execute(sa.select(subscriptions.c.apartment)).scalars().all() == ["A 2"]
    assert resolve(block, ["B1"], subscription_replaces_directory="facility") == {
        mobile(n) for n in (1, 3, 4, 10)
    }
    # A detached house: the facility is the house.
    add_subscription(block, "H1", phone=mobile(11))
    assert resolve(block, ["H1"], subscription_replaces_directory="facility") == {mobile(11)}
    assert [e.apartment for e in directory_entries_for(block, ["B1"])] == [
        "A 1", "A 2", "B 7", None
    ]


def test_one_phone_and_one_email_per_service_per_facility_when_turned_on(
    block: Engine,
) -> None:
    for n in (20, 21, 22):  # three residents of one house register, the last one wins
        add_subscription(block, "H1", phone=mobile(n), email=f"r{n}@example.fi")
    add_subscription(block, "H1", email="unverified@example.fi", verified=False)
    add_subscription(block, "H1", phone=mobile(30), role="property_manager")
    everyone = resolve(block, ["H1"])
    assert {mobile(20), mobile(21), mobile(22), "r20@example.fi", "r21@example.fi"} <= everyone
    one = resolve(block, ["H1"], one_contact_per_facility=True)
    assert one == {mobile(5), mobile(6), mobile(22), "r22@example.fi", mobile(30)}


def test_a_directory_entry_is_messaged_in_the_language_the_directory_gives(
    tmp_path: Path, db_engine: Engine,
) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(
        "phone,address_id,language\n0401234567,L1,SV\n0401234568,L1,\n0401234569,L1,de\n",
        encoding="utf-8",
    )
    parsed = parse_directory(path)
    assert [r["language"] for r in parsed.rows] == ["sv", None]
    assert parsed.examples == ["row 4: language is none of fi, sv, en, lt"]
    add_addresses(db_engine, ["L1"])
    add_directory(db_engine, parsed.rows)
    found = resolve_for(db_engine, service="water", address_ids=["L1"], at=date(2026, 12, 3),
                        settings=SETTINGS)
    assert {r.destination: r.language for r in found} == {
        "+358401234567": "sv", "+358401234568": "fi"
    }
