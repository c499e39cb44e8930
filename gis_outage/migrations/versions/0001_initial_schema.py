"""Initial schema: network versions, addresses, outages, events, outbox, recipients,
deliveries, users, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gis_outage.storage.geometry import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of the column types, so this migration doesn't change when schema.py does
# (Geometry is imported: it is the portable type itself, PostGIS or BLOB).
SERVICES = ("water", "district_heating", "electricity")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

GEOMETRY_COLUMNS = [
    ("addresses", "geometry"),
    ("outages", "public_area"),
    ("network_links", "geometry"),
    ("network_devices", "geometry"),
    ("network_sources", "geometry"),
    ("network_service_points", "geometry"),
]


def enum(name: str, *values: str) -> sa.Enum:
    """A string column type limited to `values` by a CHECK constraint `ck_<table>_<name>`."""
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(map(len, values)) + 8,
    )


def id_column() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def created_at() -> sa.Column:
    return sa.Column("created_at", TIMESTAMP, nullable=False)


def fk(column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], **kw)


def feature_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("network_version_id", sa.Integer(), primary_key=True),
        sa.Column("feature_id", sa.Text(), primary_key=True),
        *columns,
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("geometry", Geometry(srid=None), nullable=True),
        fk("network_version_id", "network_versions.id", ondelete="CASCADE"),
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "utilities",
        id_column(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("default_language", sa.String(8), nullable=False),
    )
    op.create_table(
        "utility_services",
        sa.Column("utility_id", sa.Integer(), primary_key=True),
        sa.Column("service", enum("service", *SERVICES), primary_key=True),
        fk("utility_id", "utilities.id", ondelete="CASCADE"),
    )

    op.create_table(
        "network_versions",
        id_column(),
        sa.Column("service", enum("service", *SERVICES), nullable=False),
        created_at(),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("srid", sa.Integer(), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("extra_columns", JSON, nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "uq_network_versions_current",
        "network_versions",
        ["service"],
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    )
    feature_table(
        "network_links",
        sa.Column("from_node", sa.Text()),
        sa.Column("to_node", sa.Text()),
        sa.Column("kind", sa.Text()),
    )
    feature_table(
        "network_devices",
        sa.Column("link_id", sa.Text()),
        sa.Column("node_id", sa.Text()),
        sa.Column("kind", sa.Text()),
        sa.Column("normally_passes", sa.Boolean(), nullable=False),
        sa.Column("operable", sa.Boolean(), nullable=False),
    )
    feature_table("network_sources", sa.Column("node_id", sa.Text()))
    feature_table(
        "network_service_points",
        sa.Column("link_id", sa.Text()),
        sa.Column("node_id", sa.Text()),
        sa.Column("address_id", sa.Text()),
        sa.Column("customers", sa.Integer(), nullable=False),
    )

    op.create_table(
        "addresses",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("house_number", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.Text(), nullable=False),
        sa.Column("municipality", sa.Text()),
        sa.Column("street_key", sa.Text(), nullable=False),
        sa.Column("geometry", Geometry(srid=4326)),
    )
    op.create_index(
        "ix_addresses_postal_code_street_key", "addresses", ["postal_code", "street_key"]
    )
    op.create_index("ix_addresses_street_key", "addresses", ["street_key"])

    op.create_table(
        "outages",
        id_column(),
        sa.Column("service", enum("service", *SERVICES), nullable=False),
        sa.Column("kind", enum("kind", "planned", "unplanned"), nullable=False),
        sa.Column(
            "status",
            enum("status", "draft", "published", "resolved", "cancelled"),
            nullable=False,
        ),
        sa.Column("starts_at", TIMESTAMP, nullable=False),
        sa.Column("estimated_end_at", TIMESTAMP),
        sa.Column("ended_at", TIMESTAMP),
        sa.Column("cause", sa.Text()),
        sa.Column("texts", JSON, nullable=False),
        sa.Column("affected", JSON, nullable=False),
        sa.Column("public_area", Geometry(srid=4326)),
        sa.Column("area_description", sa.Text()),
        sa.Column("created_by", sa.Text(), nullable=False),
        created_at(),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "estimated_end_at IS NULL OR estimated_end_at >= starts_at", name="end_after_start"
        ),
    )
    op.create_index("ix_outages_status_starts_at", "outages", ["status", "starts_at"])
    op.create_index("ix_outages_updated_at", "outages", ["updated_at"])

    op.create_table(
        "outage_events",
        id_column(),
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            enum("kind", "published", "updated", "resolved", "cancelled", "reminder"),
            nullable=False,
        ),
        created_at(),
        sa.Column("payload", JSON, nullable=False),
        fk("outage_id", "outages.id", ondelete="CASCADE"),
    )
    op.create_index("ix_outage_events_outage_id", "outage_events", ["outage_id"])

    op.create_table(
        "outbox",
        id_column(),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        created_at(),
        sa.Column("processed_at", TIMESTAMP),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", TIMESTAMP),
        fk("event_id", "outage_events.id", ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", "task"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["processed_at", "id"])

    op.create_table(
        "directory_entries",
        id_column(),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column(
            "number_type",
            enum("number_type", "mobile", "fixed_line", "unknown"),
            nullable=False,
        ),
        sa.Column("address_id", sa.Text(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("birth_year", sa.Integer()),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("phone LIKE '+%'", name="phone_e164"),
    )
    op.create_index("ix_directory_entries_address_id", "directory_entries", ["address_id"])
    op.create_index("ix_directory_entries_source", "directory_entries", ["source"])

    op.create_table(
        "subscribers",
        id_column(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        created_at(),
    )
    op.create_table(
        "subscriptions",
        id_column(),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Text(), nullable=False),
        sa.Column("service", enum("service", *SERVICES), nullable=False),
        sa.Column("phone", sa.String(16)),
        sa.Column("email", sa.Text()),
        sa.Column("email_verified_at", TIMESTAMP),
        sa.Column("customer_number", sa.Text()),
        sa.Column("facility_number", sa.Text()),
        sa.Column("role", enum("role", "resident", "property_manager"), nullable=False),
        created_at(),
        fk("subscriber_id", "subscribers.id", ondelete="CASCADE"),
        fk("address_id", "addresses.id"),
        sa.UniqueConstraint("subscriber_id", "address_id", "service"),
        sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="has_destination"),
    )
    op.create_index("ix_subscriptions_address_id", "subscriptions", ["address_id"])

    op.create_table(
        "opt_outs",
        id_column(),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("channel", enum("channel", "sms", "email", "voice"), nullable=False),
        created_at(),
        sa.UniqueConstraint("destination"),
    )

    op.create_table(
        "deliveries",
        id_column(),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("channel", enum("channel", "sms", "email", "voice"), nullable=False),
        sa.Column(
            "status",
            enum(
                "status",
                "queued",
                "sent",
                "delivered",
                "temporary-failure",
                "permanent-failure",
                "technical-failure",
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.Text()),
        sa.Column("provider_message_id", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        created_at(),
        sa.Column("sent_at", TIMESTAMP),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        fk("event_id", "outage_events.id", ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", "destination"),
    )
    op.create_index(
        "ix_deliveries_provider_message", "deliveries", ["provider", "provider_message_id"]
    )

    op.create_table(
        "users",
        id_column(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", enum("role", "viewer", "engineer", "admin"), nullable=False),
        created_at(),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_tokens",
        id_column(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        created_at(),
        sa.Column("last_used_at", TIMESTAMP),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        fk("user_id", "users.id", ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "audit_log",
        id_column(),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
    )
    op.create_index("ix_audit_log_target_at", "audit_log", ["target", "at"])

    if op.get_bind().dialect.name == "postgresql":
        for table, column in GEOMETRY_COLUMNS:
            op.create_index(f"ix_{table}_{column}_gist", table, [column], postgresql_using="gist")


def downgrade() -> None:
    # Children before parents; indexes go with their tables. PostGIS stays installed:
    # other databases objects may use it, and dropping it needs a superuser.
    for table in (
        "audit_log",
        "api_tokens",
        "users",
        "deliveries",
        "opt_outs",
        "subscriptions",
        "subscribers",
        "directory_entries",
        "outbox",
        "outage_events",
        "outages",
        "addresses",
        "network_service_points",
        "network_sources",
        "network_devices",
        "network_links",
        "network_versions",
        "utility_services",
        "utilities",
    ):
        op.drop_table(table)
