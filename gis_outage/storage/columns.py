"""Column types and helpers every table of the schema uses: one metadata with the
naming convention the migrations rely on, UTC timestamps, JSON, enum columns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware timestamps, stored in UTC, returned as aware UTC datetimes.

    SQLite has no timezone type; storing UTC everywhere keeps comparisons (e.g.
    `updated_since`) correct on both backends. Naive datetimes are refused because
    guessing their zone is how outage times end up an hour off.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} — give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(name: str, enum: type[StrEnum], **kw: Any) -> sa.Column[Any]:
    """A string column limited to the enum's values by a named CHECK constraint."""
    type_ = sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum) + 8,  # room for a longer future value
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
    return sa.Column(name, type_, nullable=kw.pop("nullable", False), **kw)


def created_at() -> sa.Column[Any]:
    return sa.Column("created_at", UTCDateTime(), nullable=False, default=utcnow)
