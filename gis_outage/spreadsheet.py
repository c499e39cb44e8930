"""CSV cells that open as text in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula (=HYPERLINK, DDE), and outage causes, street names and e-mail
addresses can start so (`=cmd|'/C calc'!A0@example.org` is a valid address). Every CSV
the project writes (the regulator's deliveries, pygeoapi's `?f=csv`) passes its values
through `cell`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def cell(value: Any) -> Any:
    """`value` as a CSV cell: an apostrophe before a text that starts like a formula
    (OWASP), except an E.164 number, which can only be read as a number; a time in ISO
    8601. Numbers and other values are left as they are."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _E164.match(value):
        return "'" + value
    return value
