"""Street names in Swedish: the address register keeps both names of a street in a
bilingual municipality, and the search finds either.

Revision ID: 0004_street_names
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_street_names"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("addresses") as batch:
        batch.add_column(sa.Column("street_sv", sa.Text(), nullable=True))
        batch.add_column(sa.Column("street_sv_key", sa.Text(), nullable=True))
    op.create_index("ix_addresses_street_sv_key", "addresses", ["street_sv_key"])


def downgrade() -> None:
    op.drop_index("ix_addresses_street_sv_key", table_name="addresses")
    with op.batch_alter_table("addresses") as batch:
        batch.drop_column("street_sv_key")
        batch.drop_column("street_sv")
