"""The service area as the portal offers it: postal codes, streets, house numbers and
the services the utility runs there."""

from __future__ import annotations

import sqlalchemy as sa

from gis_outage.model import Service
from gis_outage.storage.addresses import Address, find_addresses, is_named
from gis_outage.storage.db import Bind, read_connection
from gis_outage.storage.schema import (
    utility_services,
)

# -- addresses: the service area ---------------------------------------------------------


def resolve_address(bind: Bind, postal_code: str, street: str, house_number: str) -> Address | None:
    """The register's address with exactly this postal code, street and number (case
    and spacing aside), or None: the register is the service area."""
    postal_code, number = postal_code.strip(), " ".join(house_number.split()).lower()
    if not postal_code or not street.strip() or not number:
        return None
    for found in find_addresses(
        bind, postal_code=postal_code, street_prefix=street, house_number_prefix=number, limit=50
    ):
        if is_named(found, street) and found.house_number.lower() == number:
            return found
    return None


def house_numbers(
    bind: Bind, postal_code: str, street: str, prefix: str = "", limit: int = 50
) -> list[str]:
    """House numbers on the street within the postal code, for autocomplete."""
    found = find_addresses(
        bind,
        postal_code=postal_code,
        street_prefix=street,
        house_number_prefix=prefix or None,
        limit=limit * 4,
    )
    numbers = [a.house_number for a in found if is_named(a, street)]
    return list(dict.fromkeys(numbers))[:limit]


def offered_services(bind: Bind) -> list[str]:
    """The utility's services (every service while none is configured)."""
    with read_connection(bind) as conn:
        rows = set(conn.execute(sa.select(utility_services.c.service).distinct()).scalars())
    return [s.value for s in Service if not rows or s.value in rows]
