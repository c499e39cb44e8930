"""A real SMPP 3.4 server (SMSC) for tests and benchmarks, on asyncio over TCP.

Its codec is written here from the SMPP 3.4 specification and shares nothing with
smpplib or notifier.sms_text, so a test that passes checks the client against the
protocol, not against itself.

It accepts binds, answers submit_sm with message ids, records every part it accepted,
sends delivery receipts (deliver_sm, esm_class 0x04, 'id:… stat:DELIVRD …'), one per
part of a concatenated message as operators do, and can send mobile-originated
messages. It can reject submits (all, or per destination), fail the receipt of one
part, and delay responses and receipts (`config.response_delay` may be changed while
it runs: an SMSC that turns slow). With `throttle_per_second` it keeps each bind to that
submit rate as operators do (a token bucket per bind holding `throttle_burst` submits):
a submit_sm above it is answered ESME_RTHROTTLED, not accepted, and counted in
`throttled`.

Each accepted part is appended as one JSON line to the log file *before* its
submit_sm_resp is written to the socket, with one write() per batch of PDUs: whatever
a client saw accepted is on disk even if this process or the client is killed, so a
crash test can count duplicates.

In a test:      server = SmppServer(ServerConfig()); server.start(); … server.stop()
As a process:   python -m tests.notifier.smpp_server --port 0 --log received.jsonl
                (prints "listening on 127.0.0.1:PORT" once ready)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import struct
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
RESP = 0x80000000
GENERIC_NACK = 0x80000000
ESME_ROK, ESME_RINVCMDID, ESME_RINVBNDSTS, ESME_RBINDFAIL = 0x00, 0x03, 0x04, 0x0D
ESME_RTHROTTLED = 0x58
TLV_MESSAGE_PAYLOAD, TLV_RECEIPTED_MESSAGE_ID, TLV_MESSAGE_STATE = 0x0424, 0x001E, 0x0427
MESSAGE_STATES = {"ENROUTE": 1, "DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5,
                  "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}

# GSM 03.38 default alphabet and extension table, for decoding data_coding 0.
_GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
            0x3E: "]", 0x40: "|", 0x65: "€"}
_GSM_ENCODE = {ch: i for i, ch in enumerate(_GSM)} | {ch: 0x1B00 | c for c, ch in _GSM_EXT.items()}


def gsm_decode(data: bytes) -> str:
    out, escape = [], False
    for b in data:
        if escape:
            out.append(_GSM_EXT.get(b, "?"))
            escape = False
        elif b == 0x1B:
            escape = True
        else:
            out.append(_GSM[b] if b < 128 else "?")
    return "".join(out)


def gsm_encode(text: str) -> bytes | None:
    out = bytearray()
    for ch in text:
        code = _GSM_ENCODE.get(ch)
        if code is None:
            return None
        out += bytes((0x1B, code & 0xFF)) if code > 0xFF else bytes((code,))
    return bytes(out)


def _pdu(command: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return struct.pack(">LLLL", 16 + len(body), command, status, sequence) + body


def _cstr(value: str) -> bytes:
    return value.encode("latin-1", "replace") + b"\0"


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def cstr(self) -> str:
        end = self.data.index(b"\0", self.pos)
        value = self.data[self.pos : end].decode("latin-1")
        self.pos = end + 1
        return value

    def byte(self) -> int:
        self.pos += 1
        return self.data[self.pos - 1]

    def octets(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def tlvs(self) -> dict[int, bytes]:
        found = {}
        while self.pos + 4 <= len(self.data):
            tag, length = struct.unpack(">HH", self.data[self.pos : self.pos + 4])
            self.pos += 4
            found[tag] = self.octets(length)
        return found


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0
    system_id: str | None = None  # None: any credentials bind
    password: str | None = None
    log_path: Path | None = None
    response_delay: float = 0.0
    reject_status: int = 0  # non-zero: every submit_sm answered with this status
    reject_destinations: dict[str, int] = field(default_factory=dict)  # address → status
    receipts: bool = True
    receipt_delay: float = 0.0
    receipt_stat: str = "DELIVRD"
    receipt_stats: dict[str, str] = field(default_factory=dict)  # address → stat
    # (address, part number from 1) → stat, for one part of a concatenated message
    part_receipt_stats: dict[tuple[str, int], str] = field(default_factory=dict)
    receipt_tlvs: bool = False  # also send receipted_message_id / message_state TLVs
    keep_records: bool = True  # off for long benchmarks: count only
    throttle_per_second: float | None = None  # per bind; above it: ESME_RTHROTTLED
    throttle_burst: float | None = None  # submits a bind may send at once; None: 1/5 s worth


class _Session(asyncio.Protocol):
    def __init__(self, server: SmppServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.bound: int | None = None  # the bind command, once bound
        self.system_id = ""
        self.sequence = itertools.count(1)
        self.in_flight = 0
        self.number = next(server.session_numbers)  # which bind a record came through
        rate = server.config.throttle_per_second
        burst = server.config.throttle_burst
        self.burst = burst if burst is not None else max(1.0, (rate or 0) / 5)
        self.tokens, self.refilled = self.burst, time.monotonic()
        self.delayed: dict[int, tuple[asyncio.TimerHandle, list[bytes]]] = {}

    def throttled(self) -> bool:
        """Whether this submit is above the bind's rate (and so refused)."""
        rate = self.server.config.throttle_per_second
        if rate is None:
            return False
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * rate)
        self.refilled = now
        if self.tokens < 1:
            return True
        self.tokens -= 1
        return False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.sessions.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.sessions.discard(self)

    @property
    def can_receive(self) -> bool:
        return self.bound in (BIND_RECEIVER, BIND_TRANSCEIVER)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies: list[bytes] = []
        delayed: list[bytes] = []
        records: list[dict[str, Any]] = []
        receipts: list[dict[str, Any]] = []
        while len(self.buffer) >= 16:
            length = int.from_bytes(self.buffer[:4], "big")
            if len(self.buffer) < length:
                break
            raw = bytes(self.buffer[:length])
            del self.buffer[:length]
            self.handle(raw, replies, delayed, records, receipts)
        if records:
            self.server.record(records)  # durable before any response leaves
        if replies:
            self.write(b"".join(replies))
        if delayed:
            self.in_flight += len(delayed)
            self.server.max_in_flight = max(self.server.max_in_flight, self.in_flight)
            loop = asyncio.get_running_loop()
            handle = loop.call_later(self.server.config.response_delay, self._release, delayed)
            self.delayed[id(delayed)] = (handle, delayed)
        for record in receipts:
            self.server.schedule_receipt(self, record)

    def _release(self, responses: list[bytes]) -> None:
        self.delayed.pop(id(responses), None)
        self.in_flight -= len(responses)
        self.write(b"".join(responses))

    def drop(self) -> None:
        """Read nothing more, answer every submit it took, and close the connection."""
        if self.transport is None:
            return
        self.transport.pause_reading()
        for handle, responses in list(self.delayed.values()):
            handle.cancel()
            self._release(responses)
        self.transport.close()

    def handle(self, raw: bytes, replies: list[bytes], delayed: list[bytes],
               records: list[dict[str, Any]], receipts: list[dict[str, Any]]) -> None:
        command, command_status, sequence = struct.unpack(">LLL", raw[4:16])
        body = _Reader(raw[16:])
        server = self.server
        if command in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            system_id, password = body.cstr(), body.cstr()
            cfg = server.config
            ok = (cfg.system_id is None or system_id == cfg.system_id) and (
                cfg.password is None or password == cfg.password)
            if ok and self.bound is None:
                self.bound, self.system_id = command, system_id
                server.binds += 1
            status = ESME_ROK if ok else ESME_RBINDFAIL
            replies.append(_pdu(command | RESP, status, sequence, _cstr("test-smsc")))
        elif command == ENQUIRE_LINK:
            replies.append(_pdu(ENQUIRE_LINK | RESP, ESME_ROK, sequence))
        elif command == UNBIND:
            replies.append(_pdu(UNBIND | RESP, ESME_ROK, sequence))
            self.bound = None
            if self.transport is not None:
                asyncio.get_running_loop().call_soon(self.transport.close)
        elif command == SUBMIT_SM:
            if self.bound not in (BIND_TRANSMITTER, BIND_TRANSCEIVER):
                replies.append(_pdu(SUBMIT_SM | RESP, ESME_RINVBNDSTS, sequence, b"\0"))
                return
            record = self.parse_submit(body)
            server.submits += 1
            status = server.config.reject_status or server.config.reject_destinations.get(
                record["destination"], ESME_ROK)
            if not status and self.throttled():
                status = ESME_RTHROTTLED
                server.throttled += 1
            if status:
                server.rejected += 1
                response = _pdu(SUBMIT_SM | RESP, status, sequence, b"\0")
            else:
                record["message_id"] = message_id = f"{next(server.message_ids):010X}"
                response = _pdu(SUBMIT_SM | RESP, ESME_ROK, sequence, _cstr(message_id))
                records.append(record)
                if record["registered_delivery"] & 0x01 and server.config.receipts:
                    receipts.append(record)
            (delayed if server.config.response_delay else replies).append(response)
        elif command == DELIVER_SM | RESP:
            server.deliver_responses.append(command_status)
        elif command & RESP:
            pass
        else:
            replies.append(_pdu(GENERIC_NACK, ESME_RINVCMDID, sequence))

    def parse_submit(self, body: _Reader) -> dict[str, Any]:
        body.cstr()  # service_type
        source_ton, source_npi, source = body.byte(), body.byte(), body.cstr()
        dest_ton, dest_npi, destination = body.byte(), body.byte(), body.cstr()
        esm_class = body.byte()
        body.byte(), body.byte()  # protocol_id, priority_flag
        body.cstr(), body.cstr()  # schedule_delivery_time, validity_period
        registered_delivery = body.byte()
        body.byte()  # replace_if_present_flag
        data_coding = body.byte()
        body.byte()  # sm_default_msg_id
        message = body.octets(body.byte())
        tlvs = body.tlvs()
        if not message and TLV_MESSAGE_PAYLOAD in tlvs:
            message = tlvs[TLV_MESSAGE_PAYLOAD]
        udh = None
        if esm_class & 0x40 and message:
            header, message = message[1 : 1 + message[0]], message[1 + message[0] :]
            if len(header) >= 5 and header[0] == 0x00:  # concatenation, 8-bit reference
                udh = [header[2], header[3], header[4]]
            elif len(header) >= 6 and header[0] == 0x08:  # 16-bit reference
                udh = [int.from_bytes(header[2:4], "big"), header[4], header[5]]
        if data_coding == 0x08:
            text = message.decode("utf-16-be", "replace")
        elif data_coding == 0x03:
            text = message.decode("latin-1")
        else:
            text = gsm_decode(message)
        return {
            "system_id": self.system_id, "source": source, "source_ton": source_ton,
            "source_npi": source_npi, "destination": destination, "dest_ton": dest_ton,
            "dest_npi": dest_npi, "esm_class": esm_class, "data_coding": data_coding,
            "registered_delivery": registered_delivery, "udh": udh, "text": text,
            "octets": len(message), "received_at": time.time(), "bind": self.number,
        }

    def deliver(self, source: str, destination: str, esm_class: int, data_coding: int,
                message: bytes, tlvs: bytes = b"", source_ton: int = 1, dest_ton: int = 1) -> None:
        body = (
            _cstr("") + bytes((source_ton, 1)) + _cstr(source) + bytes((dest_ton, 1))
            + _cstr(destination) + bytes((esm_class, 0, 0)) + _cstr("") + _cstr("")
            + bytes((0, 0, data_coding, 0, len(message))) + message + tlvs
        )
        self.write(_pdu(DELIVER_SM, ESME_ROK, next(self.sequence), body))


class SmppServer:
    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.sessions: set[_Session] = set()
        self.message_ids = itertools.count(1)
        self.received: list[dict[str, Any]] = []
        self.submits = self.rejected = self.binds = self.receipts_sent = self.throttled = 0
        self.session_numbers = itertools.count(1)
        self.max_in_flight = 0
        self.deliver_responses: list[int] = []
        self.port = self.config.port
        self._log_fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    # -- recording -----------------------------------------------------------------

    def record(self, records: list[dict[str, Any]]) -> None:
        if self._log_fd is not None:
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            os.write(self._log_fd, lines.encode())
        with self._changed:
            if self.config.keep_records:
                self.received.extend(records)
            self._changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Wait until predicate(self) is true (checked whenever a part arrives)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def messages(self) -> list[dict[str, Any]]:
        """Accepted parts joined into messages (concatenated parts by their reference)."""
        with self._lock:
            parts = list(self.received)
        return join_parts(parts)

    # -- receipts and MO -----------------------------------------------------------

    def schedule_receipt(self, session: _Session, record: dict[str, Any]) -> None:
        assert self._loop is not None
        self._loop.call_later(self.config.receipt_delay, self._send_receipt, session, record)

    def _send_receipt(self, session: _Session, record: dict[str, Any]) -> None:
        target = session if session.can_receive else self._receiver(session.system_id)
        if target is None:
            return
        stat = self.config.receipt_stats.get(record["destination"], self.config.receipt_stat)
        part = record["udh"][2] if record["udh"] else 1
        stat = self.config.part_receipt_stats.get((record["destination"], part), stat)
        stamp = datetime.now().strftime("%y%m%d%H%M")
        delivered = "001" if stat == "DELIVRD" else "000"
        err = "000" if stat == "DELIVRD" else "001"
        text = (f"id:{record['message_id']} sub:001 dlvrd:{delivered} submit date:{stamp} "
                f"done date:{stamp} stat:{stat} err:{err} text:")
        tlvs = b""
        if self.config.receipt_tlvs:
            mid = _cstr(record["message_id"])
            tlvs = (struct.pack(">HH", TLV_RECEIPTED_MESSAGE_ID, len(mid)) + mid
                    + struct.pack(">HHB", TLV_MESSAGE_STATE, 1, MESSAGE_STATES.get(stat, 7)))
        target.deliver(record["destination"], record["source"], 0x04, 0x00,
                       text.encode("latin-1"), tlvs, source_ton=record["dest_ton"],
                       dest_ton=record["source_ton"])
        self.receipts_sent += 1

    def _receiver(self, system_id: str) -> _Session | None:
        for session in self.sessions:
            if session.can_receive and session.system_id == system_id:
                return session
        return None

    def send_mo(self, source: str, destination: str, text: str) -> None:
        """A message from a phone to every bound receiver (thread-safe)."""
        encoded = gsm_encode(text)
        data_coding, payload = (0x00, encoded) if encoded is not None else (
            0x08, text.encode("utf-16-be"))

        def send() -> None:
            for session in list(self.sessions):
                if session.can_receive:
                    session.deliver(source.lstrip("+"), destination, 0x00, data_coding, payload)

        assert self._loop is not None
        self._loop.call_soon_threadsafe(send)

    # -- running -------------------------------------------------------------------

    async def serve(self, ready: threading.Event | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        if self.config.log_path is not None:
            self._log_fd = os.open(self.config.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                                   0o644)
        self._server = await self._loop.create_server(
            lambda: _Session(self), self.config.host, self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        if ready is not None:
            ready.set()
        try:
            async with self._server:
                await self._server.serve_forever()
        except asyncio.CancelledError:
            pass
        finally:
            for session in list(self.sessions):
                if session.transport is not None:
                    session.transport.close()
            if self._log_fd is not None:
                os.close(self._log_fd)
                self._log_fd = None

    def start(self) -> SmppServer:
        """Serve on a background thread; returns once the port is open."""
        ready = threading.Event()

        def run() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                asyncio.run(self.serve(ready))

        self._thread = threading.Thread(target=run, name="smpp-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("SMPP server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._cancel_all)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _cancel_all(self) -> None:
        for task in asyncio.all_tasks():
            task.cancel()

    def drop_bind(self) -> None:
        """One bound session (the oldest) closes after answering every submit it took, as
        an SMSC that drops one of an account's binds (thread-safe)."""
        assert self._loop is not None

        def drop() -> None:
            bound = sorted((s for s in self.sessions if s.bound), key=lambda s: s.number)
            if bound:
                bound[0].drop()

        self._loop.call_soon_threadsafe(drop)

    def close_sessions(self) -> None:
        """Drop every client connection, as an SMSC restart would (thread-safe)."""
        assert self._loop is not None

        def close() -> None:
            for session in list(self.sessions):
                if session.transport is not None:
                    session.transport.close()

        self._loop.call_soon_threadsafe(close)


def join_parts(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Concatenated parts joined by (source, destination, reference); others as they are."""
    messages: list[dict[str, Any]] = []
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for part in parts:
        if part.get("udh"):
            ref, total, _seq = part["udh"]
            key = (part["source"], part["destination"], ref, total)
            groups[key].append(part)
            if len(groups[key]) == total:
                ordered = sorted(groups.pop(key), key=lambda p: p["udh"][2])
                messages.append(dict(ordered[0], text="".join(p["text"] for p in ordered),
                                     parts=total, message_ids=[p["message_id"] for p in ordered]))
        else:
            messages.append(dict(part, parts=1, message_ids=[part["message_id"]]))
    return messages


def message_starts(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts that begin a message: one per message sent, however many parts the text
    took (a message cut off after its first part still counts as sent)."""
    return [p for p in parts if not p.get("udh") or p["udh"][2] == 1]


def read_log(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, help="append each accepted part here (JSON lines)")
    parser.add_argument("--system-id")
    parser.add_argument("--password")
    parser.add_argument("--response-delay", type=float, default=0.0)
    parser.add_argument("--reject-status", type=lambda v: int(v, 0), default=0)
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument("--receipt-delay", type=float, default=0.0)
    parser.add_argument("--receipt-stat", default="DELIVRD")
    parser.add_argument("--throttle", type=float, help="submits per second per bind")
    parser.add_argument("--throttle-burst", type=float, help="submits a bind may send at once")
    args = parser.parse_args(argv)
    server = SmppServer(ServerConfig(
        host=args.host, port=args.port, log_path=args.log, system_id=args.system_id,
        password=args.password, response_delay=args.response_delay,
        reject_status=args.reject_status, receipts=not args.no_receipts,
        receipt_delay=args.receipt_delay, receipt_stat=args.receipt_stat, keep_records=False,
        throttle_per_second=args.throttle, throttle_burst=args.throttle_burst,
    ))

    async def run() -> None:
        ready = threading.Event()
        task = asyncio.create_task(server.serve(ready))
        while not ready.is_set():
            await asyncio.sleep(0.01)
        print(f"listening on {args.host}:{server.port}", flush=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        print(f"stopped after {server.submits} submits, {server.throttled} throttled",
              file=sys.stderr, flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
