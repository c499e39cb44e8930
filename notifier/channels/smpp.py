"""SMS over SMPP 3.4 (bind_transceiver), with smpplib as the PDU codec.

The socket, framing and threads are ours rather than smpplib.Client's: its send/read
helpers log every PDU in hex at DEBUG level, numbers and bind password included, and
read one PDU per call. One reader thread parses what arrives; callers submit from any
thread. At most `window` submit_sm wait for their response at once, and a token bucket
keeps to `max_per_second` submit_sm PDUs (the unit providers count); several binds of
one provider account also share the account's bucket (`account`, see `smpp_binds`).
A submit_sm the SMSC answers ESME_RTHROTTLED was not taken: the bind holds off and the
same part goes again, up to `throttle_retries` times, keeping its place in the window.

Callbacks (`on_receipt`, `on_inbound`, and the per-message result callback) run on the
reader thread and must return quickly. When a receipt or inbound callback raises, the
deliver_sm is answered with ESME_RX_T_APPN so the SMSC delivers it again later: a
receipt is only acknowledged once it has been recorded.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import random
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from smpplib import consts, smpp

from .base import Admit, DeliveryReceipt, InboundMessage, Outcome, SendResult, SmsMessage
from .ratelimit import Limiter, RateLimiter
from .smpp_inbound import handle_deliver_sm
from .smpp_protocol import (
    BIND_TRANSCEIVER_RESP,
    DELIVER_SM,
    ENQUIRE_LINK,
    ESM_UDHI,
    GENERIC_NACK,
    PDU_HEADER,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    TEMPORARY_ERRORS,
    THROTTLED,
    UNBIND,
    UNBIND_RESP,
    SequenceNumbers,
    SmppConfig,
    SmppError,
    destination_address,
    encode_message,
    read_pdu,
    source_address,
    submit_tail,
)
from .smpp_retry import Resubmitter

log = logging.getLogger(__name__)

SubmitCallback = Callable[[SmsMessage, SendResult], None]


class _Job:
    """One message: its parts' message ids as the responses arrive."""

    __slots__ = ("message", "callback", "ids", "remaining", "error", "outcome")

    def __init__(self, message: SmsMessage, callback: SubmitCallback, parts: int) -> None:
        self.message, self.callback = message, callback
        self.ids: list[str | None] = [None] * parts
        self.remaining = parts
        self.error: str | None = None
        self.outcome = Outcome.ACCEPTED


class SmppClient:
    """One SMPP transceiver bind. Thread-safe for callers of submit/send/send_many."""

    def __init__(
        self,
        config: SmppConfig,
        *,
        on_receipt: Callable[[DeliveryReceipt], None] | None = None,
        on_inbound: Callable[[InboundMessage], None] | None = None,
        account: Limiter | None = None,
    ) -> None:
        self.config = config
        self.account = account  # the provider account's rate, shared by its binds
        self.on_receipt = on_receipt
        self.on_inbound = on_inbound
        self._source = source_address(config.sender)
        self._limiter = RateLimiter(config.max_per_second)
        self._sequence = SequenceNumbers()
        self._parse_sequence = SequenceNumbers()  # smpplib takes a number even when parsing
        self._udh_ref = itertools.count(random.randrange(256))
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()  # guards _pending and job state
        self._connecting = threading.Lock()
        # sequence → (job, part index, sent at, the PDU, times throttled)
        self._pending: dict[int, tuple[_Job, int, float, bytes, int]] = {}
        self._resubmitter = Resubmitter(self._resubmit, name=f"{config.name}-resubmit")
        self._window = threading.Semaphore(config.window)
        self._alive = threading.Event()
        self._unbound = threading.Event()
        self._reader: threading.Thread | None = None
        self._last_sent = time.monotonic()
        # (answered at, seconds from submit_sm to its response) of the latest answers
        self._answers: collections.deque[tuple[float, float]] = collections.deque(maxlen=50)
        self.submitted = 0  # submit_sm PDUs written, for reports and tests
        self.throttled = 0  # of them answered ESME_RTHROTTLED and sent again

    # -- connection ------------------------------------------------------------------

    @property
    def bound(self) -> bool:
        return self._alive.is_set()

    def connect(self) -> None:
        """Open the TCP connection and bind as a transceiver (once, whoever asks first)."""
        with self._connecting:
            if not self.bound:
                self._connect()

    def _connect(self) -> None:
        cfg = self.config
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        except OSError as exc:
            raise SmppError(f"{cfg.name}: cannot connect ({exc.__class__.__name__})") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        bind = smpp.make_pdu(
            "bind_transceiver", client=self._sequence, system_id=cfg.system_id,
            password=cfg.password, system_type=cfg.system_type,
            interface_version=0x34, addr_ton=0, addr_npi=0, address_range="",
        )
        buffer = bytearray()
        try:
            sock.sendall(bind.generate())
            while True:
                raw = read_pdu(sock, buffer)
                command, status = struct.unpack(">LL", raw[4:12])
                if command in (BIND_TRANSCEIVER_RESP, GENERIC_NACK):
                    break
        except OSError as exc:
            sock.close()
            raise SmppError(f"{cfg.name}: bind failed ({exc.__class__.__name__})") from None
        if status != consts.SMPP_ESME_ROK:
            sock.close()
            raise SmppError(f"{cfg.name}: bind refused, status 0x{status:08X}")
        sock.settimeout(None)
        self._sock = sock
        self._window = threading.Semaphore(cfg.window)
        self._unbound.clear()
        self._alive.set()
        self._reader = threading.Thread(
            target=self._read_loop, args=(sock, buffer), name=f"{cfg.name}-reader", daemon=True
        )
        self._reader.start()
        log.info("%s: bound to %s:%s", cfg.name, cfg.host, cfg.port)

    def close(self, drain_timeout: float = 5.0) -> None:
        """Wait for outstanding responses (up to drain_timeout), unbind and disconnect."""
        if not self.bound:
            self._disconnect()
            return
        deadline = time.monotonic() + drain_timeout
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.01)
        with contextlib.suppress(OSError):
            self._send(smpp.make_pdu("unbind", client=self._sequence))
            self._unbound.wait(2.0)
        self._disconnect()

    def _disconnect(self) -> None:
        self._alive.clear()
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2.0)
        self._fail_pending("connection closed")

    def __enter__(self) -> SmppClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending ---------------------------------------------------------------------

    def _send(self, pdu: object) -> None:
        data = pdu.generate()  # type: ignore[attr-defined]
        sock = self._sock
        if sock is None:
            raise ConnectionError("not connected")
        with self._send_lock:
            sock.sendall(data)
        self._last_sent = time.monotonic()

    def submit(self, message: SmsMessage, callback: SubmitCallback) -> None:
        """Send one message (all its parts); `callback` gets its result exactly once.

        Blocks while the window is full or the rate limit says wait. Never raises for a
        provider or connection problem: those become a temporary-failure result.
        """
        self.submit_many([(message, callback)])

    def submit_many(
        self, messages: Iterable[tuple[SmsMessage, SubmitCallback]], admit: Admit | None = None
    ) -> None:
        """`submit` for many messages, their PDUs written together while the window has
        room (one write per group); the k-th waits for `admit(k, …)` (`base.Admit`)."""
        out: list[bytes] = []
        coalesce = self._limiter.rate is None  # a paced bind writes each PDU at its time
        # A batch's few texts (one per language) encoded once, kept for this call only.
        encoded: dict[str, tuple[int, tuple[bytes, ...]]] = {}
        for k, (message, callback) in enumerate(messages):
            if admit is not None and not admit(k, False):
                out = self._write(out)  # their answers are what lets this one go
                admit(k, True)
            if message.text not in encoded:
                encoded[message.text] = encode_message(message.text)
            for job, index, sequence, pdu in self._prepare(
                message, callback, encoded[message.text]
            ):
                if not (self._alive.is_set() and self._window.acquire(blocking=False)):
                    out = self._write(out)  # what is ready goes before we wait
                    if not self._acquire_window():
                        self._part_failed(job, index, Outcome.TEMPORARY_FAILURE,
                                          "connection lost")
                        continue
                self._pace()
                # Registered before writing: the response may arrive before the write returns.
                with self._lock:
                    self._pending[sequence] = (job, index, time.monotonic(), pdu, 0)
                if not self._alive.is_set():
                    # Lost after the window check: the reader that failed what was
                    # pending has gone, so nothing else would ever answer this part.
                    self._fail_pending("connection lost")
                    continue
                out.append(pdu)
                if not coalesce:
                    out = self._write(out)
        self._write(out)

    def _pace(self) -> None:
        self._limiter.acquire()
        if self.account is not None:
            self.account.acquire()

    def _resubmit(self, job: _Job, index: int, pdu: bytes, tries: int) -> None:
        """Send a throttled part again (on the resubmitter's thread), in its window slot."""
        if not self._alive.is_set():
            self._part_failed(job, index, Outcome.TEMPORARY_FAILURE, "connection lost")
            self._window.release()
            return
        self._pace()
        sequence = self._sequence.next_sequence()
        pdu = PDU_HEADER.pack(len(pdu), SUBMIT_SM, 0, sequence) + pdu[16:]
        with self._lock:
            self._pending[sequence] = (job, index, time.monotonic(), pdu, tries)
        if not self._alive.is_set():
            self._fail_pending("connection lost")
            return
        self._write([pdu])

    def _prepare(
        self,
        message: SmsMessage,
        callback: SubmitCallback,
        encoded: tuple[int, tuple[bytes, ...]],
    ) -> Iterator[tuple[_Job, int, int, bytes]]:
        """(job, part index, sequence number, submit_sm PDU) for each part of a message
        whose text is `encoded` (`encode_message`); a message that cannot be sent gets its
        result at once and yields nothing."""
        data_coding, parts = encoded
        try:
            source = source_address(message.sender) if message.sender else self._source
        except ValueError as exc:
            callback(message, self._result(Outcome.PERMANENT_FAILURE, error=str(exc)))
            return
        if not self.bound:
            try:
                self.connect()
            except SmppError as exc:
                callback(message, self._result(Outcome.TEMPORARY_FAILURE, error=str(exc)))
                return
        job = _Job(message, callback, len(parts))
        cfg = self.config
        src_ton = cfg.source_ton if cfg.source_ton is not None else source[0]
        src_npi = cfg.source_npi if cfg.source_npi is not None else source[1]
        ton, npi, addr = destination_address(message.to)
        # Everything before esm_class is the same for each part of the message.
        head = (
            b"\0" + bytes((src_ton, src_npi)) + source[2].encode("ascii") + b"\0"
            + bytes((ton, npi)) + addr.encode("ascii") + b"\0"
        )
        registered = 1 if cfg.registered_delivery else 0
        ref = next(self._udh_ref) % 256
        for index, payload in enumerate(parts):
            esm_class = 0
            if len(parts) > 1:
                payload = bytes((5, 0, 3, ref, len(parts), index + 1)) + payload
                esm_class = ESM_UDHI
            sequence = self._sequence.next_sequence()
            body = head + submit_tail(esm_class, registered, data_coding, payload)
            pdu = PDU_HEADER.pack(16 + len(body), SUBMIT_SM, 0, sequence) + body
            yield job, index, sequence, pdu

    def _write(self, pdus: list[bytes]) -> list[bytes]:
        """Write the PDUs at once and return an empty list; a failed write fails what
        is pending."""
        if not pdus:
            return pdus
        try:
            with self._send_lock:
                sock = self._sock
                if sock is None:
                    raise ConnectionError("not connected")
                sock.sendall(b"".join(pdus))
                self.submitted += len(pdus)
            self._last_sent = time.monotonic()
        except OSError:
            self._connection_lost()
        return []

    def _acquire_window(self) -> bool:
        while self._alive.is_set():
            if self._window.acquire(timeout=0.2):
                if self._alive.is_set():
                    return True
                self._window.release()
        return False

    def response_time(self, since: float) -> float:
        """How long the SMSC takes to answer: the mean time to a submit_sm response of
        the (latest 50) answers since `since` (time.monotonic), or the age of the oldest
        submit still unanswered if that is longer; 0 when there is neither."""
        now = time.monotonic()
        recent = [seconds for at, seconds in list(self._answers) if at >= since]
        with self._lock:
            oldest = min((entry[2] for entry in self._pending.values()), default=now)
        mean = sum(recent) / len(recent) if recent else 0.0
        return max(mean, now - oldest if oldest >= since else 0.0)

    def send(self, message: SmsMessage, timeout: float | None = None) -> SendResult:
        """Submit one message and wait for its result."""
        return self.send_many([message], timeout=timeout)[0]

    def send_many(
        self, messages: Iterable[SmsMessage], timeout: float | None = None
    ) -> list[SendResult]:
        """Submit messages pipelined within the window; results in the same order."""
        results: dict[int, SendResult] = {}
        done = threading.Condition()

        def collect(index: int) -> SubmitCallback:
            def callback(_message: SmsMessage, result: SendResult) -> None:
                with done:
                    results[index] = result
                    done.notify_all()

            return callback

        count = 0
        for count, message in enumerate(messages, start=1):
            self.submit(message, collect(count - 1))
        limit = timeout if timeout is not None else self.config.response_timeout * 2 + 5
        with done:
            done.wait_for(lambda: len(results) == count, timeout=limit)
            missing = self._result(Outcome.TEMPORARY_FAILURE, error="no response")
            return [results.get(i, missing) for i in range(count)]

    def _result(
        self, outcome: Outcome, ids: tuple[str, ...] = (), error: str | None = None
    ) -> SendResult:
        return SendResult(outcome, self.config.name, ids[0] if ids else None, ids, error)

    def _part_done(self, job: _Job, index: int, message_id: str) -> None:
        with self._lock:
            job.ids[index] = message_id
            job.remaining -= 1
            finished = job.remaining == 0
        if finished:
            self._finish(job)

    def _part_failed(self, job: _Job, index: int, outcome: Outcome, error: str) -> None:
        with self._lock:
            job.remaining -= 1
            if job.outcome is not Outcome.PERMANENT_FAILURE:
                job.outcome, job.error = outcome, error
            finished = job.remaining == 0
        if finished:
            self._finish(job)

    def _finish(self, job: _Job) -> None:
        ids = tuple(i for i in job.ids if i)
        # Parts the provider accepted stay listed even when another part failed.
        result = self._result(job.outcome, ids, job.error)
        try:
            job.callback(job.message, result)
        except Exception:
            log.exception("%s: result callback failed", self.config.name)

    def _fail_pending(self, error: str) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        waiting = self._resubmitter.clear()
        for job, index, *_rest in [*pending.values(), *waiting]:
            self._part_failed(job, index, Outcome.TEMPORARY_FAILURE, error)
            self._window.release()

    def _connection_lost(self) -> None:
        if self._alive.is_set():
            log.warning("%s: connection lost", self.config.name)
        self._alive.clear()
        self._fail_pending("connection lost")

    # -- receiving -------------------------------------------------------------------

    def _read_loop(self, sock: socket.socket, buffer: bytearray) -> None:
        cfg = self.config
        try:
            while self._alive.is_set():
                while len(buffer) >= 4:
                    length = int.from_bytes(buffer[:4], "big")
                    if len(buffer) < length:
                        break
                    raw = bytes(buffer[:length])
                    del buffer[:length]
                    self._dispatch(raw)
                readable, _, _ = select.select([sock], [], [], 0.5)
                if readable:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    buffer += chunk
                now = time.monotonic()
                if now - self._last_sent > cfg.enquire_link_interval:
                    self._send(smpp.make_pdu("enquire_link", client=self._sequence))
                self._expire(now)
        except (OSError, ValueError):
            pass
        finally:
            self._connection_lost()

    def _expire(self, now: float) -> None:
        limit = self.config.response_timeout
        with self._lock:
            late = [seq for seq, entry in self._pending.items() if now - entry[2] > limit]
            expired = [self._pending.pop(seq) for seq in late]
        for job, index, *_rest in expired:
            # The SMSC may still have taken it; the outbox treats this as "unknown, retry".
            self._part_failed(job, index, Outcome.TEMPORARY_FAILURE, "no response in time")
            self._window.release()

    def _dispatch(self, raw: bytes) -> None:
        command, status, sequence = struct.unpack(">LLL", raw[4:16])
        if command in (SUBMIT_SM_RESP, GENERIC_NACK):
            with self._lock:
                entry = self._pending.pop(sequence, None)
            if entry is None:
                return  # answered after it timed out; already reported
            job, index, sent, pdu, tries = entry
            answered = time.monotonic()
            self._answers.append((answered, answered - sent))
            if status == THROTTLED and tries < self.config.throttle_retries:
                # Not taken: hold this bind off and send the same part again later,
                # still in its window slot.
                backoff = min(self.config.throttle_backoff * 2**tries, 2.0)
                self._limiter.hold(backoff)
                self.throttled += 1
                self._resubmitter.add(backoff, job, index, pdu, tries + 1)
                return
            self._window.release()
            if status == consts.SMPP_ESME_ROK and command == SUBMIT_SM_RESP:
                message_id = raw[16:].split(b"\0", 1)[0].decode("latin-1")  # a C string
                self._part_done(job, index, message_id)
            else:
                outcome = (
                    Outcome.TEMPORARY_FAILURE if status in TEMPORARY_ERRORS
                    else Outcome.PERMANENT_FAILURE
                )
                description = consts.DESCRIPTIONS.get(status, "unknown status")
                self._part_failed(job, index, outcome, f"0x{status:08X} {description}")
        elif command == DELIVER_SM:
            self._deliver_sm(raw, sequence)
        elif command == ENQUIRE_LINK:
            self._respond("enquire_link_resp", sequence)
        elif command == UNBIND:
            self._respond("unbind_resp", sequence)
            self._alive.clear()
        elif command == UNBIND_RESP:
            self._unbound.set()
            self._alive.clear()

    def _parse(self, raw: bytes) -> Any:
        return smpp.parse_pdu(raw, client=self._parse_sequence, allow_unknown_opt_params=True)

    def _respond(self, command: str, sequence: int, status: int = consts.SMPP_ESME_ROK) -> None:
        pdu = smpp.make_pdu(command, client=self._sequence, sequence=sequence, status=status)
        self._send(pdu)

    def _deliver_sm(self, raw: bytes, sequence: int) -> None:
        status = handle_deliver_sm(
            raw, self._parse, self.config, self.on_receipt, self.on_inbound
        )
        self._respond("deliver_sm_resp", sequence, status)
