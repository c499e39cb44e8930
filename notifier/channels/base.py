"""Types every channel client shares.

Personal data (numbers, addresses, message text) sits in fields left out of repr(), so
a result or message that ends up in a log line or a traceback does not carry it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from gis_outage.model import Outcome, ReceiptStatus

from ..render import Rendered

# `admit(index, block)`: whether message `index` of a batch may go to the provider now;
# with `block` it waits until it may (and is then always true). The pipeline says no
# while a window of messages is out and not yet recorded: that bounds what a crash
# leaves in doubt (see notifier/recorder.py). A provider calls it before each message.
Admit = Callable[[int, bool], bool]


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider: str
    provider_message_id: str | None = None
    part_ids: tuple[str, ...] = ()  # one per SMS part; receipts come per part
    error: str | None = None  # provider code and description; never personal data

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


@dataclass(frozen=True)
class Outgoing:
    """One rendered message to one destination, for one delivery row."""

    delivery_id: int
    event_id: int
    destination: str = field(repr=False)
    message: Rendered = field(repr=False)
    unsubscribe_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SmsMessage:
    to: str = field(repr=False)  # E.164, "+358401234567"
    text: str = field(repr=False)
    sender: str | None = None  # overrides the client's configured sender id
    reference: str | None = None  # the caller's id for this delivery, echoed in callbacks


@dataclass(frozen=True)
class DeliveryReceipt:
    provider: str
    provider_message_id: str
    status: ReceiptStatus
    provider_status: str  # as reported: DELIVRD, UNDELIV, …
    error_code: str | None = None
    done_at: datetime | None = None
    # The handset's address as the SMSC reports it (a receipt's source_addr): with the
    # message id it tells which delivery the receipt is for, as SMSCs reuse ids.
    destination: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class InboundMessage:
    provider: str
    source: str = field(repr=False)  # the resident's number
    destination: str = field(repr=False)
    text: str = field(repr=False)
    opt_out_keyword: str | None = None  # STOP / LOPETA / SLUTA when the text is an opt-out

    @property
    def is_opt_out(self) -> bool:
        return self.opt_out_keyword is not None


OPT_OUT_KEYWORDS = frozenset({"STOP", "LOPETA", "SLUTA"})


def opt_out_keyword(text: str, keywords: frozenset[str] = OPT_OUT_KEYWORDS) -> str | None:
    """The keyword when the message's first word is one ('stop', 'Lopeta!', ' SLUTA ')."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None
    word = words[0].strip(".,!?;:\"'").upper()
    return word if word in keywords else None
