"""The SMPP client against a real SMPP 3.4 server on loopback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier.channels import DeliveryReceipt, InboundMessage, Outcome, ReceiptStatus, SmsMessage
from notifier.channels.ratelimit import RateLimiter
from notifier.channels.smpp import SmppClient, SmppConfig
from notifier.channels.smpp_protocol import parse_receipt_text, source_address
from notifier.sms_text import sanitise

from .smpp_server import SmppServer, join_parts, read_log

ROOT = Path(__file__).parents[2]
TO = "+358401234567"


class Collector:
    """Receipts and inbound messages as the callbacks get them, with waiting."""

    def __init__(self) -> None:
        self.receipts: list[DeliveryReceipt] = []
        self.inbound: list[InboundMessage] = []
        self._cv = threading.Condition()

    def receipt(self, receipt: DeliveryReceipt) -> None:
        with self._cv:
            self.receipts.append(receipt)
            self._cv.notify_all()

    def message(self, message: InboundMessage) -> None:
        with self._cv:
            self.inbound.append(message)
            self._cv.notify_all()

    def wait(self, predicate: Any, timeout: float = 10.0) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: predicate(self), timeout)


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def connect(collector: Collector) -> Iterator[Any]:
    clients: list[SmppClient] = []

    def make(server: SmppServer, **options: Any) -> SmppClient:
        config = SmppConfig("127.0.0.1", server.port, "utility", "secret", **options)
        client = SmppClient(config, on_receipt=collector.receipt, on_inbound=collector.message)
        client.connect()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close(drain_timeout=1)


def test_submit_arrives_with_text_encoding_and_sender(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server, sender="HelsVesi")
    text = "Helsingin Vesi: Vesikatko ti 13.5. klo 9.00–15.00 “Mannerheimintie” €5"
    result = client.send(SmsMessage(TO, text))
    assert result.outcome is Outcome.ACCEPTED
    assert result.provider_message_id
    [part] = smpp_server.received
    assert part["message_id"] == result.provider_message_id
    assert part["text"] == sanitise(text)
    assert part["data_coding"] == 0
    assert (part["source"], part["source_ton"], part["source_npi"]) == ("HelsVesi", 5, 0)
    assert (part["destination"], part["dest_ton"], part["dest_npi"]) == ("358401234567", 1, 1)
    assert part["registered_delivery"] == 1
    assert part["udh"] is None


def test_ucs2_and_numeric_sender(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server, sender="+358501234567")
    text = "Vilniaus vandenys: gegužės 13 d. nebus tiekiamas vanduo 😀"
    assert client.send(SmsMessage(TO, text)).accepted
    [part] = smpp_server.received
    assert part["data_coding"] == 8
    assert part["text"] == text
    assert (part["source"], part["source_ton"], part["source_npi"]) == ("358501234567", 1, 1)


def test_per_message_sender_overrides_the_default(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server, sender="Default")
    assert client.send(SmsMessage(TO, "x", sender="12345")).accepted
    [part] = smpp_server.received
    assert (part["source"], part["source_ton"]) == ("12345", 0)


def test_three_part_message_is_concatenated(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server)
    text = " ".join(f"Sana{i}" for i in range(60))  # about 400 GSM-7 characters
    assert 306 < len(text) <= 459
    result = client.send(SmsMessage(TO, text))
    assert result.accepted
    assert len(result.part_ids) == 3
    parts = smpp_server.received
    assert len(parts) == 3
    assert {p["esm_class"] & 0x40 for p in parts} == {0x40}
    assert len({p["udh"][0] for p in parts}) == 1  # one reference
    assert sorted(p["udh"][1:] for p in parts) == [[3, 1], [3, 2], [3, 3]]
    [message] = join_parts(parts)
    assert message["text"] == text
    assert message["parts"] == 3
    assert message["message_ids"] == list(result.part_ids)


def test_delivery_receipt_updates_status(
    smpp_server_factory: Any, connect: Any, collector: Collector
):
    server = smpp_server_factory(receipt_stats={"358400000002": "UNDELIV",
                                                "358400000003": "EXPIRED"})
    client = connect(server)
    results = client.send_many([SmsMessage(f"+35840000000{i}", f"Viesti {i}") for i in (1, 2, 3)])
    assert all(r.accepted for r in results)
    assert collector.wait(lambda c: len(c.receipts) == 3)
    status = {r.provider_message_id: r for r in collector.receipts}
    first, second, third = (status[r.provider_message_id] for r in results)
    assert (first.status, first.provider_status) == (ReceiptStatus.DELIVERED, "DELIVRD")
    assert second.status is ReceiptStatus.PERMANENT_FAILURE
    assert third.status is ReceiptStatus.TEMPORARY_FAILURE
    assert first.done_at is not None


def test_receipt_with_tlvs(smpp_server_factory: Any, connect: Any, collector: Collector):
    server = smpp_server_factory(receipt_tlvs=True, receipt_stat="REJECTD")
    result = connect(server).send(SmsMessage(TO, "Viesti"))
    assert collector.wait(lambda c: c.receipts)
    [receipt] = collector.receipts
    assert receipt.provider_message_id == result.provider_message_id
    assert receipt.status is ReceiptStatus.PERMANENT_FAILURE


def test_receipt_not_recorded_is_refused_for_redelivery(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server)

    def broken(_receipt: DeliveryReceipt) -> None:
        raise RuntimeError("database down")

    client.on_receipt = broken
    client.send(SmsMessage(TO, "Viesti"))
    assert smpp_server.wait_for(lambda s: s.deliver_responses, timeout=10)
    assert smpp_server.deliver_responses == [0x64]  # ESME_RX_T_APPN: try again later


@pytest.mark.parametrize(
    ("text", "keyword"),
    [("STOP", "STOP"), ("lopeta", "LOPETA"), ("Sluta!", "SLUTA"), (" Stop please", "STOP"),
     ("Milloin vesi tulee?", None)],
)
def test_inbound_message_reaches_callback(
    smpp_server: SmppServer, connect: Any, collector: Collector, text: str, keyword: str | None
):
    connect(smpp_server, sender="HelsVesi")
    smpp_server.send_mo(TO, "HelsVesi", text)
    assert collector.wait(lambda c: c.inbound)
    [message] = collector.inbound
    assert message.opt_out_keyword == keyword
    assert message.text == text
    assert message.source == "358401234567"
    assert smpp_server.wait_for(lambda s: s.deliver_responses)
    assert smpp_server.deliver_responses == [0]


@pytest.mark.parametrize(("status", "outcome"), [(0x0B, Outcome.PERMANENT_FAILURE),
                                                (0x58, Outcome.TEMPORARY_FAILURE),
                                                (0x14, Outcome.TEMPORARY_FAILURE)])
def test_rejected_submit(smpp_server_factory: Any, connect: Any, status: int, outcome: Outcome):
    server = smpp_server_factory(reject_destinations={"358400000000": status})
    client = connect(server)
    bad, good = client.send_many([SmsMessage("+358400000000", "a"), SmsMessage(TO, "b")])
    assert bad.outcome is outcome
    assert bad.error and bad.error.startswith(f"0x{status:08X}")
    assert good.accepted
    # Throttled is "not now": the same part goes again, after a back-off, a few times.
    assert server.rejected == 1 + (client.config.throttle_retries if status == 0x58 else 0)


def test_window_limits_outstanding_submits(smpp_server_factory: Any, connect: Any):
    server = smpp_server_factory(response_delay=0.2)
    client = connect(server, window=3)
    results = client.send_many([SmsMessage(TO, f"m{i}") for i in range(12)])
    assert all(r.accepted for r in results)
    assert server.max_in_flight <= 3
    assert server.max_in_flight >= 2  # pipelined, not one at a time


def test_throughput_limit(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server, max_per_second=100, window=50)
    started = time.monotonic()
    results = client.send_many([SmsMessage(TO, f"m{i}") for i in range(60)])
    elapsed = time.monotonic() - started
    assert all(r.accepted for r in results)
    assert smpp_server.submits == 60
    # 60 PDUs at 100/s with a burst of 5: at least 0.55 s. Only a lower bound, which a
    # slow machine cannot break.
    assert elapsed >= 0.5


def test_rate_limiter_counts_with_a_fake_clock():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(200, clock=lambda: now[0], sleep=sleep)
    granted_by = []
    for _ in range(1000):
        limiter.acquire()
        granted_by.append(now[0])
    # 1000 permits at 200/s after an initial burst of 10 take (1000 - 10) / 200 s.
    assert granted_by[-1] == pytest.approx(990 / 200)
    assert sum(1 for t in granted_by if t <= 1.0) <= 200 + 10 + 1


def test_response_timeout_is_a_temporary_failure(smpp_server_factory: Any, connect: Any):
    server = smpp_server_factory(response_delay=3.0)
    client = connect(server, response_timeout=0.5)
    result = client.send(SmsMessage(TO, "m"))
    assert result.outcome is Outcome.TEMPORARY_FAILURE
    assert result.error == "no response in time"


def test_reconnects_after_the_server_drops_the_connection(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server)
    assert client.send(SmsMessage(TO, "first")).accepted
    smpp_server.close_sessions()
    deadline = time.monotonic() + 5
    while client.bound and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not client.bound
    assert client.send(SmsMessage(TO, "second")).accepted
    assert smpp_server.binds == 2


def test_bind_with_wrong_password_fails(smpp_server_factory: Any):
    from notifier.channels.smpp import SmppError

    server = smpp_server_factory(system_id="utility", password="right")
    client = SmppClient(SmppConfig("127.0.0.1", server.port, "utility", "wrong"))
    with pytest.raises(SmppError, match="bind refused"):
        client.connect()
    result = client.send(SmsMessage(TO, "m"))
    assert result.outcome is Outcome.TEMPORARY_FAILURE


def test_invalid_sender_is_permanent(smpp_server: SmppServer, connect: Any):
    client = connect(smpp_server)
    result = client.send(SmsMessage(TO, "m", sender="Far too long a name"))
    assert result.outcome is Outcome.PERMANENT_FAILURE
    with pytest.raises(ValueError):
        source_address("Ääkkös-Vesi")


def test_receipt_text_parsing():
    fields = parse_receipt_text(
        "id:0123456789 sub:001 dlvrd:000 submit date:2505131200 done date:2505131201 "
        "stat:UNDELIV err:034 text:Helsingin Vesi"
    )
    assert fields["id"] == "0123456789"
    assert fields["stat"] == "UNDELIV"
    assert fields["err"] == "034"
    assert fields["done date"] == "2505131201"


def test_server_as_a_process_logs_every_accepted_part(tmp_path: Path):
    """The separate-process mode the crash test and benchmark use."""
    log = tmp_path / "received.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.notifier.smpp_server", "--port", "0", "--log", str(log)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().rsplit(":", 1)[1])
        config = SmppConfig("127.0.0.1", port, "bench", window=20, registered_delivery=False)
        with SmppClient(config) as client:
            messages = [SmsMessage(f"+358401{i:06d}", f"Viesti {i}") for i in range(2000)]
            messages.append(SmsMessage(TO, "pitkä " * 40))  # 240 characters: two parts
            results = client.send_many(messages)
        assert all(r.accepted for r in results)
    finally:
        process.terminate()
        process.wait(timeout=10)
    parts = read_log(log)
    assert len(parts) == 2002
    messages = join_parts(parts)
    destinations = [m["destination"] for m in messages]
    assert len(destinations) == len(set(destinations)) == 2001  # no duplicates
    long = next(m for m in messages if m["destination"] == TO[1:])
    assert (long["text"], long["parts"]) == ("pitkä " * 40, 2)
