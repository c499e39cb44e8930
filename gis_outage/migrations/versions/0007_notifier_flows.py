"""Unmatched delivery receipts, counted per provider: receipts are matched on message id,
destination and a time window, and what matches nothing is counted, never applied.

Revision ID: 0007_notifier_flows
Revises: 0004_street_names
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_notifier_flows"
down_revision: str | None = "0004_street_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unmatched_receipts",
        sa.Column("provider", sa.Text(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unmatched_receipts")
