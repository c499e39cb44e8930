"""Move-outs from the customer system purge the registrations they name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from gis_outage.storage.audit import write_audit
from gis_outage.storage.db import Bind, write_transaction
from gis_outage.storage.schema import (
    subscribers,
    subscriptions,
)

CHUNK = 500


@dataclass(frozen=True)
class MoveOut:
    """One row of the customer system's move-out list."""

    line: int
    address_id: str
    customer_number: str | None = None
    phone: str | None = field(default=None, repr=False)  # E.164


@dataclass
class MoveOutResult:
    rows: int = 0
    matched_rows: int = 0
    subscriptions_deleted: int = 0
    subscribers_deleted: int = 0


def _customer_key(value: str | None) -> str | None:
    key = "".join((value or "").split()).casefold()
    return key or None


def purge_move_outs(
    bind: Bind, move_outs: Sequence[MoveOut], *, actor: str = "import-move-outs"
) -> MoveOutResult:
    """Delete the subscriptions at each row's address that match its customer number or
    phone; a subscriber left with nothing is deleted whole. One transaction."""
    result = MoveOutResult(rows=len(move_outs))
    s = subscriptions.c
    by_address: dict[str, list[MoveOut]] = {}
    for row in move_outs:
        by_address.setdefault(row.address_id, []).append(row)
    doomed: set[int] = set()
    touched: set[int] = set()
    matched_lines: set[int] = set()
    with write_transaction(bind) as conn:
        ids = sorted(by_address)
        for start in range(0, len(ids), CHUNK):
            rows = conn.execute(
                sa.select(s.id, s.subscriber_id, s.address_id, s.customer_number, s.phone).where(
                    s.address_id.in_(ids[start : start + CHUNK])
                )
            )
            for sub in rows:
                for move in by_address[sub.address_id]:
                    number = _customer_key(move.customer_number)
                    if (number and number == _customer_key(sub.customer_number)) or (
                        move.phone and move.phone == sub.phone
                    ):
                        doomed.add(sub.id)
                        touched.add(sub.subscriber_id)
                        matched_lines.add(move.line)
        doomed_ids = sorted(doomed)
        for start in range(0, len(doomed_ids), CHUNK):
            conn.execute(subscriptions.delete().where(s.id.in_(doomed_ids[start : start + CHUNK])))
        emptied = [
            sid
            for sid in sorted(touched)
            if conn.execute(sa.select(s.id).where(s.subscriber_id == sid).limit(1)).first() is None
        ]
        for start in range(0, len(emptied), CHUNK):
            conn.execute(
                subscribers.delete().where(subscribers.c.id.in_(emptied[start : start + CHUNK]))
            )
        result.matched_rows = len(matched_lines)
        result.subscriptions_deleted = len(doomed_ids)
        result.subscribers_deleted = len(emptied)
        write_audit(
            conn,
            actor,
            "portal.move_outs",
            "subscriptions",
            {
                "rows": result.rows,
                "subscriptions_deleted": result.subscriptions_deleted,
                "subscribers_deleted": result.subscribers_deleted,
            },
        )
    return result
