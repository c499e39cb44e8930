"""Receipts after the SMSC reused its message ids: matched on id, destination, provider
and a time window, never applied to another person's delivery, counted when unmatched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from gis_outage.model import ReceiptStatus
from gis_outage.storage.claims import Finished
from gis_outage.storage.deliveries import (
    apply_receipt,
    count_unmatched_receipt,
    deliveries_for_event,
    record_sends,
)
from gis_outage.storage.delivery_records import Delivery
from gis_outage.storage.recipients import insert_deliveries_once
from gis_outage.storage.reports import operations_counts
from gis_outage.storage.schema import utcnow
from notifier.channels.base import DeliveryReceipt
from notifier.pipeline import process_event
from notifier.providers import build_providers
from notifier.receipts import ReceiptSink, destination_digest, digest_test
from tests.settings import settings_for

from .outage_data import (
    add_addresses,
    add_directory,
    last_event,
    mobile,
    publish_outage,
    wait_until,
)


def _by_number(db: Engine, event_id: int) -> dict[str, Delivery]:
    return {d.destination: d for d in deliveries_for_event(db, event_id)}


def test_receipts_after_an_smsc_restart_land_only_on_the_second_send(
    db_engine: Engine, tmp_path: Path, smpp_server_factory: Any
) -> None:
    db = db_engine
    numbers = [mobile(i) for i in range(1, 6)]
    add_addresses(db, ["M1", "M2", "M3", "M4", "M5"])
    add_directory(db, [{"phone": n, "address_id": f"M{i}", "number_type": "mobile"}
                       for i, n in enumerate(numbers, start=1)])
    first_server = smpp_server_factory()
    port = first_server.port
    sink = ReceiptSink(db, hold_seconds=0.5)
    settings = settings_for(tmp_path, sms_providers="smpp", smpp_port=port,
                            quiet_hours_start=None, quiet_hours_end=None)
    providers = build_providers(settings, on_receipt=sink)
    try:
        first = last_event(db, publish_outage(db, ["M1", "M2", "M3", "M4"]))
        assert process_event(db, settings, first, providers).sent == 4
        wait_until(lambda: len(first_server.deliver_responses) == 4 and sink.retry() == 0)
        first_ids = {m["destination"]: m["message_id"] for m in first_server.messages()}

        # The SMSC restarts on the same port and counts its message ids from 1 again;
        # one number of the second outage is undeliverable.
        first_server.stop()
        failed = numbers[2]
        second_server = smpp_server_factory(port=port,
                                            receipt_stats={failed.lstrip("+"): "UNDELIV"})
        second = last_event(db, publish_outage(db, ["M2", "M3", "M4", "M5"]))
        wait_until(lambda: process_event(db, settings, second, providers).sent == 0
                   and all(d.sent_at for d in deliveries_for_event(db, second)))
        wait_until(lambda: len(second_server.deliver_responses) == 4 and sink.retry() == 0)
    finally:
        providers.close()

    second_ids = {m["destination"]: m["message_id"] for m in second_server.messages()}
    reused = set(first_ids.values()) & set(second_ids.values())
    assert len(reused) == 4  # the same ids, on other numbers
    assert any(first_ids.get(dest) != mid for dest, mid in second_ids.items())

    before = _by_number(db, first)
    assert {n: d.status for n, d in before.items()} == {n: "delivered" for n in numbers[:4]}
    after = _by_number(db, second)
    assert after[failed].status == "permanent-failure"
    assert {n: d.status for n, d in after.items() if n != failed} == {
        n: "delivered" for n in numbers[1:] if n != failed
    }
    assert sink.applied == 8
    assert sink.dropped == 0
    assert operations_counts(db)[2] == []


def _sent_delivery(db: Engine, address: str, number: str, message_id: str,
                   sent_ago: timedelta = timedelta(0)) -> int:
    event = last_event(db, publish_outage(db, [address]))
    [row] = insert_deliveries_once(db, event, [(number, "sms")])
    record_sends(db, [Finished(row.id, "sent", "smpp", message_id)],
                 now=utcnow() - sent_ago)
    return event


def test_a_receipt_never_touches_another_destination_or_an_old_send(db_engine: Engine) -> None:
    db = db_engine
    add_addresses(db, ["R1", "R2", "R3"])
    old = _sent_delivery(db, "R1", mobile(1), "0000000001", sent_ago=timedelta(days=5))
    done = _sent_delivery(db, "R2", mobile(2), "0000000001")
    assert apply_receipt(db, "smpp", "0000000001", "delivered", destination=mobile(2))
    fresh = _sent_delivery(db, "R3", mobile(2), "0000000001")

    # Another number's receipt with that id: nothing is touched.
    assert not apply_receipt(db, "smpp", "0000000001", "permanent-failure",
                             destination=mobile(3))
    # The same number and id again: the send still waiting for its receipt, not the one
    # already delivered, nor the one older than the window.
    assert apply_receipt(db, "smpp", "0000000001", "permanent-failure",
                         destination=mobile(2))
    assert deliveries_for_event(db, done)[0].status == "delivered"
    assert deliveries_for_event(db, fresh)[0].status == "permanent-failure"
    assert not apply_receipt(db, "smpp", "0000000001", "delivered", destination=mobile(1))
    assert deliveries_for_event(db, old)[0].status == "sent"
    # A wider window reaches it; another provider's (bind's) receipt does not.
    assert not apply_receipt(db, "smpp2", "0000000001", "delivered", destination=mobile(1),
                             window=timedelta(days=7))
    assert apply_receipt(db, "smpp", "0000000001", "delivered", destination=mobile(1),
                         window=timedelta(days=7))


def test_a_destination_digest_matches_as_the_number_does(db_engine: Engine) -> None:
    """Celery receipt tasks carry a keyed digest of the number, not the number."""
    db = db_engine
    add_addresses(db, ["D1"])
    event = _sent_delivery(db, "D1", mobile(5), "00AB")
    other = digest_test("key", destination_digest("key", mobile(6)))
    assert not apply_receipt(db, "smpp", "00AB", "delivered", destination=other)
    wrong_key = digest_test("other", destination_digest("key", mobile(5)))
    assert not apply_receipt(db, "smpp", "00AB", "delivered", destination=wrong_key)
    same = digest_test("key", destination_digest("key", mobile(5)))
    assert apply_receipt(db, "smpp", "00AB", "delivered", destination=same)
    assert deliveries_for_event(db, event)[0].status == "delivered"


def test_unmatched_receipts_are_counted_per_provider(db_engine: Engine) -> None:
    db = db_engine
    add_addresses(db, ["U1"])
    event = _sent_delivery(db, "U1", mobile(8), "77")
    sink = ReceiptSink(db, hold_seconds=0.0)
    # The SMSC reports the id for another handset (international digits, no plus).
    sink(DeliveryReceipt("smpp", "77", ReceiptStatus.PERMANENT_FAILURE, "UNDELIV",
                         destination=mobile(9).lstrip("+")))
    assert sink.retry() == 0
    assert sink.dropped == 1
    count_unmatched_receipt(db, "smpp2")
    assert sorted(operations_counts(db)[2]) == [("smpp", 1), ("smpp2", 1)]
    assert deliveries_for_event(db, event)[0].status == "sent"
    # The right handset's receipt, in national form, still applies.
    sink(DeliveryReceipt("smpp", "77", ReceiptStatus.DELIVERED, "DELIVRD",
                         destination="0" + mobile(8)[4:]))
    assert sink.applied == 1
    assert deliveries_for_event(db, event)[0].status == "delivered"
