"""Channel providers, one client per provider (SMPP, HTTP SMS, SMTP, voice).

Every client answers a send with a `SendResult`; the outbox decides on retries and
failover from its outcome, never from provider-specific errors.
"""

from .base import (
    OPT_OUT_KEYWORDS,
    DeliveryReceipt,
    InboundMessage,
    Outcome,
    ReceiptStatus,
    SendResult,
    SmsMessage,
    opt_out_keyword,
)

__all__ = [
    "OPT_OUT_KEYWORDS",
    "DeliveryReceipt",
    "ReceiptStatus",
    "InboundMessage",
    "Outcome",
    "SendResult",
    "SmsMessage",
    "opt_out_keyword",
]
