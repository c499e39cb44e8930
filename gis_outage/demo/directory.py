"""A generated telecom-operator directory extract for the demo addresses.

The names are placeholders no one is called by (Finnish "Matti Meikäläinen"-style
surnames), the numbers are random but valid Finnish numbers. Nothing here is a real
subscriber entry, but a random valid number may belong to someone: only the demo's
local channel provider may ever "send" to them.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberType

from gis_outage.demo.layers import rng_stream
from gis_outage.model import NumberType

COLUMNS = ["phone", "address_id", "number_type", "secret", "birth_year", "first_name",
           "last_name"]
FIRST_NAMES = [
    "Aino", "Eino", "Helmi", "Onni", "Ella", "Väinö", "Sofia", "Leo", "Aada", "Elias",
    "Linnea", "Oliver", "Venla", "Eetu", "Kerttu", "Juho", "Saga", "Axel", "Maija", "Matti",
    "Liisa", "Pekka", "Anna", "Timo", "Emma", "Mikko", "Elsa", "Ville", "Iida", "Lauri",
]
# Placeholder surnames in the spirit of "Meikäläinen" (so-and-so) and "Esimerkki" (example).
LAST_NAMES = [
    "Meikäläinen", "Teikäläinen", "Esimerkki", "Testaaja", "Mallikas", "Oletus",
    "Kokeilija", "Näytelä", "Malliranta", "Esimerkkilä", "Testinen", "Keksitty",
    "Kuvitelma", "Harjoitus", "Demonen", "Exempelsson", "Testström", "Provare",
]
# Listings per address and their weights: mean about 1.6.
LISTINGS = ([0, 1, 2, 3, 4], [0.06, 0.42, 0.36, 0.10, 0.06])
MOBILE_PREFIXES = ["040", "050", "045"]
LANDLINE_SHARE = 0.2
SECRET_SHARE = 0.05
NO_BIRTH_YEAR_SHARE = 0.15
MINOR_SHARE = 0.04
# Born 2013 or later: under 16 until 2029, so the filter stays testable for years.
MINOR_BIRTH_YEARS = (2013, 2017)
ADULT_BIRTH_YEARS = (1930, 2006)
HOUSEHOLD_SURNAME_SHARE = 0.7  # listings at one address often share a surname


@dataclass(frozen=True)
class Listing:
    phone: str
    address_id: str
    number_type: str
    secret: bool
    birth_year: int | None
    first_name: str
    last_name: str


def build_directory(address_ids: pd.Series, seed: int) -> list[Listing]:
    rng = rng_stream(seed, "directory")
    used: set[str] = set()
    listings: list[Listing] = []
    for address_id in address_ids:
        household = str(rng.choice(LAST_NAMES))
        for _ in range(int(rng.choice(LISTINGS[0], p=LISTINGS[1]))):
            listings.append(_listing(rng, address_id, household, used))
    return listings


def _listing(rng: np.random.Generator, address_id: str, household: str, used: set[str]) -> Listing:
    draw = rng.random(5)
    minor = draw[0] < MINOR_SHARE
    if minor:
        birth_year: int | None = int(rng.integers(*MINOR_BIRTH_YEARS))
    elif draw[1] < NO_BIRTH_YEAR_SHARE:
        birth_year = None
    else:
        birth_year = int(rng.integers(*ADULT_BIRTH_YEARS))
    landline = not minor and draw[2] < LANDLINE_SHARE
    last = household if draw[4] < HOUSEHOLD_SURNAME_SHARE else str(rng.choice(LAST_NAMES))
    return Listing(
        phone=_unused_number(rng, landline, used),
        address_id=address_id,
        number_type=(NumberType.FIXED_LINE if landline else NumberType.MOBILE).value,
        secret=bool(draw[3] < SECRET_SHARE),
        birth_year=birth_year,
        first_name=str(rng.choice(FIRST_NAMES)),
        last_name=last,
    )


def _unused_number(rng: np.random.Generator, landline: bool, used: set[str]) -> str:
    """'040 123 4567' or '09 123 4567', valid for phonenumbers as that type, not yet used."""
    wanted = PhoneNumberType.FIXED_LINE if landline else PhoneNumberType.MOBILE
    while True:
        prefix = "09" if landline else str(rng.choice(MOBILE_PREFIXES))
        digits = "".join(str(d) for d in rng.integers(0, 10, size=7))
        phone = f"{prefix} {digits[:3]} {digits[3:]}"
        parsed = phonenumbers.parse(phone, "FI")
        if (
            phone not in used
            and phonenumbers.is_valid_number(parsed)
            and phonenumbers.number_type(parsed) == wanted
        ):
            used.add(phone)
            return phone


def write_directory(path: Path, listings: list[Listing]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for listing in listings:
            row = asdict(listing)
            row["secret"] = "true" if listing.secret else "false"
            row["birth_year"] = "" if listing.birth_year is None else listing.birth_year
            writer.writerow(row)
