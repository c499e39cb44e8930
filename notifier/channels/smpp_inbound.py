"""What the SMSC sends an SMPP client unasked: delivery receipts and messages from
phones (deliver_sm), turned into callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from smpplib import consts

from .base import DeliveryReceipt, InboundMessage, opt_out_keyword
from .smpp_protocol import ESM_RECEIPT, SmppConfig, message_text_of, pdu_text, receipt_from

log = logging.getLogger("notifier.channels.smpp")


def handle_deliver_sm(
    raw: bytes,
    parse: Callable[[bytes], Any],
    config: SmppConfig,
    on_receipt: Callable[[DeliveryReceipt], None] | None,
    on_inbound: Callable[[InboundMessage], None] | None,
) -> int:
    """Hand a deliver_sm to its callback; the status to answer it with.

    A callback that raises gets ESME_RX_T_APPN back to the SMSC, which then delivers it
    again later: a receipt is only acknowledged once it has been recorded.
    """
    try:
        pdu = parse(raw)
        esm_class = pdu.esm_class or 0
        if esm_class & 0x3C == ESM_RECEIPT:
            receipt = receipt_from(pdu, config.name)
            if receipt is None:
                log.warning("%s: receipt without id or state", config.name)
            elif on_receipt is not None:
                on_receipt(receipt)
        else:
            text = message_text_of(pdu.short_message or b"", pdu.data_coding or 0, esm_class)
            inbound = InboundMessage(
                provider=config.name,
                source=pdu_text(pdu.source_addr),
                destination=pdu_text(pdu.destination_addr),
                text=text,
                opt_out_keyword=opt_out_keyword(text, config.opt_out_keywords),
            )
            log.info(
                "%s: inbound message%s", config.name, " (opt-out)" if inbound.is_opt_out else ""
            )
            if on_inbound is not None:
                on_inbound(inbound)
    except Exception:
        # Not recorded: let the SMSC deliver it again rather than lose it.
        log.exception("%s: deliver_sm not handled", config.name)
        return consts.SMPP_ESME_RX_T_APPN
    return consts.SMPP_ESME_ROK
