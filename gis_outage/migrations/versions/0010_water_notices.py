"""Water-quality notices: outages.kind also takes `boil_water` and `do_not_drink`.

Revision ID: 0010_water_notices
Revises: 0009_field_state
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_water_notices"
down_revision: str | None = "0009_field_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of the values, so this migration doesn't change when the vocabulary does.
OLD_KINDS = ("planned", "unplanned")
NEW_KINDS = (*OLD_KINDS, "boil_water", "do_not_drink")


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="kind",
        native_enum=False,
        create_constraint=True,
        length=max(map(len, values)) + 8,
    )


def _outage_kinds(upgrade: bool) -> None:
    """Swap the CHECK constraint of outages.kind and widen (or narrow) the column."""
    old, new = (OLD_KINDS, NEW_KINDS) if upgrade else (NEW_KINDS, OLD_KINDS)
    if not upgrade:
        notices = (
            op.get_bind()
            .execute(
                sa.text("SELECT count(*) FROM outages WHERE kind IN ('boil_water', 'do_not_drink')")
            )
            .scalar()
        )
        if notices:
            raise RuntimeError(
                f"{notices} water-quality notice(s) are stored; the older schema cannot hold "
                "them: back up and delete them before downgrading past 0010_water_notices"
            )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("outages", recreate="always") as batch:
            batch.alter_column(
                "kind", type_=_kind(new), existing_type=_kind(old), existing_nullable=False
            )
        return
    op.drop_constraint(op.f("ck_outages_kind"), "outages", type_="check")
    op.alter_column(
        "outages",
        "kind",
        type_=sa.String(max(map(len, new)) + 8),
        existing_type=sa.String(max(map(len, old)) + 8),
        existing_nullable=False,
    )
    op.create_check_constraint(op.f("ck_outages_kind"), "outages", sa.column("kind").in_(new))


def upgrade() -> None:
    _outage_kinds(upgrade=True)


def downgrade() -> None:
    _outage_kinds(upgrade=False)
