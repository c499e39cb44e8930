"""Delivery parts: the SMSC message id and receipt status of each part of a long SMS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of the column types, so this migration doesn't change when schema.py does.
TIMESTAMP = sa.DateTime(timezone=True)
STATUSES = (
    "queued",
    "sent",
    "delivered",
    "temporary-failure",
    "permanent-failure",
    "technical-failure",
)


def upgrade() -> None:
    status = sa.Enum(
        *STATUSES,
        name="status",
        native_enum=False,
        create_constraint=True,
        length=max(map(len, STATUSES)) + 8,
    )
    op.create_table(
        "delivery_parts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_message_id", sa.Text(), nullable=False),
        sa.Column("status", status, nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("delivery_id", "part"),
    )
    op.create_index(
        "ix_delivery_parts_provider_message",
        "delivery_parts",
        ["provider", "provider_message_id"],
    )


def downgrade() -> None:
    op.drop_table("delivery_parts")
