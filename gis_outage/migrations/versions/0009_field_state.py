"""The field state of devices: positions set by hand and findings (inoperable, not
found), per network version with who and when; outage events `extended` (the newly
affected are told) and `restored` (those whose supply is back are told).

Revision ID: 0009_field_state
Revises: 0008_network_tolerance
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_field_state"
down_revision: str | None = "0008_network_tolerance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of the column types, so this migration doesn't change when schema.py does.
TIMESTAMP = sa.DateTime(timezone=True)
FINDINGS = ("inoperable", "not_found")
OLD_EVENTS = ("published", "updated", "resolved", "cancelled", "reminder")
NEW_EVENTS = (*OLD_EVENTS, "extended", "restored")


def _event_kinds(upgrade: bool) -> None:
    """Swap the CHECK constraint of outage_events.kind (the column is wide enough)."""
    old, new = (OLD_EVENTS, NEW_EVENTS) if upgrade else (NEW_EVENTS, OLD_EVENTS)
    if op.get_bind().dialect.name == "sqlite":
        def kind(values: tuple[str, ...]) -> sa.Enum:
            return sa.Enum(*values, name="kind", native_enum=False, create_constraint=True,
                           length=max(map(len, OLD_EVENTS)) + 8)

        with op.batch_alter_table("outage_events", recreate="always") as batch:
            batch.alter_column("kind", type_=kind(new), existing_type=kind(old),
                               existing_nullable=False)
        return
    op.drop_constraint(op.f("ck_outage_events_kind"), "outage_events", type_="check")
    op.create_check_constraint(op.f("ck_outage_events_kind"), "outage_events",
                               sa.column("kind").in_(new))


def upgrade() -> None:
    op.create_table(
        "device_states",
        sa.Column("network_version_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("passes", sa.Boolean(), nullable=True),
        sa.Column(
            "finding",
            sa.Enum(*FINDINGS, name="finding", native_enum=False, create_constraint=True,
                    length=max(map(len, FINDINGS)) + 8),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["network_version_id"], ["network_versions.id"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("network_version_id", "device_id"),
    )
    _event_kinds(upgrade=True)


def downgrade() -> None:
    _event_kinds(upgrade=False)
    op.drop_table("device_states")
