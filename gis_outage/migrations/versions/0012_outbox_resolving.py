"""The outbox row of an event being resolved a slice at a time says where its next slice
begins, so that a sender that caught up with the slices does not close the event.

Revision ID: 0012_outbox_resolving
Revises: 0011_critical_customers
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_outbox_resolving"
down_revision: str | None = "0011_critical_customers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        # Null: no run is resolving the event's addresses.
        batch.add_column(sa.Column("resolving_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("resolving_from")
