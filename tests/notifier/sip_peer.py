"""baresip (Debian package baresip) as the far end of a SIP trunk, for voice-call tests.

It listens on a loopback port and, for the numbers it is given (any other number gets
404), answers calls (`answer`), rejects them as busy (`busy`: 486) or lets them ring
(`ring`). It records the audio it receives into WAV files with its sndfile module. Its
call events (ctrl_tcp: JSON in netstrings) are collected, so a test waits for what
baresip reports instead of sleeping.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np

READY = "baresip is ready."
BYE_RECEIVED = "Connection reset by peer"  # CALL_CLOSED's reason when the caller hung up


def baresip_binary() -> str | None:
    return shutil.which("baresip")


def free_port() -> int:
    """A loopback port free for UDP and TCP, with the next port free for TCP too: baresip
    listens on UDP and TCP at the port and for SIP/TLS at the port after it."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
                try:
                    tcp.bind(("127.0.0.1", port))
                    tls.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


class SipPeer:
    """One baresip process with its own config dir under `directory`."""

    def __init__(self, directory: Path, numbers: Iterable[str] = (),
                 mode: Literal["answer", "busy", "ring"] = "answer") -> None:
        self.directory = Path(directory)
        self.numbers = list(numbers)
        self.mode = mode
        self.port = free_port()
        self.control_port = free_port()
        self.recordings = self.directory / "received"
        self.lines: list[str] = []
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._process: subprocess.Popen[str] | None = None
        self._control: socket.socket | None = None

    def start(self, timeout: float = 30.0) -> SipPeer:
        """Starts baresip; a port taken between choosing it and baresip's bind (another
        process on the machine) means new ports and another try."""
        for attempt in range(3):
            try:
                return self._start(timeout)
            except RuntimeError as error:
                if "Address already in use" not in str(error) or attempt == 2:
                    raise
                self.port, self.control_port = free_port(), free_port()
                self.lines.clear()
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> SipPeer:
        self.recordings.mkdir(parents=True, exist_ok=True)
        silence = self.directory / "silence.wav"  # what the peer "says": nothing
        with wave.open(str(silence), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(bytes(2 * 8000 * 120))
        rtp = 20000 + 2 * (self.port % 4000)
        config = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.port}",
            "net_interface 127.0.0.1",
            f"rtp_ports {rtp}-{rtp + 40}",
            f"audio_source aufile,{silence}",
            "audio_player aubridge,heard",  # no sound card; the player only pulls the audio
            "audio_alert aubridge,heard",
            "call_max_calls 8",
            "module_path /usr/lib/baresip/modules",
            "module g711.so",
            "module aufile.so",
            "module aubridge.so",
            "module sndfile.so",
            "module_app account.so",
            "module_app menu.so",  # the commands ctrl_tcp runs (hangup)
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{self.control_port}",
            f"snd_path {self.recordings}",
        ]
        (self.directory / "config").write_text("\n".join(config) + "\n")
        answer = "auto" if self.mode == "answer" else "manual"
        accounts = [
            f"<sip:{number}@127.0.0.1>;regint=0;answermode={answer};audio_codecs=PCMU,PCMA"
            for number in (self.numbers or ["nobody"])
        ]
        (self.directory / "accounts").write_text("\n".join(accounts) + "\n")
        self._process = subprocess.Popen(
            [str(baresip_binary()), "-f", str(self.directory), "-v"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self.wait_for(re.compile(re.escape(READY)), timeout):
            self.stop()
            raise RuntimeError("baresip did not start:\n" + "\n".join(self.lines[-20:]))
        self._control = socket.create_connection(("127.0.0.1", self.control_port), timeout=10)
        self._control.settimeout(None)
        threading.Thread(target=self._read_events, args=(self._control,), daemon=True).start()
        return self

    def _read_events(self, control: socket.socket) -> None:
        """ctrl_tcp's netstrings ("12:{...},"); a busy peer hangs up each incoming call."""
        buffer = b""
        while True:
            try:
                data = control.recv(65536)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b":" in buffer:
                length, _, rest = buffer.partition(b":")
                if len(rest) < int(length) + 1:
                    break
                message = json.loads(rest[: int(length)])
                buffer = rest[int(length) + 1 :]
                if message.get("event"):
                    if self.mode == "busy" and message.get("type") == "CALL_INCOMING":
                        self._command("hangup")  # an unanswered call: baresip says 486
                    with self._changed:
                        self.events.append(message)
                        self._changed.notify_all()

    def _command(self, command: str) -> None:
        assert self._control is not None
        data = json.dumps({"command": command, "params": "", "token": command}).encode()
        self._control.sendall(str(len(data)).encode() + b":" + data + b",")

    def calls(self, event: str) -> list[dict[str, Any]]:
        """The events of one type (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ...)."""
        with self._changed:
            return [e for e in self.events if e.get("type") == event]

    def wait_event(self, event: str, count: int = 1, timeout: float = 60.0) -> list[dict[str, Any]]:
        """The first `count` events of one type, waiting for them up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [e for e in self.events if e.get("type") == event]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"baresip reported {len(found)} {event}, not {count}")
                self._changed.wait(min(left, 1.0))
            return found[:count]

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30.0, times: int = 1) -> bool:
        """Whether baresip said something matching `pattern` `times` times within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(1 for line in self.lines if pattern.search(line)) < times:
                left = deadline - time.monotonic()
                if left <= 0 or (self._process is not None and self._process.poll() is not None):
                    return False
                self._changed.wait(min(left, 1.0))
            return True

    def received(self) -> list[Path]:
        """The WAV files of audio received (sndfile's "-dec" side), one per call; sndfile
        names them by the second, so calls started within one second share a file."""
        return sorted(self.recordings.glob("*-dec.wav"))

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=15)
        self._process = None

    def __enter__(self) -> SipPeer:
        # `with SipPeer(...).start() as peer` must not start a second, unstopped baresip.
        return self if self._process is not None else self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def speech_span(path: Path, threshold: int = 300) -> float:
    """Seconds from the first to the last sample louder than `threshold`."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    return 0.0 if len(loud) == 0 else (loud[-1] - loud[0]) / rate


def longest_quiet(path: Path, threshold: int = 300) -> float:
    """The longest stretch, in seconds, between two loud samples (the pause between playings)."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    return 0.0 if len(loud) < 2 else float(np.diff(loud).max()) / rate


class DigestTrunk:
    """A trunk's front door over UDP that wants digest authentication (RFC 3261 §22,
    RFC 2617 with qop=auth): INVITE gets 407 and REGISTER 401 until a request carries
    a valid answer for `username`/`password`. An authorised REGISTER gets 200; an
    authorised INVITE gets `invite_answer` (say "404 Not Found"), which shows the call
    got past authentication. baresip does not challenge calls, hence this."""

    realm = "trunk.test"

    def __init__(self, username: str, password: str,
                 invite_answer: str = "404 Not Found") -> None:
        self.username, self.password, self.invite_answer = username, password, invite_answer
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.authorised: list[str] = []  # methods that came with a valid answer
        self.challenged: list[str] = []
        self._changed = threading.Condition()
        self._nonce = uuid.uuid4().hex

    def start(self) -> DigestTrunk:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self.socket.close()

    def wait_for(self, method: str, timeout: float = 30.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: method in self.authorised, timeout)

    def _serve(self) -> None:
        while True:
            try:
                data, address = self.socket.recvfrom(65536)
            except OSError:
                return
            head = data.decode("utf-8", "replace").split("\r\n\r\n", 1)[0]
            lines = head.split("\r\n")
            method, uri = lines[0].split(" ")[:2]
            if method == "ACK" or lines[0].startswith("SIP/2.0"):
                continue
            headers = [line.split(":", 1) for line in lines[1:] if ":" in line]
            answer = self._answer(method, uri, headers)
            with self._changed:
                (self.challenged if answer[1] else self.authorised).append(method)
                self._changed.notify_all()
            self.socket.sendto(self._response(answer, headers).encode(), address)

    def _answer(self, method: str, uri: str,
                headers: list[list[str]]) -> tuple[str, str | None]:
        """(status and reason, the challenge header to add: None when authorised)."""
        names = {"INVITE": "Proxy-Authorization", "REGISTER": "Authorization"}
        given = [v for k, v in headers if k.strip().lower() == names.get(method, "").lower()]
        if given and self._valid(method, uri, given[0]):
            return ("200 OK" if method == "REGISTER" else self.invite_answer), None
        if method == "REGISTER":
            return "401 Unauthorized", "WWW-Authenticate"
        return "407 Proxy Authentication Required", "Proxy-Authenticate"

    def _valid(self, method: str, uri: str, header: str) -> bool:
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        if fields.get("username") != self.username or fields.get("nonce") != self._nonce:
            return False

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1 = md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = md5(f"{method}:{fields.get('uri', uri)}")
        expected = md5(f"{ha1}:{self._nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("response") == expected

    def _response(self, answer: tuple[str, str | None], headers: list[list[str]]) -> str:
        status, challenge = answer
        copied = [f"{k}:{v}" for k, v in headers
                  if k.strip().lower() in ("via", "from", "call-id", "cseq")]
        to = next(f"{k}:{v}" for k, v in headers if k.strip().lower() == "to")
        if ";tag=" not in to:
            to += ";tag=trunk"
        lines = [f"SIP/2.0 {status}", *copied, to]
        if challenge:
            lines.append(f'{challenge}: Digest realm="{self.realm}", nonce="{self._nonce}", '
                         'algorithm=MD5, qop="auth"')
        if status.startswith("200"):
            contact = next((f"{k}:{v}" for k, v in headers if k.strip().lower() == "contact"), "")
            lines += [contact, "Expires: 300"] if contact else ["Expires: 300"]
        return "\r\n".join([*lines, "Content-Length: 0", "", ""])
