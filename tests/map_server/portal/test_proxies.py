"""Whose address the per-client rate limits count: `X-Forwarded-For` is believed only from
the proxies in `security.trusted_proxies`, and then its right-most untrusted hop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import SettingsError, load_settings
from map_server.app import create_app

from .conftest import Mailbox, Resident, portal_settings

NUMBERS = [f"04012345{n:02d}" for n in range(1, 8)]


def _app(tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox, **security: Any):
    settings = portal_settings(tmp_path, smpp, mailbox, portal={"pins_per_client_hour": 4},
                               security=security)
    return create_app(settings, engine)


def _ask_pins(app, smpp, mailbox, peer: str, forwarded: list[str]) -> list[int]:
    """One PIN asked for per number, each from a fresh browser at `peer` whose request
    carries the matching `X-Forwarded-For`."""
    codes = []
    for number, header in zip(NUMBERS, forwarded, strict=False):
        person = Resident(app, smpp, mailbox, client=(peer, 50000),
                          headers={"X-Forwarded-For": header})
        with person.client:
            codes.append(person.start(phone=number).status_code)
    return codes


def test_rotating_x_forwarded_for_does_not_escape_the_client_limit(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = _app(tmp_path, engine, smpp, mailbox)  # the default: no proxy trusted
    rotating = [f"198.51.100.{n}" for n in range(1, 7)]
    assert _ask_pins(app, smpp, mailbox, "203.0.113.9", rotating) == [303] * 4 + [429] * 2


def test_behind_a_trusted_proxy_the_real_client_is_limited(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = _app(tmp_path, engine, smpp, mailbox, trusted_proxies=["10.0.0.0/24"])
    # The client writes a different address first each time; the proxy appends the one
    # it saw. The right-most hop that is not a trusted proxy is the client.
    forged = [f"192.0.2.{n}, 203.0.113.9" for n in range(1, 7)]
    assert _ask_pins(app, smpp, mailbox, "10.0.0.2", forged) == [303] * 4 + [429] * 2
    # Another resident behind the same proxy has a limit of their own.
    assert _ask_pins(app, smpp, mailbox, "10.0.0.2", ["203.0.113.77"]) == [303]
    # A client that is not the proxy cannot claim to be behind it.
    assert _ask_pins(app, smpp, mailbox, "203.0.113.9", ["203.0.113.78"]) == [429]


def test_one_ipv6_64_is_one_client(
    tmp_path: Path, engine: Engine, smpp, mailbox: Mailbox
) -> None:
    app = _app(tmp_path, engine, smpp, mailbox, trusted_proxies=["10.0.0.0/24"])
    rotating = [f"2001:db8:1:1::{n:x}" for n in range(1, 7)]
    assert _ask_pins(app, smpp, mailbox, "10.0.0.2", rotating) == [303] * 4 + [429] * 2
    # The next /64 is another client.
    assert _ask_pins(app, smpp, mailbox, "10.0.0.2", ["2001:db8:1:2::1"]) == [303]


@pytest.mark.parametrize("value, message", [
    ("*", "every client choose its address"),
    ("proxy.example", "'proxy.example' is no IP address or network"),
])
def test_trusted_proxies_are_addresses(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("GIS_OUTAGE_SECURITY_TRUSTED_PROXIES", value)
    with pytest.raises(SettingsError, match=message):
        load_settings()
    monkeypatch.setenv("GIS_OUTAGE_SECURITY_TRUSTED_PROXIES", "127.0.0.1, 172.31.240.0/24")
    assert load_settings().security.trusted_proxies == ["127.0.0.1", "172.31.240.0/24"]
