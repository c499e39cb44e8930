"""The settings file: reading the TOML file that `GIS_OUTAGE_CONFIG` names, and writing
the effective settings as one it could read back."""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator
from pydantic_settings import TomlConfigSettingsSource


def comma_list(value: object) -> object:
    """'a, b' or '[a, b]' (as an environment variable gives a list) → ['a', 'b'];
    '', 'none' or 'off' → []."""
    if isinstance(value, list) or value is None:
        return value
    items = [str(i).strip(" '\"") for i in str(value).strip(" []").split(",")]
    items = [i for i in items if i]
    return [] if [i.lower() for i in items] in (["none"], ["off"]) else items


# A list setting given as one string (an environment variable): `Annotated[list[X],
# NoDecode, CommaList]`.
CommaList = BeforeValidator(comma_list)


def proxy_list(value: object) -> list[str]:
    """Trusted proxies: IP addresses or networks, comma-separated; never '*'."""
    given = value if isinstance(value, list) else comma_list(value)
    items = [str(item).strip(" '\"") for item in given or [] if str(item).strip(" '\"")]
    for item in items:
        if item == "*":
            raise ValueError("'*' would let every client choose its address: name the proxies")
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is no IP address or network") from None
    return items


class SettingsError(ValueError):
    """Settings that cannot be used; the message names them, never their values."""


class TomlFile(TomlConfigSettingsSource):
    """The TOML file, refusing top-level names that are no setting (a section's field
    written outside its table is the usual mistake, and would otherwise be ignored)."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        fields = self.settings_cls.model_fields
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise SettingsError(
                f"{self.toml_file_path}: "
                + "; ".join(f"{name!r} is not a setting{_hint(fields, name)}" for name in unknown)
            )
        return data


def _hint(fields: dict[str, Any], name: str) -> str:
    for section, info in fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel) and name in model.model_fields:
            return f" here; it belongs under [{section}]"
    return ""


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


def mask_url(url: str | None) -> str | None:
    """A URL with its password replaced (for logs and `gis-outage config`)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()

