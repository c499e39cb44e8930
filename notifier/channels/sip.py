"""Voice calls to landlines through a SIP trunk, with PJSIP's pjsua2 (`pjsua2-python`).

A call dials `sip:<number>@<trunk>`, waits for an answer up to the ring timeout, plays
the message twice (the audio comes from `voice.CallAudioCache`), then hangs up with
BYE. The trunk may trust our address (IP-authenticated) or challenge with 401/407, in
which case the configured username and password answer it; registering is optional.

Every provider in a process shares the one PJSIP endpoint of `sip_engine.SipEngine`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gis_outage.phones import dialled

from .base import DeliveryReceipt, Outcome, Outgoing, ReceiptStatus, SendResult
from .sip_engine import MAX_CALLS_PER_PROCESS, SipEngine, SipError, error_text, pjsua, safe_reason
from .voice import CallAudioCache, VoiceAudio, VoiceError

log = logging.getLogger(__name__)

# Final responses that say the number itself is wrong: another try will not help.
PERMANENT_CODES = frozenset({404, 410, 484, 485, 603, 604})

ResultHandler = Callable[[SendResult], None]


@dataclass(frozen=True)
class SipConfig:
    host: str
    port: int = 5060
    transport: Literal["udp", "tcp"] = "udp"
    username: str | None = None  # answers a 401/407 challenge; the trunk may need none
    password: str | None = field(default=None, repr=False)
    caller_id: str | None = None  # our From: a number, a user or a whole sip: URI
    register: bool = False
    max_calls: int = 4  # calls at once
    ring_timeout: float = 45.0  # seconds from dialling to answer
    number_prefix: str = "+"  # replaces the leading + of the E.164 number ("00", "")
    local_port: int = 0  # SIP; 0: any free port
    rtp_port: int = 4000  # first RTP port; each call takes two (RTP, RTCP)
    rtp_port_range: int = 0  # 0: as many ports up from rtp_port as PJSIP needs
    pause: float = 1.5  # seconds of silence between the two playings
    name: str = "sip"

    def target(self, number: str) -> str:
        digits = self.number_prefix + number[1:] if number.startswith("+") else number
        transport = ";transport=tcp" if self.transport == "tcp" else ""
        return f"sip:{digits}@{self.host}:{self.port}{transport}"

    def local_uri(self) -> str:
        caller = self.caller_id or self.username or "gis-outage"
        return caller if caller.startswith(("sip:", "sips:")) else f"sip:{caller}@{self.host}"


_DIALLABLE = re.compile(r"\+?[0-9]{3,20}")


class _Trunk:
    """One provider's account at the trunk, on the engine thread."""

    def __init__(self, engine: SipEngine, config: SipConfig) -> None:
        pj = pjsua()
        self.config = config
        account_config = pj.AccountConfig()
        account_config.idUri = config.local_uri()
        if config.register:
            transport = ";transport=tcp" if config.transport == "tcp" else ""
            account_config.regConfig.registrarUri = f"sip:{config.host}:{config.port}{transport}"
        account_config.regConfig.registerOnAdd = config.register
        account_config.sipConfig.transportId = engine.transport(config.transport, config.local_port)
        if config.username:
            account_config.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", "*", config.username, 0, config.password or "")
            )
        media = account_config.mediaConfig
        media.transportConfig.port = config.rtp_port
        media.transportConfig.portRange = config.rtp_port_range
        media.lockCodecEnabled = False  # no re-INVITE to narrow the codecs after answer
        self.account = pj.Account()
        self.account.create(account_config)

    def close(self) -> None:
        self.account.shutdown()


@functools.cache
def _call_class() -> type:
    pj = pjsua()

    class PjCall(pj.Call):  # type: ignore[misc, name-defined]
        """Hands PJSIP's events to its `_Dial`. An exception must not get back into
        PJSIP (C++ would abort the process), so it ends the call instead."""

        def __init__(self, account: Any, dial: _Dial) -> None:
            super().__init__(account)
            self.dial: _Dial | None = dial

        def onCallState(self, prm: Any) -> None:
            self._guarded(lambda dial: dial.on_state(self.getInfo()))

        def onCallMediaState(self, prm: Any) -> None:
            self._guarded(lambda dial: dial.on_media())

        def _guarded(self, handle: Callable[[_Dial], None]) -> None:
            if self.dial is None:
                return
            try:
                handle(self.dial)
            except Exception as exc:
                log.error("SIP call event: %s", error_text(exc))
                self.dial.hang_up(Outcome.TEMPORARY_FAILURE, "internal error")

    return PjCall


class _Dial:
    """One call, on the engine thread: dial, wait for answer, play, hang up, report."""

    def __init__(
        self, trunk: _Trunk, number: str, audio: VoiceAudio, on_done: ResultHandler
    ) -> None:
        self.trunk = trunk
        self.config = trunk.config
        self.number = number
        self.audio = audio
        self.on_done = on_done
        self.call: Any = None
        self.player: Any = None
        self.call_id: str | None = None
        self.started = time.monotonic()
        self.answered_at: float | None = None
        self.playing_since: float | None = None
        self.reported = False
        self.finished_with_pjsip = False

    @property
    def single_message(self) -> float:
        """Seconds of one playing: the audio holds the message twice with a pause."""
        return (self.audio.duration - self.config.pause) / 2

    def start(self) -> None:
        pj = pjsua()
        parameters = pj.CallOpParam(True)
        parameters.opt.audioCount = 1
        parameters.opt.videoCount = 0
        try:
            self.call = _call_class()(self.trunk.account, self)
            self.call.makeCall(self.config.target(self.number), parameters)
        except Exception as exc:
            self.finished_with_pjsip = True
            self.report(Outcome.TEMPORARY_FAILURE, f"call not started: {error_text(exc)}")
            return
        self.call_id = self.call.getInfo().callIdString

    def on_state(self, info: Any) -> None:
        pj = pjsua()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and self.answered_at is None:
            self.answered_at = time.monotonic()
            self.on_media()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.finished_with_pjsip = True
            self.report(*self._ended(info.lastStatusCode, info.lastReason))

    def _ended(self, code: int, reason: str) -> tuple[Outcome, str | None]:
        if self.answered_at is not None:
            if self.playing_since is not None and (
                time.monotonic() - self.playing_since >= self.single_message
            ):
                return Outcome.ACCEPTED, None  # hung up after hearing it once
            return Outcome.TEMPORARY_FAILURE, "hung up before the message was played"
        text = f"SIP {code} {safe_reason(reason)}".strip()
        if code in PERMANENT_CODES:
            return Outcome.PERMANENT_FAILURE, text
        return Outcome.TEMPORARY_FAILURE, text

    def on_media(self) -> None:
        """Play into the call's audio once it is answered (not into early media, which
        a trunk may open while it rings)."""
        pj = pjsua()
        call = self.call
        if call is None or self.answered_at is None:
            return
        info = call.getInfo()  # held: its media list points into it
        for index, media in enumerate(info.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            try:
                if self.player is None:
                    self.player = pj.AudioMediaPlayer()
                    self.player.createPlayer(str(self.audio.path), pj.PJMEDIA_FILE_NO_LOOP)
                    self.playing_since = time.monotonic()
                self.player.startTransmit(call.getAudioMedia(index))
            except Exception as exc:
                self.hang_up(Outcome.TEMPORARY_FAILURE, f"audio: {error_text(exc)}")
            return

    def tick(self, now: float) -> None:
        if self.reported or self.call is None:
            return
        if self.answered_at is None:
            if now - self.started > self.config.ring_timeout:
                self.hang_up(
                    Outcome.TEMPORARY_FAILURE,
                    f"no answer within {self.config.ring_timeout:g} s",
                )
        elif self.playing_since is None:
            if now - self.answered_at > 10:
                self.hang_up(Outcome.TEMPORARY_FAILURE, "answered but no audio path")
        elif now - self.playing_since > self.audio.duration + 0.5:
            self.hang_up(Outcome.ACCEPTED, None)  # played twice; a short tail, then BYE

    def hang_up(self, outcome: Outcome, error: str | None) -> None:
        """Report now and end the call; PJSIP may take a while (CANCEL, BYE) to finish."""
        self.report(outcome, error)
        try:
            self.call.hangup(pjsua().CallOpParam(True))
        except Exception as exc:
            log.debug("hang-up: %s", error_text(exc))
            self.finished_with_pjsip = True

    def release(self) -> None:
        """Drop the pjsua2 objects now, on the engine thread (a dropped Call hangs up)."""
        if self.call is not None:
            self.call.dial = None  # the call and this object refer to each other
        self.call = self.player = None

    def abandon(self, error: str) -> None:
        self.report(Outcome.TEMPORARY_FAILURE, error)

    def report(self, outcome: Outcome, error: str | None) -> None:
        if self.reported:
            return
        self.reported = True
        message_id = self.call_id or uuid.uuid4().hex
        self.on_done(SendResult(outcome, self.config.name, message_id, (message_id,), error))


class SipProvider:
    """Voice messages as calls over one SIP trunk, up to `max_calls` at a time."""

    def __init__(
        self,
        config: SipConfig,
        *,
        on_receipt: Callable[[DeliveryReceipt], None] | None = None,
        audio: CallAudioCache | None = None,
    ) -> None:
        if not 1 <= config.max_calls <= MAX_CALLS_PER_PROCESS:
            raise ValueError(f"SIP max_calls must be 1…{MAX_CALLS_PER_PROCESS}")
        self.config = config
        self.name = config.name
        self.on_receipt = on_receipt
        self._own_audio_dir: str | None = None
        if audio is None:
            self._own_audio_dir = tempfile.mkdtemp(prefix="gis-outage-voice-")
            audio = CallAudioCache(self._own_audio_dir, pause=config.pause)
        self.audio = audio
        self._engine: SipEngine | None = None
        self._trunk: _Trunk | None = None
        self._lock = threading.Lock()

    def _connect(self) -> tuple[SipEngine, _Trunk]:
        with self._lock:
            if self._engine is None or not self._engine.alive:
                engine = SipEngine.acquire()
                try:
                    self._trunk = engine.call(lambda: _Trunk(engine, self.config))
                except Exception:
                    SipEngine.release(engine)
                    raise
                self._engine = engine
            assert self._trunk is not None
            return self._engine, self._trunk

    def send_batch(
        self, items: Sequence[Outgoing], on_result: Callable[[int, SendResult], None] | None = None
    ) -> list[SendResult]:
        # The engine thread only queues results; this thread records them, so a slow
        # database never holds up SIP signalling.
        answers: queue.Queue[tuple[int, SendResult]] = queue.Queue()
        results: dict[int, SendResult] = {}
        longest = 0.0  # seconds of the longest audio dialled so far

        def take_one() -> None:
            # Every call reports by the end of its ring timeout and its audio; more than
            # a minute past that, the engine is stuck.
            try:
                index, result = answers.get(timeout=self.config.ring_timeout + longest + 60)
            except queue.Empty:
                raise SipError("no call result") from None
            results[index] = result
            if on_result is not None:
                on_result(index, result)
            if result.accepted and self.on_receipt is not None and result.provider_message_id:
                # Answered and played through: the resident was told, as a receipt says.
                self.on_receipt(DeliveryReceipt(self.name, result.provider_message_id,
                                                ReceiptStatus.DELIVERED, "played"))

        try:
            for index, item in enumerate(items):
                while index - len(results) >= self.config.max_calls:
                    take_one()
                played = self._dial(item, lambda result, index=index: answers.put((index, result)))
                longest = max(longest, played)
            while len(results) < len(items):
                take_one()
        except SipError as exc:  # the engine lost calls: what is left may be tried again
            for index in range(len(items)):
                if index not in results:
                    results[index] = SendResult(Outcome.TEMPORARY_FAILURE, self.name,
                                                error=str(exc))
                    if on_result is not None:
                        on_result(index, results[index])
        return [results[i] for i in range(len(items))]

    def _dial(self, item: Outgoing, report: ResultHandler) -> float:
        """Start one call; `report` gets its result (at once if it cannot start).
        Returns the seconds of audio the call will play."""
        number = dialled(item.destination)  # a call to a number that gets SMS too: tel:+358…
        if not _DIALLABLE.fullmatch(number):
            error = "destination is not a phone number in E.164 form"
            report(SendResult(Outcome.PERMANENT_FAILURE, self.name, error=error))
            return 0.0
        try:
            audio = self.audio.get(item.message.text, item.message.language)
            engine, trunk = self._connect()

            def start() -> None:
                dial = _Dial(trunk, number, audio, report)
                engine.add(dial)
                dial.start()

            engine.submit(start)
            return audio.duration
        except (VoiceError, SipError, OSError) as exc:
            report(SendResult(Outcome.TEMPORARY_FAILURE, self.name, error=str(exc)))
        except Exception as exc:  # pjsua2.Error from the account; its text, not the number
            report(SendResult(Outcome.TEMPORARY_FAILURE, self.name, error=error_text(exc)))
        return 0.0

    def close(self) -> None:
        with self._lock:
            engine, trunk = self._engine, self._trunk
            self._engine = self._trunk = None
        if engine is not None:
            if trunk is not None and engine.alive:
                # When the engine is stopping anyway, its endpoint takes the account along.
                with contextlib.suppress(SipError):
                    engine.submit(lambda: engine.retire(trunk))
            SipEngine.release(engine)
        if self._own_audio_dir is not None:
            shutil.rmtree(self._own_audio_dir, ignore_errors=True)
