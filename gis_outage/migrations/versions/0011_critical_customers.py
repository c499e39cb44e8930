"""Critical customers: a service point's category (hospital, care home, home dialysis,
school) from the network import, kept per network version.

Revision ID: 0011_critical_customers
Revises: 0010_water_notices
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_critical_customers"
down_revision: str | None = "0010_water_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("network_service_points") as batch:
        # Null for every service point imported before and for most imported after.
        batch.add_column(sa.Column("critical", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("network_service_points") as batch:
        batch.drop_column("critical")
