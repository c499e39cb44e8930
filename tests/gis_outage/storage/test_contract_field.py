"""Device field state: positions by hand and findings per network version, with who/when."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from gis_outage.storage.audit import audit_entries
from gis_outage.storage.field import (
    CarriedOver,
    carried_over,
    change_device_state,
    device_states_of,
)
from gis_outage.storage.networks import save_network

from .conftest import network_layers


def test_a_finding_stays_until_cleared_and_every_change_is_audited(db_engine: Engine) -> None:
    version = save_network(db_engine, "water", network_layers(), "network.gpkg")
    row = change_device_state(db_engine, version, "V1", "eng:1", finding="inoperable",
                              note="spindle broken")
    assert row is not None and row.finding == "inoperable" and row.passes is None
    row = change_device_state(db_engine, version, "V2", "eng:2", passes=True)
    assert row is not None and row.passes is True

    # Setting the position keeps the finding and the note; the later actor is recorded.
    change_device_state(db_engine, version, "V1", "eng:2", passes=False)
    rows = {r.device_id: r for r in device_states_of(db_engine, version)}
    assert rows["V1"].finding == "inoperable" and rows["V1"].passes is False
    assert rows["V1"].note == "spindle broken" and rows["V1"].changed_by == "eng:2"
    assert rows["V1"].changed_at.tzinfo is not None

    # Back to normal and cleared: nothing differs, the row goes; the audit keeps the history.
    change_device_state(db_engine, version, "V1", "eng:3", passes=None)
    assert change_device_state(db_engine, version, "V1", "eng:3", finding=None) is None
    assert [r.device_id for r in device_states_of(db_engine, version)] == ["V2"]
    trail = audit_entries(db_engine, f"device:{version}:V1")
    assert [e.actor for e in trail] == ["eng:1", "eng:2", "eng:3", "eng:3"]
    assert trail[0].details["after"] == {"passes": None, "finding": "inoperable"}
    assert trail[-1].details["after"] is None

    # Per network version: a new import takes over the rows of the devices it still has,
    # with who set them and when; the older version keeps its own.
    newer = save_network(db_engine, "water", network_layers(), "network.gpkg")
    kept = device_states_of(db_engine, newer)
    assert [(r.device_id, r.passes, r.changed_by) for r in kept] == [
        ("V2", True, "eng:2")]
    assert kept[0].changed_at == device_states_of(db_engine, version)[0].changed_at
    assert carried_over(db_engine, newer) == CarriedOver(version, ["V2"], [])


def test_unknown_devices_and_findings_are_refused(db_engine: Engine) -> None:
    version = save_network(db_engine, "water", network_layers(), "network.gpkg")
    with pytest.raises(LookupError, match="unknown device id 'V9'"):
        change_device_state(db_engine, version, "V9", "eng:1", finding="inoperable")
    with pytest.raises(ValueError, match="'rusty' is not a valid DeviceFinding"):
        change_device_state(db_engine, version, "V1", "eng:1", finding="rusty")
    assert device_states_of(db_engine, version) == []
