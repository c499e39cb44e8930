"""Retention commands: `gis-outage import-move-outs FILE.csv` and the retention job.

The move-out list comes from the customer system as CSV: UTF-8 (a byte-order mark is
fine), comma- or semicolon-separated, with a header row; other columns are ignored:

- `address_id` (required): the address register id (the `addresses` layer's `id`)
  moved out of;
- `customer_number` and/or `phone` (at least one): the invoice's customer number
  (case and spaces ignored) and the customer's phone in any usual form
  (0401234567, +358 40 123 4567);
- `moved_out_on` (optional): YYYY-MM-DD, for the customer system's records only.

A row purges the subscriptions at its address that carry its customer number or its
phone; a subscriber left with no subscription is deleted whole (name, logins,
sessions). A faulty row is skipped and reported by line number only: the report
never repeats a number or a name.

"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from .config import Settings
from .phones import InvalidPhoneNumber, normalise
from .storage.move_outs import MoveOut, purge_move_outs

REQUIRED = "address_id"
KEYS = ("customer_number", "phone")


class MoveOutFileError(ValueError):
    """The file cannot be read as a move-out list at all; nothing was purged."""


def read_move_outs(text: str, region: str = "FI") -> tuple[list[MoveOut], list[str]]:
    """The rows of a move-out CSV, and the problems of the rows that were skipped."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if REQUIRED not in columns or not columns & set(KEYS):
        raise MoveOutFileError(
            "a move-out CSV needs the columns address_id and customer_number and/or phone"
        )
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        problem, move = _move_out(line, row, region)
        if problem:
            problems.append(f"line {line}: {problem}")
        else:
            rows.append(move)
    return rows, problems


def _move_out(line: int, row: dict[str, str], region: str) -> tuple[str | None, MoveOut]:
    empty = MoveOut(line, "")
    if not row.get("address_id"):
        return "no address_id", empty
    if not row.get("customer_number") and not row.get("phone"):
        return "neither customer_number nor phone", empty
    phone = None
    if row.get("phone"):
        try:
            phone = normalise(row["phone"], region)
        except InvalidPhoneNumber:
            return "phone is not a valid number", empty
    if row.get("moved_out_on"):
        try:
            date.fromisoformat(row["moved_out_on"])
        except ValueError:
            return "moved_out_on is not a YYYY-MM-DD date", empty
    return None, MoveOut(line, row["address_id"], row.get("customer_number") or None, phone)


def import_move_outs(path: str | Path, settings: Settings, engine: Engine) -> str:
    """Purge the registrations of the people in a move-out CSV; a one-paragraph report."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MoveOutFileError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    rows, problems = read_move_outs(text, settings.default_region)
    result = purge_move_outs(engine, rows)
    lines = [
        f"{Path(path).name}: {result.rows} move-outs read, {result.matched_rows} matched a "
        f"registration; {result.subscriptions_deleted} subscriptions and "
        f"{result.subscribers_deleted} subscribers deleted",
    ]
    if problems:
        lines.append(f"{len(problems)} rows skipped:")
        lines += [f"  {p}" for p in problems]
    return "\n".join(lines)
