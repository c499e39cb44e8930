"""Delivery receipts and inbound opt-outs from providers, into the database.

A receipt can arrive before we have recorded the send it belongs to (the SMSC answers
submit_sm and reports delivery within milliseconds, while we record sends a batch at
a time). Such receipts are kept and tried again for a while instead of being lost.
A long SMS gets a receipt per part; `apply_receipt` combines them into the status of
the delivery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from gis_outage import phones
from gis_outage.model import Channel
from gis_outage.storage.deliveries import apply_receipt
from gis_outage.storage.recipients import add_opt_out

from .channels.base import DeliveryReceipt, InboundMessage, ReceiptStatus

log = logging.getLogger(__name__)


class ReceiptSink:
    """`on_receipt` for a provider client; call `retry()` now and then."""

    def __init__(self, db: Engine, *, hold_seconds: float = 60.0) -> None:
        self.db = db
        self.hold_seconds = hold_seconds
        self._waiting: list[tuple[float, DeliveryReceipt]] = []
        self._lock = threading.Lock()
        self.applied = 0
        self.dropped = 0

    def __call__(self, receipt: DeliveryReceipt) -> None:
        if receipt.status is ReceiptStatus.PENDING:
            return  # ENROUTE/ACCEPTD: nothing final to record
        if apply_receipt(self.db, receipt.provider, receipt.provider_message_id, receipt.status):
            self.applied += 1
            return
        with self._lock:
            self._waiting.append((time.monotonic(), receipt))

    def retry(self) -> int:
        """Apply the receipts that were early; returns how many are still waiting."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        keep = []
        now = time.monotonic()
        for since, receipt in waiting:
            if apply_receipt(
                self.db, receipt.provider, receipt.provider_message_id, receipt.status
            ):
                self.applied += 1
            elif now - since < self.hold_seconds:
                keep.append((since, receipt))
            else:
                self.dropped += 1
        with self._lock:
            self._waiting = keep + self._waiting
            return len(self._waiting)


def inbound_number(source: str, region: str) -> str | None:
    """E.164 form of an SMPP source address ('358401234567', '0401234567', '+358…')."""
    raw = source.strip()
    if raw and raw[0].isdigit() and not raw.startswith("0"):
        raw = "+" + raw  # international digits without the plus
    number = phones.parse(raw, region)
    return phones.e164(number) if number is not None else None


def opt_out_handler(db: Engine, region: str) -> Callable[[InboundMessage], None]:
    """`on_inbound` for an SMS client: STOP / LOPETA / SLUTA opts the sender out."""

    def handle(message: InboundMessage) -> None:
        if not message.is_opt_out:
            return
        number = inbound_number(message.source, region)
        if number is None:
            log.warning("%s: opt-out from an unreadable number ignored", message.provider)
            return
        if add_opt_out(db, number, Channel.SMS.value):
            log.info("%s: opt-out recorded (%s)", message.provider, message.opt_out_keyword)

    return handle
