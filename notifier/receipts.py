"""Delivery receipts and inbound opt-outs from providers, into the database.

A receipt can arrive before we have recorded the send it belongs to (the SMSC answers
submit_sm and reports delivery within milliseconds, while we record sends a batch at
a time). Such receipts are kept and tried again for a while instead of being lost.
A long SMS gets a receipt per part; `apply_receipt` combines them into the status of
the delivery. SMSCs reuse message ids, so a receipt is matched on its destination and a
time window as well, and one matching nothing is counted, never applied elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine

from gis_outage import phones
from gis_outage.model import Channel
from gis_outage.storage.deliveries import RECEIPT_WINDOW, apply_receipt, count_unmatched_receipt
from gis_outage.storage.recipients import add_opt_out

from .channels.base import DeliveryReceipt, InboundMessage, ReceiptStatus

log = logging.getLogger(__name__)


class ReceiptSink:
    """`on_receipt` for a provider client; call `retry()` now and then.

    A receipt is matched on its provider, message id, the destination it reports and
    `window` (see `apply_receipt`); one still unmatched after `hold_seconds` is counted
    (`count_unmatched_receipt`) and dropped, never applied to another delivery.
    """

    def __init__(
        self,
        db: Engine,
        *,
        hold_seconds: float = 60.0,
        region: str = "FI",
        window: timedelta = RECEIPT_WINDOW,
    ) -> None:
        self.db = db
        self.hold_seconds = hold_seconds
        self.region = region
        self.window = window
        self._waiting: list[tuple[float, DeliveryReceipt]] = []
        self._lock = threading.Lock()
        self.applied = 0
        self.dropped = 0

    def __call__(self, receipt: DeliveryReceipt) -> None:
        if receipt.status is ReceiptStatus.PENDING:
            return  # ENROUTE/ACCEPTD: nothing final to record
        if self._apply(receipt):
            self.applied += 1
            return
        with self._lock:
            self._waiting.append((time.monotonic(), receipt))

    def _apply(self, receipt: DeliveryReceipt) -> bool:
        return apply_receipt(
            self.db, receipt.provider, receipt.provider_message_id, receipt.status,
            destination=receipt_destination(receipt, self.region), window=self.window,
        )

    def retry(self) -> int:
        """Apply the receipts that were early; returns how many are still waiting."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        keep = []
        now = time.monotonic()
        for since, receipt in waiting:
            if self._apply(receipt):
                self.applied += 1
            elif now - since < self.hold_seconds:
                keep.append((since, receipt))
            else:
                self.dropped += 1
                count_unmatched_receipt(self.db, receipt.provider)
                log.warning("%s: a receipt matched no delivery", receipt.provider)
        with self._lock:
            self._waiting = keep + self._waiting
            return len(self._waiting)


def receipt_destination(receipt: DeliveryReceipt, region: str) -> str | None:
    """The E.164 number a receipt reports, None when it names none (then the message id
    and the window alone match)."""
    if not receipt.destination:
        return None
    return inbound_number(receipt.destination, region) or receipt.destination


def destination_digest(key: str, number: str) -> str:
    """A keyed digest of a number: what a Celery receipt task carries instead of it."""
    return hmac.new(key.encode(), f"receipt\0{number}".encode(), hashlib.sha256).hexdigest()


def digest_test(key: str, digest: str) -> Callable[[str], bool]:
    """Whether a stored destination is the one behind `digest`."""
    return lambda stored: hmac.compare_digest(destination_digest(key, stored), digest)


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
