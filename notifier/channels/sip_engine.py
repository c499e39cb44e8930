"""The process's one pjsua2 endpoint and the thread that drives it.

PJSIP allows one endpoint per process, so every `SipProvider` in a process (the
notifier's and the portal's) shares one `SipEngine`: a thread that owns the endpoint
and makes every pjsua2 call, callbacks included. Other threads hand it work through a
queue. There is no sound card: the endpoint uses PJSIP's null audio device and calls
only carry G.711 (PCMA/PCMU). PJSIP's own log stays off, as its lines quote the
numbers dialled.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sip import _Dial, _Trunk

log = logging.getLogger(__name__)

MAX_CALLS_PER_PROCESS = 32  # PJSUA_MAX_CALLS in the pjsua2-python build


class SipError(RuntimeError):
    pass


def pjsua() -> Any:
    try:
        import pjsua2
    except ImportError:
        raise SipError("pjsua2 is not installed (pip install pjsua2-python)") from None
    return pjsua2



NUMBER_LIKE = re.compile(r"\+?\d[\d \-]{4,}\d")


def safe_reason(text: str) -> str:
    """A reason phrase from the far end, with anything like a phone number blanked."""
    return NUMBER_LIKE.sub("…", text).strip()[:80]


class SipEngine:
    """The process's pjsua2 endpoint and the one thread that drives it."""

    _shared: SipEngine | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def acquire(cls) -> SipEngine:
        with cls._shared_lock:
            if cls._shared is None or not cls._shared.alive:
                if cls._shared is not None:
                    cls._shared.stop()  # PJSIP's endpoint must be gone before the next
                cls._shared = cls()
            cls._shared.users += 1
            return cls._shared

    @classmethod
    def release(cls, engine: SipEngine) -> None:
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
        pj = pjsua()
        try:
            self.endpoint = self._start(pj)
        except Exception as exc:
            self._failure = f"SIP engine did not start: {error_text(exc)}"
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
                        log.error("SIP call: %s", error_text(exc))
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
                log.warning("SIP engine shutdown: %s", error_text(exc))
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
                log.error("SIP engine: %s", error_text(exc))

    def transport(self, kind: str, port: int) -> int:
        pj = pjsua()
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
                log.warning("closing a SIP account: %s", error_text(exc))


def error_text(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)  # pjsua2.Error: PJSIP's text for the status
    return safe_reason(str(reason)) if reason else exc.__class__.__name__
