"""The effective settings as a TOML file that `GIS_OUTAGE_CONFIG` could read back."""

from __future__ import annotations

import json
from typing import Any


def _value(value: Any) -> str:
    # JSON's strings, numbers, booleans and arrays are TOML's too.
    return json.dumps(value, ensure_ascii=False)


def _lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for name, value in data.items():
        if value is None:
            lines.append(f"# {name} =   (not set)")
        else:
            lines.append(f"{name} = {_value(value)}")
    return lines


def as_toml(data: dict[str, Any]) -> str:
    """`data` (JSON-ready settings, secrets already masked) as TOML: top-level values,
    then one table per section."""
    top = {k: v for k, v in data.items() if not isinstance(v, dict)}
    out = _lines(top)
    for section, values in data.items():
        if isinstance(values, dict):
            out += ["", f"[{section}]", *_lines(values)]
    return "\n".join(out)
