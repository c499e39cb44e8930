"""The one database schema, for PostgreSQL + PostGIS and SQLite alike.

Alembic migrations in `gis_outage/migrations` create exactly this; a test compares the
migrated database against it. Enumerations are stored as their string values with a
CHECK constraint (no native enum types, so adding a value is a plain migration).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

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
from gis_outage.storage.columns import (  # noqa: F401 (utcnow, UTCDateTime: used by storage)
    NAMING_CONVENTION,
    JSONType,
    UTCDateTime,
    created_at,
    enum_column,
    metadata,
    utcnow,
)
from gis_outage.storage.geometry import Geometry

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
    # EPSG code of the features' CRS; 0 = none (local coordinates) or one without a code,
    # which `crs_wkt` then holds.
    sa.Column("srid", sa.Integer, nullable=False),
    sa.Column("crs_wkt", sa.Text, nullable=True),
    # The snap tolerance the topology was built with; null: network.snap_tolerance_m.
    sa.Column("snap_tolerance_m", sa.Float, nullable=True),
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
    # Why its customers are critical (model.CriticalCategory); null for most.
    sa.Column("critical", sa.Text),
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
    # A run (or its follow-up) is resolving the event's addresses, the next slice from
    # this position: no sender closes the row meanwhile. Null: none is.
    sa.Column("resolving_from", sa.Integer),
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
    # The apartment in a block ("A 12", see gis_outage.apartments); empty: the building.
    sa.Column("apartment", sa.Text),
    sa.Column("language", sa.String(8)),  # where the operator's extract says; else none
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
    # When the subscriber proved each destination (a PIN, a link); until then it is a
    # claim: nothing is sent to it and it cannot be opted out from here.
    sa.Column("email_verified_at", UTCDateTime()),
    sa.Column("phone_verified_at", UTCDateTime()),
    sa.Column("customer_number", sa.Text),
    sa.Column("facility_number", sa.Text),
    sa.Column("apartment", sa.Text),  # as in directory_entries
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

# Delivery receipts that matched no delivery (unknown or reused message id, another
# destination, older than the window): counted per provider, no number kept.
unmatched_receipts = sa.Table(
    "unmatched_receipts",
    metadata,
    sa.Column("provider", sa.Text, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False, default=0),
    sa.Column("last_at", UTCDateTime(), nullable=False, default=utcnow),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    enum_column("role", Role),
    created_at(),
    sa.Column("disabled_at", UTCDateTime()),  # set: no token of the user is accepted
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
    sa.Column("expires_at", UTCDateTime(), nullable=False),
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
    # Set: the PIN proves `destination` for this logged-in subscriber (no session).
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE")),
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
