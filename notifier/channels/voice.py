"""Text to speech with espeak-ng (Debian package espeak-ng), to a WAV file.

The SIP call that plays it comes later; this part makes the audio. The text goes to
espeak-ng on stdin, not on its command line, so it does not show in the process list.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

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
