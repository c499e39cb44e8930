"""Resident portal: verified logins, PIN challenges, sessions and rate-limit events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of the column types, so this migration doesn't change when schema.py does.
TIMESTAMP = sa.DateTime(timezone=True)
CHANNELS = ("sms", "email", "voice")


def channel() -> sa.Column:
    enum = sa.Enum(
        *CHANNELS,
        name="channel",
        native_enum=False,
        create_constraint=True,
        length=max(map(len, CHANNELS)) + 8,
    )
    return sa.Column("channel", enum, nullable=False)


def upgrade() -> None:
    op.create_table(
        "portal_logins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        channel(),
        sa.Column("verified_at", TIMESTAMP),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("destination"),
    )
    op.create_index("ix_portal_logins_subscriber_id", "portal_logins", ["subscriber_id"])

    op.create_table(
        "portal_pin_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        channel(),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_portal_pin_challenges_expires_at", "portal_pin_challenges", ["expires_at"])

    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("login_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["login_id"], ["portal_logins.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_portal_sessions_subscriber_id", "portal_sessions", ["subscriber_id"])
    op.create_index("ix_portal_sessions_expires_at", "portal_sessions", ["expires_at"])

    op.create_table(
        "portal_rate_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_portal_rate_events_bucket_at", "portal_rate_events", ["bucket", "at"])


def downgrade() -> None:
    for table in (
        "portal_rate_events",
        "portal_sessions",
        "portal_pin_challenges",
        "portal_logins",
    ):
        op.drop_table(table)
