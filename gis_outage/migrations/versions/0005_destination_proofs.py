"""A resident's phone number counts only once its owner proved it: subscriptions keep
when their phone was proven (as they keep it for the e-mail), and a PIN challenge may
prove a destination for a logged-in subscriber instead of opening a session.

Phone numbers already on subscriptions count as proven where they are the PIN-verified
login of the same subscriber; any other stays pending until its owner types the PIN.

Revision ID: 0005_destination_proofs
Revises: 0004_street_names
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_destination_proofs"
down_revision: str | None = "0004_street_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("phone_verified_at", TIMESTAMP, nullable=True))
    with op.batch_alter_table("portal_pin_challenges") as batch:
        batch.add_column(sa.Column("subscriber_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_portal_pin_challenges_subscriber_id_subscribers",
            "subscribers", ["subscriber_id"], ["id"], ondelete="CASCADE",
        )  # fmt: skip
    op.execute(
        "UPDATE subscriptions SET phone_verified_at = created_at WHERE phone IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM portal_logins l WHERE l.subscriber_id = "
        "subscriptions.subscriber_id AND l.destination = subscriptions.phone "
        "AND l.verified_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("portal_pin_challenges") as batch:
        batch.drop_constraint("fk_portal_pin_challenges_subscriber_id_subscribers", "foreignkey")
        batch.drop_column("subscriber_id")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("phone_verified_at")
