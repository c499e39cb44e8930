"""The HTTP SMS gateway adapter against a real HTTP server on loopback."""

from __future__ import annotations

from notifier.channels import Outcome, ReceiptStatus, SmsMessage
from notifier.channels.http_sms import HttpSmsClient, HttpSmsConfig

from .conftest import HttpGateway, free_port

TO = "+358401234567"


def test_json_post_with_token(http_gateway: HttpGateway) -> None:
    config = HttpSmsConfig(url=http_gateway.url, token="t0k3n", sender="HelsVesi",
                           extra_fields=(("channel", "sms"),))
    with HttpSmsClient(config) as client:
        result = client.send(SmsMessage(TO, "Vesikatko ti 13.5.", reference="d-1"))
    assert result.outcome is Outcome.ACCEPTED
    assert result.provider_message_id == "gw-1"
    [request] = http_gateway.requests
    assert request["authorization"] == "Bearer t0k3n"
    assert request["content_type"] == "application/json"
    assert request["json"] == {"to": TO, "from": "HelsVesi", "text": "Vesikatko ti 13.5.",
                               "reference": "d-1", "channel": "sms"}


def test_configurable_fields_and_nested_id(http_gateway: HttpGateway) -> None:
    http_gateway.answer = {"messages": [{"message_id": 991}]}
    config = HttpSmsConfig(url=http_gateway.url, to_field="msisdn", text_field="body",
                           from_field="originator", reference_field=None,
                           id_field="messages.0.message_id")
    with HttpSmsClient(config) as client:
        result = client.send(SmsMessage(TO, "Hei", reference="ignored"))
    assert result.provider_message_id == "991"
    assert http_gateway.requests[0]["json"] == {"msisdn": TO, "body": "Hei", "originator": "Notice"}


def test_http_errors(http_gateway: HttpGateway) -> None:
    outcomes = {}
    with HttpSmsClient(HttpSmsConfig(url=http_gateway.url)) as client:
        for status in (400, 422, 429, 500, 503, 401):
            http_gateway.status = status
            outcomes[status] = client.send(SmsMessage(TO, "x")).outcome
    assert outcomes == {
        400: Outcome.PERMANENT_FAILURE, 422: Outcome.PERMANENT_FAILURE,
        429: Outcome.TEMPORARY_FAILURE, 500: Outcome.TEMPORARY_FAILURE,
        503: Outcome.TEMPORARY_FAILURE, 401: Outcome.TEMPORARY_FAILURE,
    }


def test_unreachable_gateway_is_temporary() -> None:
    config = HttpSmsConfig(url=f"http://127.0.0.1:{free_port()}/sms", timeout=2)
    with HttpSmsClient(config) as client:
        assert client.send(SmsMessage(TO, "x")).outcome is Outcome.TEMPORARY_FAILURE


def test_status_callback() -> None:
    client = HttpSmsClient(HttpSmsConfig(url="http://127.0.0.1:9/"))
    receipt = client.parse_status_callback({"id": "gw-1", "status": "DELIVERED"})
    assert receipt is not None
    assert (receipt.provider_message_id, receipt.status) == ("gw-1", ReceiptStatus.DELIVERED)
    failed = client.parse_status_callback({"id": "gw-2", "status": "undelivered"})
    assert failed is not None and failed.status is ReceiptStatus.PERMANENT_FAILURE
    assert client.parse_status_callback({"event": "ping"}) is None
    client.close()
