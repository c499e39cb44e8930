"""Deliveries as storage reads them: typed frozen records whose fields are the table's
columns, from every read (queue, claim, open rows, the whole row, parts)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from gis_outage.model import Channel, DeliveryStatus
from gis_outage.storage.claims import Finished, RetryPolicy, claim_deliveries
from gis_outage.storage.deliveries import (
    SentParts,
    deliveries_for_event,
    delivery_parts_of,
    record_sends,
    untried_rows,
)
from gis_outage.storage.delivery_records import (
    DELIVERY_FIELDS,
    Delivery,
    DeliveryPart,
    PendingDelivery,
)
from gis_outage.storage.recipients import event_deliveries, insert_deliveries_once
from gis_outage.storage.schema import deliveries, delivery_parts, utcnow

from .test_contract_outbox import published_events

PHONE, EMAIL = "+358401234567", "maija@example.fi"
POLICY = RetryPolicy(max_attempts=3, lease=timedelta(minutes=2), backoff=(timedelta(0),))


def test_delivery_fields_are_the_tables_columns() -> None:
    assert list(DELIVERY_FIELDS) == [c.name for c in deliveries.columns]
    pending = {f.name for f in dataclasses.fields(PendingDelivery)}
    assert pending <= set(DELIVERY_FIELDS)
    part = [f.name for f in dataclasses.fields(DeliveryPart)]
    assert set(part) <= {c.name for c in delivery_parts.columns}


def test_every_read_gives_typed_frozen_records(db_engine: Engine) -> None:
    [event_id] = published_events(db_engine, 1)
    queued = insert_deliveries_once(db_engine, event_id, [(PHONE, "sms"), (EMAIL, "email")])
    assert queued == [
        PendingDelivery(queued[0].id, PHONE, Channel.SMS, 0),
        PendingDelivery(queued[1].id, EMAIL, Channel.EMAIL, 0),
    ]
    assert insert_deliveries_once(db_engine, event_id, [(PHONE, "sms")]) == []  # once
    later = utcnow() + timedelta(seconds=1)
    assert untried_rows(db_engine, event_id, [PHONE], before=later) == queued[:1]
    assert event_deliveries(db_engine, event_id, open_only=True) == queued

    sms, email = claim_deliveries(db_engine, event_id, POLICY)
    assert (sms.id, sms.channel, sms.attempts) == (queued[0].id, Channel.SMS, 1)
    assert email.attempts == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        sms.attempts = 0  # type: ignore[misc]
    # The destination is personal data: never in a record's repr (logs, errors).
    assert PHONE not in repr(sms) and EMAIL not in repr(email)

    record_sends(db_engine, [Finished(sms.id, "sent", "smpp", "m-1")],
                 [SentParts(sms.id, "smpp", ("m-1", "m-2"))])
    whole = deliveries_for_event(db_engine, event_id)
    assert all(isinstance(d, Delivery) for d in whole)
    sent = whole[0]
    assert (sent.status, sent.provider, sent.provider_message_id, sent.attempts) == (
        DeliveryStatus.SENT, "smpp", "m-1", 1)  # fmt: skip
    assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
    assert whole[1].status is DeliveryStatus.QUEUED and whole[1].channel is Channel.EMAIL
    assert list(sent.as_dict()) == [c.name for c in deliveries.columns]
    assert PHONE not in repr(sent)
    assert delivery_parts_of(db_engine, sent.id) == [
        DeliveryPart(1, "smpp", "m-1", None), DeliveryPart(2, "smpp", "m-2", None)]
    assert [d.id for d in event_deliveries(db_engine, event_id, open_only=True)] == [email.id]
