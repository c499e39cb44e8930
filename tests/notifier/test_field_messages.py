"""The outage as it unfolds, end to end against the real SMPP peer: a stuck valve on a
published outage reaches the newly affected numbers and no one else; staged restoration
sends the all-clear to exactly the restored numbers; the outage resolves when nothing is
left, and then only those still without supply are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.services import field, outages
from gis_outage.services.context import build_context
from gis_outage.services.outages import Selection, TraceError
from gis_outage.storage.field import device_states_of
from gis_outage.storage.networks import save_network
from gis_outage.storage.outbox import pending_outbox
from gis_outage.storage.trace_lists import ListsLeftOut
from notifier.worker import start_embedded_worker
from tests.gis_outage.networks import small_water
from tests.settings import notifier_settings

from .outage_data import ACTOR, add_addresses, add_directory, mobile, wait_until


def numbers(server: Any, start: int) -> list[str]:
    return sorted("+" + r["destination"].lstrip("+") for r in server.received[start:])


def test_stuck_valve_and_staged_restoration_message_exactly_who_changed(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    add_addresses(db, ["A1", "A2", "A3"])
    add_directory(db, [{"phone": mobile(i), "address_id": f"A{i}", "number_type": "mobile"}
                       for i in (1, 2, 3)])
    save_network(db, "water", small_water(), "small.gpkg")
    settings = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=smpp_server.port)
    ctx = build_context(settings, db=db)
    worker = start_embedded_worker(settings, db)

    def sent_after(start: int, count: int) -> list[str]:
        worker.wake()
        assert smpp_server.wait_for(lambda s: len(s.received) >= start + count, 15)
        wait_until(lambda: not pending_outbox(db))
        return numbers(smpp_server, start)

    try:
        draft = outages.draft(ctx, service="water", kind="unplanned",
                              starts_at=datetime.now(UTC) - timedelta(minutes=5),
                              selection=Selection(break_links=("L2",)), actor=ACTOR)
        oid = draft.id
        outages.publish(ctx, oid, ACTOR)
        assert sent_after(0, 1) == [mobile(2)]

        # V1 will not close: the next valves outward are V3 (and V2 as before).
        preview = field.stuck(ctx, oid, ["V1"])
        diff = preview.difference()
        assert diff["devices_to_operate"] == {"added": ["V3"], "removed": ["V1"]}
        assert diff["addresses"] == {
            "added": ["A1", "A3"], "removed": [], "supplied_again": [],
            "places": {"A1": "Mannerheimintie 1, 00100", "A3": "Mannerheimintie 3, 00100"}}
        assert diff["customers"] == {"before": 3, "after": 7}
        field.confirm(ctx, preview, ACTOR, "stuck", findings=["V1"])
        assert sent_after(1, 2) == [mobile(1), mobile(3)]
        assert [r.finding for r in device_states_of(db, ctx.traces.get("water").version)
                ] == ["inoperable"]

        # A link outside the work area is not the outage's to restore.
        with pytest.raises(TraceError, match="'L6' is not in the outage's work area"):
            field.restore(ctx, oid, links=["L6"])

        # The pipes are repaired: A1 (on L1) is back; A2 and A3 wait for V2 and V3.
        step = field.restore(ctx, oid, links=["L1", "L2"])
        assert step.difference()["addresses"]["supplied_again"] == ["A1"]
        field.confirm(ctx, step, ACTOR, "restore")
        assert sent_after(3, 1) == [mobile(1)]

        step = field.restore(ctx, oid, devices=["V3"])
        assert step.regained == ["A3"]
        field.confirm(ctx, step, ACTOR, "restore")
        assert sent_after(4, 1) == [mobile(3)]

        # V2 back: nothing is left, the outage resolves and A2 gets the all-clear.
        done = field.confirm(ctx, field.restore(ctx, oid, devices=["V2"]), ACTOR, "restore")
        assert done.status == "resolved"
        assert sent_after(5, 1) == [mobile(2)]
    finally:
        worker.stop()


def test_overlapping_outages_start_from_the_field_and_resolve_to_who_is_supplied_again(
    db_engine: Engine, tmp_path: Path, smpp_server: Any
) -> None:
    db = db_engine
    add_addresses(db, ["A1", "A2", "A3"])
    add_directory(db, [{"phone": mobile(i), "address_id": f"A{i}", "number_type": "mobile"}
                       for i in (1, 2, 3)])
    save_network(db, "water", small_water(), "small.gpkg")
    settings = notifier_settings(tmp_path, sms_providers="smpp", smpp_port=smpp_server.port)
    ctx = build_context(settings, db=db)
    worker = start_embedded_worker(settings, db)

    def sent_after(start: int, count: int) -> list[str]:
        worker.wake()
        assert smpp_server.wait_for(lambda s: len(s.received) >= start + count, 15)
        wait_until(lambda: not pending_outbox(db))
        return numbers(smpp_server, start)

    def publish(link: str) -> dict[str, Any]:
        draft = outages.draft(ctx, service="water", kind="unplanned",
                              starts_at=datetime.now(UTC) - timedelta(minutes=5),
                              selection=Selection(break_links=(link,)), actor=ACTOR)
        return outages.publish(ctx, draft.id, ACTOR)

    try:
        a = publish("L2")
        assert a.affected["devices_to_operate"] == ["V1", "V2"]
        assert sent_after(0, 1) == [mobile(2)]

        # A crew found V3 stuck earlier; the next break passes it (and V4, inoperable in the
        # network) and stops at V5; V1 is held closed by the first outage already.
        field.set_device(ctx, "water", "V3", ACTOR, finding="inoperable")
        b = publish("L1")
        assert b.affected["devices_to_operate"] == ["V5"]
        assert b.affected["crossed_devices"] == ["V3", "V4"]
        # The publish answers the header, which refuses the trace's lists; the whole
        # outage has them.
        with pytest.raises(ListsLeftOut):
            b.affected.get("addresses")
        assert outages.get(ctx, b.id)[0].affected["addresses"] == ["A1", "A2", "A3"]
        assert sent_after(1, 3) == [mobile(1), mobile(2), mobile(3)]

        # The first is repaired, but the second still cuts A2 off: nobody is told.
        outages.resolve(ctx, a.id, ACTOR)
        worker.wake()
        wait_until(lambda: not pending_outbox(db))
        assert len(smpp_server.received) == 4
        outages.resolve(ctx, b.id, ACTOR)
        assert sent_after(4, 3) == [mobile(1), mobile(2), mobile(3)]
        with pytest.raises(TraceError, match="finding must be one of"):
            field.set_device(ctx, "water", "V3", ACTOR, finding="rusty")
    finally:
        worker.stop()
