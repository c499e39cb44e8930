"""SMPP 3.4 as the client speaks it, besides smpplib's codec: a bind's configuration,
command ids, addresses, delivery receipt texts and the encoding of a submit_sm's tail."""

from __future__ import annotations

import itertools
import re
import socket
import struct
from dataclasses import dataclass
from datetime import datetime

from smpplib import consts

from ..sms_text import Encoding, decode, encode, is_gsm7, sanitise, split
from .base import OPT_OUT_KEYWORDS, DeliveryReceipt, ReceiptStatus

SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
GENERIC_NACK = 0x80000000
THROTTLED = consts.SMPP_ESME_RTHROTTLED
BIND_TRANSCEIVER_RESP = 0x80000009

ESM_UDHI = 0x40
ESM_RECEIPT = 0x04  # SMSC delivery receipt, in esm_class bits 2-5
_DC_DEFAULT, _DC_LATIN1, _DC_UCS2 = 0x00, 0x03, 0x08

# submit_sm_resp errors worth trying again (later, or through another provider);
# anything else is a fault in the message or destination and retrying will not help.
TEMPORARY_ERRORS = frozenset({
    consts.SMPP_ESME_RSYSERR, consts.SMPP_ESME_RMSGQFUL, consts.SMPP_ESME_RTHROTTLED,
    consts.SMPP_ESME_RSUBMITFAIL, consts.SMPP_ESME_RX_T_APPN, consts.SMPP_ESME_RINVBNDSTS,
    consts.SMPP_ESME_RUNKNOWNERR, consts.SMPP_ESME_RDELIVERYFAILURE,
})

# message_state TLV values and the stat: words of a receipt's text
STATE_NAMES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV",
                6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}
STAT_STATUS = {
    "DELIVRD": ReceiptStatus.DELIVERED,
    "EXPIRED": ReceiptStatus.TEMPORARY_FAILURE,
    "UNDELIV": ReceiptStatus.PERMANENT_FAILURE,
    "REJECTD": ReceiptStatus.PERMANENT_FAILURE,
    "DELETED": ReceiptStatus.TECHNICAL_FAILURE,
    "UNKNOWN": ReceiptStatus.TECHNICAL_FAILURE,
    "ENROUTE": ReceiptStatus.PENDING,
    "ACCEPTD": ReceiptStatus.PENDING,
}
RECEIPT_FIELD = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err):(\S*)", re.I)


class SmppError(Exception):
    """Connecting or binding failed."""


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str = ""
    system_type: str = ""
    sender: str = "Notice"  # alphanumeric (≤ 11 characters) or a number
    source_ton: int | None = None  # override what the sender's form implies
    source_npi: int | None = None
    window: int = 10
    max_per_second: float | None = None  # this bind's submit_sm per second
    throttle_retries: int = 8  # ESME_RTHROTTLED: the part goes again this many times
    throttle_backoff: float = 0.05  # seconds before the first retry; doubles, at most 2 s
    registered_delivery: bool = True
    response_timeout: float = 10.0
    enquire_link_interval: float = 30.0
    connect_timeout: float = 5.0
    name: str = "smpp"
    opt_out_keywords: frozenset[str] = OPT_OUT_KEYWORDS


def source_address(sender: str) -> tuple[int, int, str]:
    """(TON, NPI, address) for a sender id.

    '+358401234567' → international/E.164; all digits → a short code or national number
    (unknown TON, E.164 plan); anything with letters → alphanumeric, at most 11.
    """
    if sender.startswith("+") and sender[1:].isdigit():
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, sender[1:]
    if sender.isdigit():
        return consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN, sender
    if not 0 < len(sender) <= 11 or not sender.isascii() or not is_gsm7(sender):
        raise ValueError("an alphanumeric sender id has 1–11 plain characters")
    return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK, sender


def destination_address(number: str) -> tuple[int, int, str]:
    if number.startswith("+"):
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, number[1:]
    return consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN, number


def parse_receipt_text(text: str) -> dict[str, str]:
    """Fields of the standard receipt text 'id:… sub:… dlvrd:… submit date:… stat:… err:…'."""
    return {m.group(1).lower(): m.group(2) for m in RECEIPT_FIELD.finditer(text)}


def receipt_time_of(value: str | None) -> datetime | None:
    for fmt in ("%y%m%d%H%M%S", "%y%m%d%H%M"):
        try:
            return datetime.strptime(value or "", fmt)
        except ValueError:
            continue
    return None


def pdu_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def message_text_of(data: bytes, data_coding: int, esm_class: int) -> str:
    if esm_class & ESM_UDHI and data:
        data = data[1 + data[0] :]  # skip the user data header
    coding = data_coding & 0x0F if data_coding & 0xF0 in (0x00, 0xF0) else data_coding
    if coding == _DC_UCS2:
        return decode(data, Encoding.UCS2)
    if coding == _DC_LATIN1:
        return data.decode("latin-1")
    return decode(data, Encoding.GSM7)


PDU_HEADER = struct.Struct(">LLLL")
SUBMIT_SM = 0x00000004


def encode_message(text: str) -> tuple[int, tuple[bytes, ...]]:
    """(data_coding, the encoded text of each part)."""
    clean = sanitise(text)
    encoding = Encoding.GSM7 if is_gsm7(clean) else Encoding.UCS2
    data_coding = _DC_DEFAULT if encoding is Encoding.GSM7 else _DC_UCS2
    return data_coding, tuple(encode(part, encoding) for part in split(clean, encoding))


def submit_tail(esm_class: int, registered: int, data_coding: int, payload: bytes) -> bytes:
    """submit_sm from esm_class on: protocol_id and priority 0, no schedule or validity,
    no replace, default message id, then the short message (SMPP 3.4, 4.4.1)."""
    return (
        bytes((esm_class, 0, 0, 0, 0, registered, 0, data_coding, 0, len(payload))) + payload
    )


class SequenceNumbers:
    """smpplib asks its 'client' for sequence numbers; next() on a count is atomic."""

    def __init__(self) -> None:
        self._count = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = (next(self._count) - 1) % 0x7FFFFFFF + 1
        return self.sequence


def receipt_from(pdu: object, provider: str) -> DeliveryReceipt | None:
    """The delivery receipt a deliver_sm carries (TLVs first, else its text); None when
    it names no message id or state."""
    fields = parse_receipt_text(pdu_text(getattr(pdu, "short_message", b"")))
    message_id = pdu_text(getattr(pdu, "receipted_message_id", None)) or fields.get("id", "")
    state = getattr(pdu, "message_state", None)
    stat = STATE_NAMES.get(state, "") if state else fields.get("stat", "").upper()
    if not message_id or not stat:
        return None
    return DeliveryReceipt(
        provider=provider,
        provider_message_id=message_id,
        status=STAT_STATUS.get(stat, ReceiptStatus.TECHNICAL_FAILURE),
        provider_status=stat,
        error_code=fields.get("err"),
        done_at=receipt_time_of(fields.get("done date")),
        destination=pdu_text(getattr(pdu, "source_addr", None)) or None,
    )


def read_pdu(sock: socket.socket, buffer: bytearray) -> bytes:
    """The next whole PDU from `buffer`, reading the socket for more as needed."""
    while True:
        if len(buffer) >= 4:
            length = int.from_bytes(buffer[:4], "big")
            if len(buffer) >= length:
                raw = bytes(buffer[:length])
                del buffer[:length]
                return raw
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by peer")
        buffer += chunk
