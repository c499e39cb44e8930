"""Unmatched delivery receipts, counted per provider: receipts are matched on message id,
destination and a time window, and what matches nothing is counted, never applied.
The apartment part of an address ("A 12") on directory entries and subscriptions: a
registration in an apartment block replaces no neighbour's directory number. The
language of a directory entry, where the operator's extract gives one.

Revision ID: 0007_notifier_flows
Revises: 0006_token_life
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_notifier_flows"
down_revision: str | None = "0006_token_life"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unmatched_receipts",
        sa.Column("provider", sa.Text(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in ("directory_entries", "subscriptions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("apartment", sa.Text(), nullable=True))
    with op.batch_alter_table("directory_entries") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_entries") as batch:
        batch.drop_column("language")
    for table in ("subscriptions", "directory_entries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("apartment")
    op.drop_table("unmatched_receipts")
