"""Voice calls to landlines through a SIP trunk, with PJSIP's pjsua2 (`pjsua2-python`).

A call dials `sip:<number>@<trunk>`, waits for an answer up to the ring timeout, plays
the message twice (the audio comes from `voice.CallAudioCache`), then hangs up with
BYE. The trunk may trust our address (IP-authenticated) or challenge with 401/407, in
which case the configured username and password answer it; registering is optional.

PJSIP allows one endpoint per process, so every `SipProvider` in a process (the
notifier's and the portal's) shares one `_Engine`: a thread that owns the endpoint and
makes every pjsua2 call, callbacks included. Other threads hand it work through a
queue. There is no sound card: the endpoint uses PJSIP's null audio device and calls
only carry G.711 (PCMA/PCMU). PJSIP's own log stays off, as its lines quote the
numbers dialled.
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
from typing import TYPE_CHECKING, Any, Literal

from .base import DeliveryReceipt, DeliveryStatus, Outcome, SendResult
from .voice import CallAudioCache, VoiceAudio, VoiceError

if TYPE_CHECKING:
    from notifier.providers import Outgoing

log = logging.getLogger(__name__)

# Final responses that say the number itself is wrong: another try will not help.
PERMANENT_CODES = frozenset({404, 410, 484, 485, 603, 604})
MAX_CALLS_PER_PROCESS = 32  # PJSUA_MAX_CALLS in the pjsua2-python build

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


class SipError(RuntimeError):
    pass


def _pj() -> Any:
    try:
        import pjsua2
    except ImportError:
        raise SipError("pjsua2 is not installed (pip install pjsua2-python)") from None
    return pjsua2


_DIALLABLE = re.compile(r"\+?[0-9]{3,20}")
_NUMBERS = re.compile(r"\+?\d[\d \-]{4,}\d")


def _safe(text: str) -> str:
    """A reason phrase from the far end, with anything like a phone number blanked."""
    return _NUMBERS.sub("…", text).strip()[:80]


class _Engine:
    """The process's pjsua2 endpoint and the one thread that drives it."""

    _shared: _Engine | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def acquire(cls) -> _Engine:
        with cls._shared_lock:
            if cls._shared is None or not cls._shared.alive:
                if cls._shared is not None:
                    cls._shared.stop()  # PJSIP's endpoint must be gone before the next
                cls._shared = cls()
            cls._shared.users += 1
            return cls._shared

    @classmethod
    def release(cls, engine: _Engine) -> None:
        with cls._shared_lock:  # held while stopping: no new endpoint meanwhile
            engine.users -= 1
            if engine.users > 0:
                return
            if cls._shared is engine:
                cls._shared = None
            engine.stop()

    def __init__(self) -> None:
        self.users = 0
        self._work: queue.Queue[Callable[[], None]] = queue.Queue()
        self._calls: set[_Dial] = set()
        self._transports: dict[tuple[str, int], int] = {}
        self._retired: list[_Trunk] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._failure: str | None = None
        self._thread = threading.Thread(target=self._run, name="sip-engine", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            self._stop.set()
            raise SipError("SIP engine did not start in 30 s")
        if self._failure is not None:
            raise SipError(self._failure)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def submit(self, work: Callable[[], None]) -> None:
        if not self.alive:
            raise SipError("the SIP engine has stopped")
        self._work.put(work)

    def call(self, work: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run `work` on the engine thread and return what it returns."""
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = work()
            except Exception as exc:
                box["error"] = exc
            done.set()

        self.submit(run)
        if not done.wait(timeout):
            raise SipError("the SIP engine did not answer")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def stop(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=30)

    # -- on the engine thread ---------------------------------------------------------

    def _run(self) -> None:
        pj = _pj()
        try:
            self.endpoint = self._start(pj)
        except Exception as exc:
            self._failure = f"SIP engine did not start: {_error_text(exc)}"
            self._stop.set()
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                self.endpoint.libHandleEvents(10)
                self._drain()
                now = time.monotonic()
                for dial in list(self._calls):
                    try:
                        dial.tick(now)
                    except Exception as exc:
                        log.error("SIP call: %s", _error_text(exc))
                        dial.finished_with_pjsip = True
                        dial.abandon("internal error")
                    if dial.finished_with_pjsip:
                        self._calls.discard(dial)
                        dial.release()
                self._close_retired()
        finally:
            self._drain()  # work queued meanwhile still reports (as failures)
            for dial in self._calls:
                dial.abandon("the SIP engine stopped")
                dial.release()  # pjsua2 objects must go while the library is up
            self._calls.clear()
            self._retired.clear()
            try:
                self.endpoint.libDestroy()
            except Exception as exc:
                log.warning("SIP engine shutdown: %s", _error_text(exc))
            del self.endpoint

    def _start(self, pj: Any) -> Any:
        endpoint = pj.Endpoint()
        endpoint.libCreate()
        try:
            self._configure(pj, endpoint)
        except Exception:
            endpoint.libDestroy()  # so that the next engine can create its endpoint
            raise
        return endpoint

    def _configure(self, pj: Any, endpoint: Any) -> None:
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0  # PJSIP's events are handled on this thread only
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.maxCalls = MAX_CALLS_PER_PROCESS
        config.uaConfig.userAgent = "gis-outage"
        config.logConfig.level = 0
        config.logConfig.consoleLevel = 0
        config.logConfig.msgLogging = False
        config.medConfig.noVad = True  # keep sending during the pause: some trunks hang up
        config.medConfig.ecTailLen = 0  # nothing to cancel: we only play
        endpoint.libInit(config)
        endpoint.libStart()
        endpoint.audDevManager().setNullDev()
        for codec in endpoint.codecEnum2():
            name = codec.codecId.split("/")[0].upper()
            priority = {"PCMA": 255, "PCMU": 254}.get(name, 0)  # 0 disables the codec
            endpoint.codecSetPriority(codec.codecId, priority)

    def _drain(self) -> None:
        while True:
            try:
                work = self._work.get_nowait()
            except queue.Empty:
                return
            try:
                work()
            except Exception as exc:  # one call's trouble must not stop the others
                log.error("SIP engine: %s", _error_text(exc))

    def transport(self, kind: str, port: int) -> int:
        pj = _pj()
        key = (kind, port)
        if key not in self._transports:
            config = pj.TransportConfig()
            config.port = port
            types = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP}
            self._transports[key] = self.endpoint.transportCreate(types[kind], config)
        return self._transports[key]

    def add(self, dial: _Dial) -> None:
        self._calls.add(dial)

    def retire(self, trunk: _Trunk) -> None:
        """Close a provider's account once PJSIP has finished its calls."""
        self._retired.append(trunk)

    def _close_retired(self) -> None:
        busy = {id(dial.trunk) for dial in self._calls}
        for trunk in [t for t in self._retired if id(t) not in busy]:
            self._retired.remove(trunk)
            try:
                trunk.close()
            except Exception as exc:
                log.warning("closing a SIP account: %s", _error_text(exc))


def _error_text(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)  # pjsua2.Error: PJSIP's text for the status
    return _safe(str(reason)) if reason else exc.__class__.__name__


class _Trunk:
    """One provider's account at the trunk, on the engine thread."""

    def __init__(self, engine: _Engine, config: SipConfig) -> None:
        pj = _pj()
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
    pj = _pj()

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
                log.error("SIP call event: %s", _error_text(exc))
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
        pj = _pj()
        parameters = pj.CallOpParam(True)
        parameters.opt.audioCount = 1
        parameters.opt.videoCount = 0
        try:
            self.call = _call_class()(self.trunk.account, self)
            self.call.makeCall(self.config.target(self.number), parameters)
        except Exception as exc:
            self.finished_with_pjsip = True
            self.report(Outcome.TEMPORARY_FAILURE, f"call not started: {_error_text(exc)}")
            return
        self.call_id = self.call.getInfo().callIdString

    def on_state(self, info: Any) -> None:
        pj = _pj()
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
        text = f"SIP {code} {_safe(reason)}".strip()
        if code in PERMANENT_CODES:
            return Outcome.PERMANENT_FAILURE, text
        return Outcome.TEMPORARY_FAILURE, text

    def on_media(self) -> None:
        """Play into the call's audio once it is answered (not into early media, which
        a trunk may open while it rings)."""
        pj = _pj()
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
                self.hang_up(Outcome.TEMPORARY_FAILURE, f"audio: {_error_text(exc)}")
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
            self.call.hangup(_pj().CallOpParam(True))
        except Exception as exc:
            log.debug("hang-up: %s", _error_text(exc))
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
        self._engine: _Engine | None = None
        self._trunk: _Trunk | None = None
        self._lock = threading.Lock()

    def _connect(self) -> tuple[_Engine, _Trunk]:
        with self._lock:
            if self._engine is None or not self._engine.alive:
                engine = _Engine.acquire()
                try:
                    self._trunk = engine.call(lambda: _Trunk(engine, self.config))
                except Exception:
                    _Engine.release(engine)
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
                                                DeliveryStatus.DELIVERED, "played"))

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
        if not _DIALLABLE.fullmatch(item.destination):
            error = "destination is not a phone number in E.164 form"
            report(SendResult(Outcome.PERMANENT_FAILURE, self.name, error=error))
            return 0.0
        try:
            audio = self.audio.get(item.message.text, item.message.language)
            engine, trunk = self._connect()

            def start() -> None:
                dial = _Dial(trunk, item.destination, audio, report)
                engine.add(dial)
                dial.start()

            engine.submit(start)
            return audio.duration
        except (VoiceError, SipError, OSError) as exc:
            report(SendResult(Outcome.TEMPORARY_FAILURE, self.name, error=str(exc)))
        except Exception as exc:  # pjsua2.Error from the account; its text, not the number
            report(SendResult(Outcome.TEMPORARY_FAILURE, self.name, error=_error_text(exc)))
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
            _Engine.release(engine)
        if self._own_audio_dir is not None:
            shutil.rmtree(self._own_audio_dir, ignore_errors=True)
