"""Telephone directory entries from operators, replaced wholesale per source."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gis_outage.apartments import normalize_apartment
from gis_outage.model import Language, NumberType
from gis_outage.storage.db import (
    Bind,
    in_values,
    read_connection,
    write_transaction,
)
from gis_outage.storage.schema import directory_entries, utcnow

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
BATCH_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One operator directory entry as the notifier's resolve reads it (personal data)."""

    id: int
    phone: str  # E.164, checked on import
    number_type: str  # a model.NumberType value
    address_id: str
    apartment: str | None  # "A 12"; None: the building
    language: str | None  # where the operator's extract says
    secret: bool
    birth_year: int | None
    source: str


def replace_directory(
    bind: Bind,
    rows: Iterable[Mapping[str, Any]],
    source: str,
    imported_at: datetime | None = None,
) -> int:
    """Replace every entry of `source` by `rows`, atomically; returns the new count.

    Each row: `phone` (E.164, e.g. "+358401234567"), `address_id`, and optionally
    `number_type` (default unknown), `secret` (default False), `birth_year`, `apartment`
    ("A 12"; empty: the building), `language` (fi, sv, en, lt; empty: not known).
    A bad row aborts the whole import and the old entries stay.
    """
    imported_at = imported_at or utcnow()
    count = 0
    with write_transaction(bind) as conn:
        conn.execute(directory_entries.delete().where(directory_entries.c.source == source))
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(_entry(row, source, imported_at))
            if len(batch) >= BATCH_SIZE:
                conn.execute(directory_entries.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            conn.execute(directory_entries.insert(), batch)
            count += len(batch)
    return count


def directory_entries_for(bind: Bind, address_ids: Iterable[str]) -> list[DirectoryEntry]:
    """All directory entries at these addresses (filtering secret/under-16 is the caller's)."""
    c = directory_entries.c
    columns = (c.id, c.phone, c.number_type, c.address_id, c.apartment, c.language, c.secret,
               c.birth_year, c.source)
    wanted = sorted(set(address_ids))
    result: list[DirectoryEntry] = []
    with read_connection(bind) as conn:
        for start in range(0, len(wanted), 1000):
            query = (
                sa.select(*columns)
                .where(in_values(conn, c.address_id, wanted[start : start + 1000]))
                .order_by(c.id)
            )
            # The columns in the record's order: one record per row, built once.
            result += [DirectoryEntry(*row) for row in conn.execute(query)]
    return result


def _entry(row: Mapping[str, Any], source: str, imported_at: datetime) -> dict[str, Any]:
    phone = str(row["phone"]).strip()
    if not E164.match(phone):
        raise ValueError(f"phone number not in E.164 form (+358...): {phone!r}")
    birth_year = row.get("birth_year")
    return {
        "phone": phone,
        "number_type": NumberType(row.get("number_type") or NumberType.UNKNOWN).value,
        "address_id": str(row["address_id"]),
        "secret": bool(row.get("secret", False)),
        "birth_year": int(birth_year) if birth_year is not None else None,
        "apartment": normalize_apartment(row.get("apartment")),
        "language": Language(row["language"]).value if row.get("language") else None,
        "source": source,
        "imported_at": imported_at,
    }
