"""Each network version keeps the snap tolerance (metres) its topology was built with,
and its CRS as WKT, so that a CRS without an EPSG code can be stored.

Revision ID: 0008_network_tolerance
Revises: 0007_notifier_flows
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_network_tolerance"
down_revision: str | None = "0007_notifier_flows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("network_versions") as batch:
        # Null for versions imported before: they use network.snap_tolerance_m.
        batch.add_column(sa.Column("snap_tolerance_m", sa.Float(), nullable=True))
        batch.add_column(sa.Column("crs_wkt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("network_versions") as batch:
        batch.drop_column("crs_wkt")
        batch.drop_column("snap_tolerance_m")
