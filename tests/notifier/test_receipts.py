"""Receipts of multi-part SMS: the real SMPP test server reports each part on its own,
and a delivery is delivered only when all of its parts are."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from gis_outage.config import Settings
from gis_outage.storage.claims import Finished
from gis_outage.storage.deliveries import (
    SentParts,
    apply_receipt,
    deliveries_for_event,
    delivery_parts_of,
    delivery_status,
    record_sends,
)
from gis_outage.storage.delivery_records import Delivery
from gis_outage.storage.outages import change_status, create_outage
from gis_outage.storage.recipients import insert_deliveries_once
from notifier.pipeline import process_event
from notifier.providers import build_providers
from notifier.receipts import ReceiptSink
from tests.settings import settings_for

from .outage_data import ACTOR, add_addresses, add_directory, last_event, mobile, wait_until

# A cause text long enough that every message about it takes three SMS parts.
LONG_CAUSE = "Vesijohto on rikkoutunut kadun alla ja korjaustyöt jatkuvat. " * 5


def publish_long_outage(db: Engine, addresses: list[str]) -> int:
    starts_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    outage_id = create_outage(
        db,
        service="water",
        kind="unplanned",
        starts_at=starts_at,
        estimated_end_at=starts_at + timedelta(hours=3),
        created_by=ACTOR,
        cause="pipe_burst",
        texts={"fi": LONG_CAUSE},
        affected={"addresses": addresses, "streets": ["Mannerheimintie"], "customers": 3},
    )
    change_status(db, outage_id, "published", ACTOR)
    return last_event(db, outage_id)


def test_a_long_sms_is_delivered_only_when_every_part_is(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    delivered, failed, waiting = mobile(1), mobile(2), mobile(3)
    add_addresses(db, ["R1", "R2", "R3"])
    add_directory(
        db,
        [
            {"phone": number, "address_id": address, "number_type": "mobile"}
            for number, address in ((delivered, "R1"), (failed, "R2"), (waiting, "R3"))
        ],
    )
    server = smpp_server_factory(
        part_receipt_stats={
            (failed.lstrip("+"), 2): "UNDELIV",  # the operator could not deliver part 2
            (waiting.lstrip("+"), 3): "ENROUTE",  # part 3 not final yet
        }
    )
    sink = ReceiptSink(db)
    notifier = _smpp_settings(tmp_path, server.port)
    providers = build_providers(notifier, on_receipt=sink)
    try:
        event_id = publish_long_outage(db, ["R1", "R2", "R3"])
        report = process_event(db, notifier, event_id, providers)
        assert report.sent == 3
        parts = len(server.received)
        assert parts == 9  # three messages of three parts
        assert {m["parts"] for m in server.messages()} == {3}
        # Each receipt answered (deliver_sm_resp) is one the client has handled.
        wait_until(lambda: len(server.deliver_responses) == parts and sink.retry() == 0)
    finally:
        providers.close()

    rows = _by_number(db, event_id)
    assert rows[waiting].status == "sent"  # two parts delivered, one still on its way
    assert sink.dropped == 0
    for number, expected in (
        (delivered, ["delivered"] * 3),
        (failed, ["delivered", "permanent-failure", "delivered"]),
        (waiting, ["delivered", "delivered", None]),
    ):
        stored = delivery_parts_of(db, rows[number].id)
        assert [p.part for p in stored] == [1, 2, 3]
        assert [p.status for p in stored] == expected
        sent_ids = next(
            m["message_ids"] for m in server.messages() if m["destination"] == number.lstrip("+")
        )
        assert [p.provider_message_id for p in stored] == sent_ids
        assert rows[number].provider_message_id == sent_ids[0]

    # The last part's receipt, when it comes, completes the delivery.
    last_id = delivery_parts_of(db, rows[waiting].id)[2].provider_message_id
    assert apply_receipt(db, "smpp", last_id, "delivered")
    assert _by_number(db, event_id)[waiting].status == "delivered"
    # A receipt naming no message we know is left for the caller to retry.
    assert not apply_receipt(db, "smpp", "no-such-id", "delivered")


def test_single_part_messages_keep_their_receipts_on_the_delivery(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    add_addresses(db, ["S1"])
    add_directory(db, [{"phone": mobile(7), "address_id": "S1", "number_type": "mobile"}])
    server = smpp_server_factory(receipt_stat="EXPIRED")
    sink = ReceiptSink(db)
    notifier = _smpp_settings(tmp_path, server.port)
    providers = build_providers(notifier, on_receipt=sink)
    try:
        outage_id = _short_outage(db)
        change_status(db, outage_id, "published", ACTOR)
        event_id = last_event(db, outage_id)
        process_event(db, notifier, event_id, providers)
        wait_until(lambda: len(server.deliver_responses) == 1 and sink.retry() == 0)
    finally:
        providers.close()
    [row] = deliveries_for_event(db, event_id)
    assert row.status == "temporary-failure"
    assert delivery_parts_of(db, row.id) == []  # one part: nothing more to keep


def _smpp_settings(tmp_path: Path, port: int) -> Settings:
    """SMS through the test SMSC on `port`, at any hour."""
    return settings_for(
        tmp_path, sms_providers="smpp", smpp_port=port, quiet_hours_start=None,
        quiet_hours_end=None,
    )


def _short_outage(db: Engine) -> int:
    starts_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return create_outage(
        db,
        service="water",
        kind="unplanned",
        starts_at=starts_at,
        estimated_end_at=starts_at + timedelta(hours=1),
        created_by=ACTOR,
        affected={"addresses": ["S1"], "streets": [], "customers": 1},
    )


def _by_number(db: Engine, event_id: int) -> dict[str, Delivery]:
    return {d.destination: d for d in deliveries_for_event(db, event_id)}


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["delivered", "delivered"], "delivered"),
        (["delivered", None], None),
        ([None, "technical-failure"], "technical-failure"),
        (["temporary-failure", "permanent-failure"], "temporary-failure"),  # the first failed
        (["delivered", "permanent-failure", None], "permanent-failure"),
    ],
)
def test_a_delivery_status_follows_from_its_parts(
    parts: list[str | None], expected: str | None
) -> None:
    assert delivery_status(parts) == expected


def test_receipts_of_two_parts_at_once_both_count(postgis_db: Engine) -> None:
    """Two Celery processes each applying one part's receipt: the second waits for the
    first to commit, then sees its part, so the delivery ends delivered, not `sent`."""
    db = postgis_db
    add_addresses(db, ["P1"])
    outage_id = _short_outage(db)
    change_status(db, outage_id, "published", ACTOR)
    event_id = last_event(db, outage_id)
    [row] = insert_deliveries_once(db, event_id, [(mobile(1), "sms")])
    record_sends(db, [Finished(row.id, "sent", "smpp", "m-1")],
                 [SentParts(row.id, "smpp", ("m-1", "m-2"))])

    second_done = threading.Event()
    with db.connect() as first, first.begin():
        assert apply_receipt(first, "smpp", "m-1", "delivered")  # not committed yet
        second = threading.Thread(
            target=lambda: (apply_receipt(db, "smpp", "m-2", "delivered"), second_done.set())
        )
        second.start()
        # The second receipt waits for the first's transaction.
        assert not second_done.wait(1.0)
    second.join(10)
    assert second_done.is_set()
    [delivery] = deliveries_for_event(db, event_id)
    assert delivery.status == "delivered"
    assert [p.status for p in delivery_parts_of(db, row.id)] == ["delivered"] * 2
