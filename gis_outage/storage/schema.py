"""The one database schema, for PostgreSQL + PostGIS and SQLite alike.

Alembic migrations in `gis_outage/migrations` create exactly this; a test compares the
migrated database against it. Enumerations are stored as their string values with a
CHECK constraint (no native enum types, so adding a value is a plain migration).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

from gis_outage.model import (
    Channel,
    DeliveryStatus,
    DeviceFinding,
    EventKind,
    NumberType,
    OutageKind,
    OutageStatus,
    Role,
    Service,
    SubscriptionRole,
)
from gis_outage.storage.geometry import Geometry

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


utilities = sa.Table(
    "utilities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False, default="Europe/Helsinki"),
    sa.Column("default_language", sa.String(8), nullable=False, default="fi"),
)

utility_services = sa.Table(
    "utility_services",
    metadata,
    sa.Column(
        "utility_id",
        sa.Integer,
        sa.ForeignKey("utilities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    enum_column("service", Service, primary_key=True),
)

network_versions = sa.Table(
    "network_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    enum_column("service", Service),
    created_at(),
    sa.Column("source_name", sa.Text, nullable=False),
    # EPSG code of the features' CRS; 0 = unknown (local coordinates).
    sa.Column("srid", sa.Integer, nullable=False),
    sa.Column("counts", JSONType, nullable=False),  # {"links": n, ...}
    sa.Column("extra_columns", JSONType, nullable=False),  # {"links": [names in order], ...}
    sa.Column("is_current", sa.Boolean, nullable=False, default=False),
    # At most one current version per service, enforced by the database.
    sa.Index(
        "uq_network_versions_current",
        "service",
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    ),
)


def _feature_table(name: str, *columns: sa.Column[Any]) -> sa.Table:
    """A network feature layer; features belong to one network version."""
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "network_version_id",
            sa.Integer,
            sa.ForeignKey("network_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # The interchange `id`; unique within a layer of one version.
        sa.Column("feature_id", sa.Text, primary_key=True),
        *columns,
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("geometry", Geometry(srid=None), nullable=True),
    )


network_links = _feature_table(
    "network_links",
    sa.Column("from_node", sa.Text),
    sa.Column("to_node", sa.Text),
    sa.Column("kind", sa.Text),
)

network_devices = _feature_table(
    "network_devices",
    sa.Column("link_id", sa.Text),
    sa.Column("node_id", sa.Text),
    sa.Column("kind", sa.Text),
    sa.Column("normally_passes", sa.Boolean, nullable=False, default=True),
    sa.Column("operable", sa.Boolean, nullable=False, default=True),
)

network_sources = _feature_table(
    "network_sources",
    sa.Column("node_id", sa.Text),
)

network_service_points = _feature_table(
    "network_service_points",
    sa.Column("link_id", sa.Text),
    sa.Column("node_id", sa.Text),
    sa.Column("address_id", sa.Text),
    sa.Column("customers", sa.Integer, nullable=False, default=1),
)

addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("street", sa.Text, nullable=False),
    sa.Column("house_number", sa.Text, nullable=False),
    sa.Column("postal_code", sa.Text, nullable=False),
    sa.Column("municipality", sa.Text),
    # casefold()ed street for prefix search; SQLite's lower() knows only ASCII (not ä/ö).
    sa.Column("street_key", sa.Text, nullable=False),
    sa.Column("geometry", Geometry(srid=4326)),
    # The street's Swedish name in a bilingual municipality (OSM name:sv, the national
    # address register's Swedish names): searched like the other, shown on Swedish pages.
    sa.Column("street_sv", sa.Text),
    sa.Column("street_sv_key", sa.Text),
    sa.Index("ix_addresses_postal_code_street_key", "postal_code", "street_key"),
    sa.Index("ix_addresses_street_key", "street_key"),
    sa.Index("ix_addresses_street_sv_key", "street_sv_key"),
)

outages = sa.Table(
    "outages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    enum_column("service", Service),
    enum_column("kind", OutageKind),
    enum_column("status", OutageStatus, default=OutageStatus.DRAFT),
    sa.Column("starts_at", UTCDateTime(), nullable=False),
    sa.Column("estimated_end_at", UTCDateTime()),
    sa.Column("ended_at", UTCDateTime()),
    sa.Column("cause", sa.Text),
    sa.Column("texts", JSONType, nullable=False),  # {"fi": "...", "sv": "...", "en": "..."}
    # Trace result at publication: link/service point/address ids, customers, streets.
    sa.Column("affected", JSONType, nullable=False),
    sa.Column("public_area", Geometry(srid=4326)),
    sa.Column("area_description", sa.Text),
    sa.Column("created_by", sa.Text, nullable=False),
    created_at(),
    sa.Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    # Bumped on every change: optimistic locking and the public ETag.
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.CheckConstraint(
        "estimated_end_at IS NULL OR estimated_end_at >= starts_at", name="end_after_start"
    ),
    sa.Index("ix_outages_status_starts_at", "status", "starts_at"),
    sa.Index("ix_outages_updated_at", "updated_at"),
)

outage_events = sa.Table(
    "outage_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "outage_id",
        sa.Integer,
        sa.ForeignKey("outages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    enum_column("kind", EventKind),
    created_at(),
    sa.Column("payload", JSONType, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "event_id",
        sa.Integer,
        sa.ForeignKey("outage_events.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("task", sa.Text, nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    created_at(),
    sa.Column("processed_at", UTCDateTime()),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    # A claim is a lease: until this time no other worker takes the row.
    sa.Column("claimed_until", UTCDateTime()),
    sa.UniqueConstraint("event_id", "task"),
    sa.Index("ix_outbox_pending", "processed_at", "id"),
)

directory_entries = sa.Table(
    "directory_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("phone", sa.String(16), nullable=False),  # E.164
    enum_column("number_type", NumberType),
    # No foreign key: operator directories mention addresses we may not know yet.
    sa.Column("address_id", sa.Text, nullable=False, index=True),
    sa.Column("secret", sa.Boolean, nullable=False, default=False),
    sa.Column("birth_year", sa.Integer),
    sa.Column("source", sa.Text, nullable=False, index=True),
    sa.Column("imported_at", UTCDateTime(), nullable=False, default=utcnow),
    sa.CheckConstraint("phone LIKE '+%'", name="phone_e164"),
)

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    created_at(),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("address_id", sa.Text, sa.ForeignKey("addresses.id"), nullable=False, index=True),
    enum_column("service", Service),
    sa.Column("phone", sa.String(16)),
    sa.Column("email", sa.Text),
    sa.Column("email_verified_at", UTCDateTime()),
    sa.Column("customer_number", sa.Text),
    sa.Column("facility_number", sa.Text),
    enum_column("role", SubscriptionRole, default=SubscriptionRole.RESIDENT),
    created_at(),
    # One phone and one e-mail per service per facility for each subscriber.
    sa.UniqueConstraint("subscriber_id", "address_id", "service"),
    sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="has_destination"),
)

opt_outs = sa.Table(
    "opt_outs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("destination", sa.Text, nullable=False, unique=True),
    enum_column("channel", Channel),
    created_at(),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "event_id",
        sa.Integer,
        sa.ForeignKey("outage_events.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("destination", sa.Text, nullable=False),
    enum_column("channel", Channel),
    enum_column("status", DeliveryStatus, default=DeliveryStatus.QUEUED),
    sa.Column("provider", sa.Text),
    sa.Column("provider_message_id", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    created_at(),
    sa.Column("sent_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    # One message per destination per event, whatever the workers do.
    sa.UniqueConstraint("event_id", "destination"),
    sa.Index("ix_deliveries_provider_message", "provider", "provider_message_id"),
)

# The parts of a multi-part SMS: the operator sends a receipt per part, and the
# delivery is delivered only when every part is.
delivery_parts = sa.Table(
    "delivery_parts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "delivery_id",
        sa.Integer,
        sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("part", sa.Integer, nullable=False),  # 1, 2, … in the message's order
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("provider_message_id", sa.Text, nullable=False),
    enum_column("status", DeliveryStatus, nullable=True),  # None until its receipt
    sa.Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    sa.UniqueConstraint("delivery_id", "part"),
    sa.Index("ix_delivery_parts_provider_message", "provider", "provider_message_id"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    enum_column("role", Role),
    created_at(),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    created_at(),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

# Who did what to which object. `details` holds ids and field names, never personal data.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False, default=utcnow),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("details", JSONType, nullable=False),
    sa.Index("ix_audit_log_target_at", "target", "at"),
)

FEATURE_TABLES: dict[str, sa.Table] = {
    "links": network_links,
    "devices": network_devices,
    "sources": network_sources,
    "service_points": network_service_points,
}

# Every geometry column gets a GIST index, on PostgreSQL only (a BLOB index is useless).
GEOMETRY_COLUMNS: list[tuple[str, str]] = [
    (t.name, c.name)
    for t in metadata.sorted_tables
    for c in t.columns
    if isinstance(c.type, Geometry)
]
for _table, _column in GEOMETRY_COLUMNS:
    sa.Index(
        f"ix_{_table}_{_column}_gist",
        metadata.tables[_table].c[_column],
        postgresql_using="gist",
    ).ddl_if(dialect="postgresql")
del _table, _column


# -- resident portal (migration 0002) ---------------------------------------------------
# Destinations a subscriber proved by PIN (or, for the start form's e-mail, by its link):
# what the portal recognises at the next login. Unverified rows are claims only.
portal_logins = sa.Table(
    "portal_logins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("destination", sa.Text, nullable=False, unique=True),  # E.164 or lower-case
    enum_column("channel", Channel),
    sa.Column("verified_at", UTCDateTime()),
    created_at(),
)

# One PIN sent to one destination. The browser holds a random token (cookie) whose
# hash is `token_hash`; the PIN is kept only as a keyed hash.
portal_pin_challenges = sa.Table(
    "portal_pin_challenges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("destination", sa.Text, nullable=False),
    enum_column("channel", Channel),
    sa.Column("pin_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("email", sa.Text),  # an e-mail given beside the phone on the start form
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    created_at(),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

portal_sessions = sa.Table(
    "portal_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The destination whose PIN opened the session: the one it may opt back in.
    sa.Column(
        "login_id",
        sa.Integer,
        sa.ForeignKey("portal_logins.id", ondelete="CASCADE"),
        nullable=False,
    ),
    created_at(),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

# Rate-limit events in the database, so every web worker counts the same. `bucket` is a
# keyed hash of what is limited (a destination, a client address), never the value.
portal_rate_events = sa.Table(
    "portal_rate_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("bucket", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index("ix_portal_rate_events_bucket_at", "bucket", "at"),
)

# Device positions set by hand and field findings, per network version (migration 0008).
device_states = sa.Table(
    "device_states", metadata,
    sa.Column("network_version_id", sa.Integer,
              sa.ForeignKey("network_versions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("device_id", sa.Text, primary_key=True),
    sa.Column("passes", sa.Boolean),  # set by hand; NULL: the normal position
    enum_column("finding", DeviceFinding, nullable=True),
    sa.Column("note", sa.Text),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", UTCDateTime(), nullable=False, default=utcnow),
)
