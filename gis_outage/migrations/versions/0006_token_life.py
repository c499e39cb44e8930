"""API tokens expire, and a user can be disabled: `api_tokens.expires_at`,
`users.disabled_at`. Tokens made before this get 90 days from the upgrade.

Revision ID: 0006_token_life
Revises: 0005_destination_proofs
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0006_token_life"
down_revision: str | None = "0005_destination_proofs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
EXISTING_TOKEN_DAYS = 90  # the default of security.token_days when this was written


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", TIMESTAMP, nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", TIMESTAMP, nullable=True))
    expires = datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)
    if op.get_bind().dialect.name == "sqlite":
        expires = expires.replace(tzinfo=None)  # SQLite keeps UTC without a zone
    tokens = sa.table("api_tokens", sa.column("expires_at", TIMESTAMP))
    op.execute(tokens.update().values(expires_at=expires))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=TIMESTAMP, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
