"""A generic HTTP SMS gateway: one JSON POST per message, bearer token, pooled connections.

Most gateways differ only in field names, so those are configuration: the body is
{to_field: "+358…", from_field: sender, text_field: text, reference_field: reference}
plus any fixed `extra_fields`, and the provider's id is read from `id_field` of the
JSON answer (a dotted path such as "messages.0.id"). Status callbacks the gateway posts
back are read with `parse_status_callback`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from .base import DeliveryReceipt, Outcome, ReceiptStatus, SendResult, SmsMessage

log = logging.getLogger(__name__)

DEFAULT_STATUS_MAP = {
    "delivered": ReceiptStatus.DELIVERED,
    "expired": ReceiptStatus.TEMPORARY_FAILURE,
    "temporary-failure": ReceiptStatus.TEMPORARY_FAILURE,
    "undelivered": ReceiptStatus.PERMANENT_FAILURE,
    "rejected": ReceiptStatus.PERMANENT_FAILURE,
    "permanent-failure": ReceiptStatus.PERMANENT_FAILURE,
    "failed": ReceiptStatus.TECHNICAL_FAILURE,
    "technical-failure": ReceiptStatus.TECHNICAL_FAILURE,
    "sent": ReceiptStatus.PENDING,
    "accepted": ReceiptStatus.PENDING,
    "queued": ReceiptStatus.PENDING,
}


@dataclass(frozen=True)
class HttpSmsConfig:
    url: str
    token: str | None = field(default=None, repr=False)
    sender: str = "Notice"
    timeout: float = 10.0
    to_field: str = "to"
    from_field: str = "from"
    text_field: str = "text"
    reference_field: str | None = "reference"
    id_field: str = "id"
    extra_fields: tuple[tuple[str, Any], ...] = ()
    status_id_field: str = "id"
    status_field: str = "status"
    status_map: tuple[tuple[str, ReceiptStatus], ...] = tuple(DEFAULT_STATUS_MAP.items())
    name: str = "http-sms"


def _dig(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


class HttpSmsClient:
    def __init__(self, config: HttpSmsConfig, *, transport: httpx.BaseTransport | None = None):
        self.config = config
        headers = {"Accept": "application/json"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self._http = httpx.Client(timeout=config.timeout, headers=headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpSmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, message: SmsMessage) -> SendResult:
        cfg = self.config
        body: dict[str, Any] = dict(cfg.extra_fields)
        body[cfg.to_field] = message.to
        body[cfg.from_field] = message.sender or cfg.sender
        body[cfg.text_field] = message.text
        if cfg.reference_field and message.reference:
            body[cfg.reference_field] = message.reference
        try:
            response = self._http.post(cfg.url, json=body)
        except httpx.HTTPError as exc:
            return self._fail(Outcome.TEMPORARY_FAILURE, exc.__class__.__name__)
        code = response.status_code
        if code == 429 or code >= 500 or code in (401, 403, 408):
            # Throttled, the gateway's trouble, or our credentials: not the number's fault.
            return self._fail(Outcome.TEMPORARY_FAILURE, f"http {code}")
        if code >= 400:
            return self._fail(Outcome.PERMANENT_FAILURE, f"http {code}")
        try:
            message_id = _dig(response.json(), cfg.id_field)
        except ValueError:
            message_id = None
        if message_id is None:
            # Accepted, yet we cannot match receipts to it; still not worth resending.
            log.warning("%s: answer without %r", cfg.name, cfg.id_field)
        ids = (str(message_id),) if message_id is not None else ()
        return SendResult(Outcome.ACCEPTED, cfg.name, ids[0] if ids else None, ids)

    def _fail(self, outcome: Outcome, error: str) -> SendResult:
        log.warning("%s: send failed: %s", self.config.name, error)
        return SendResult(outcome, self.config.name, error=error)

    def parse_status_callback(self, payload: dict[str, Any]) -> DeliveryReceipt | None:
        """A delivery report the gateway posted to us; None when it is not one."""
        cfg = self.config
        message_id = _dig(payload, cfg.status_id_field)
        raw = _dig(payload, cfg.status_field)
        if message_id is None or raw is None:
            return None
        status = dict(cfg.status_map).get(str(raw).lower(), ReceiptStatus.TECHNICAL_FAILURE)
        return DeliveryReceipt(cfg.name, str(message_id), status, str(raw))
