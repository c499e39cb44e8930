"""Text to speech with espeak-ng (Debian package espeak-ng), to WAV files.

`synthesise` speaks a text as espeak-ng makes it (22,050 Hz); `call_audio` turns that
into what a voice call plays (8 kHz, the message twice) and `CallAudioCache` keeps one
such file per text and language. The text goes to espeak-ng on stdin, not on its
command line, so it does not show in the process list.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import wave
from collections import OrderedDict
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

VOICES = {"fi": "fi", "sv": "sv", "en": "en-gb", "lt": "lt"}


class VoiceError(RuntimeError):
    pass


@dataclass(frozen=True)
class VoiceAudio:
    path: Path
    language: str
    voice: str
    sample_rate: int
    duration: float  # seconds


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def synthesise(
    text: str,
    language: str,
    path: Path | str,
    *,
    words_per_minute: int = 145,  # a little slower than espeak's 175: heard over a phone line
    gap_ms: int = 8,  # pause between words, in 10 ms units as espeak-ng counts them
    timeout: float = 60.0,
) -> VoiceAudio:
    """Speak `text` in `language` (fi, sv, en, lt) into a WAV file at `path`."""
    voice = VOICES.get(language)
    if voice is None:
        raise VoiceError(f"no voice for language {language!r}")
    binary = espeak_binary()
    if binary is None:
        raise VoiceError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    path = Path(path)
    command = [binary, "-b", "1", "-v", voice, "-s", str(words_per_minute), "-g", str(gap_ms),
               "-w", str(path), "--stdin"]
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise VoiceError("espeak-ng timed out") from None
    if done.returncode != 0 or not path.exists():
        raise VoiceError(f"espeak-ng failed with exit code {done.returncode}")
    with wave.open(str(path), "rb") as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
    if frames == 0:
        raise VoiceError("espeak-ng wrote no audio")
    return VoiceAudio(path, language, voice, rate, frames / rate)


CALL_SAMPLE_RATE = 8000  # G.711 (PCMU/PCMA), what a landline call carries


def call_audio(
    text: str, language: str, path: Path | str, *, pause: float = 1.5, repeats: int = 2
) -> VoiceAudio:
    """The message as a call plays it: spoken `repeats` times with `pause` seconds between,
    as 8 kHz 16-bit mono so the call sends it without resampling."""
    path = Path(path)
    spoken = path.with_name(path.stem + ".espeak.wav")
    try:
        audio = synthesise(text, language, spoken)
        with wave.open(str(spoken), "rb") as wav:
            width, channels = wav.getsampwidth(), wav.getnchannels()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    finally:
        spoken.unlink(missing_ok=True)
    if width != 2 or channels != 1:
        raise VoiceError(f"espeak-ng wrote {channels} channel(s) of {8 * width}-bit audio")
    step = gcd(CALL_SAMPLE_RATE, audio.sample_rate)
    # resample_poly low-passes before decimating, so speech does not alias into the band.
    # Imported here: scipy.signal takes seconds to import, which every process building
    # the providers (an SMS sender's first batch too) would otherwise wait for.
    from scipy.signal import resample_poly

    narrow = resample_poly(samples.astype(np.float64), CALL_SAMPLE_RATE // step,
                           audio.sample_rate // step)
    message = np.clip(np.rint(narrow), -32768, 32767).astype("<i2")
    silence = np.zeros(round(pause * CALL_SAMPLE_RATE), dtype="<i2")
    parts = [message]
    for _ in range(repeats - 1):
        parts += [silence, message]
    whole = np.concatenate(parts)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(CALL_SAMPLE_RATE)
        wav.writeframes(whole.tobytes())
    return VoiceAudio(path, language, audio.voice, CALL_SAMPLE_RATE,
                      len(whole) / CALL_SAMPLE_RATE)


class CallAudioCache:
    """Call audio made once per (language, text) and kept as files in `directory`.

    One event's rendered message goes to many landlines: the first call speaks it and
    the others reuse the file. Two threads asking for the same text wait for one
    synthesis. The least recently used files beyond `max_entries` are deleted.
    """

    def __init__(self, directory: Path | str, *, pause: float = 1.5, repeats: int = 2,
                 max_entries: int = 32) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.pause, self.repeats, self.max_entries = pause, repeats, max_entries
        self.synthesised = 0  # how many texts were spoken (the rest came from the cache)
        self._entries: OrderedDict[str, VoiceAudio] = OrderedDict()
        self._key_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, text: str, language: str) -> VoiceAudio:
        key = hashlib.sha256(f"{language}\0{text}".encode()).hexdigest()
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
            audio = call_audio(text, language, self.directory / f"{key}.wav",
                               pause=self.pause, repeats=self.repeats)
            with self._lock:
                self.synthesised += 1
                self._entries[key] = audio
                while len(self._entries) > self.max_entries:
                    old_key, old = self._entries.popitem(last=False)
                    self._key_locks.pop(old_key, None)
                    old.path.unlink(missing_ok=True)  # a call still playing it keeps it open
            return audio
