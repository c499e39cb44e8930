"""espeak-ng speaks the rendered voice texts to WAV in the right voice; calls get 8 kHz
audio with the message twice, spoken once per text and language."""

from __future__ import annotations

import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from notifier.channels.voice import (
    CALL_SAMPLE_RATE,
    VOICES,
    CallAudioCache,
    VoiceError,
    call_audio,
    espeak_binary,
    synthesise,
)
from notifier.render import LANGUAGES, MessageContext, RenderConfig, render

pytestmark = pytest.mark.skipif(
    espeak_binary() is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)

CONTEXT = MessageContext(
    utility_name="Helsingin Vesi", streets=["Mannerheimintie"],
    starts_at=datetime(2025, 5, 13, 6, 0, tzinfo=UTC),
    ends_at=datetime(2025, 5, 13, 12, 30, tzinfo=UTC), cause="pipe_burst",
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_rendered_voice_message_becomes_wav(language: str, tmp_path: Path) -> None:
    text = render("planned_notice", "water", language, "voice", CONTEXT, config=RenderConfig()).text
    audio = synthesise(text, language, tmp_path / "notice.wav")
    assert audio.voice == VOICES[language]
    assert audio.duration > 3  # a whole sentence, not a click
    with wave.open(str(audio.path), "rb") as wav:
        assert wav.getnchannels() == 1
        assert wav.getnframes() > 0
        assert wav.getframerate() == audio.sample_rate


def test_the_language_picks_the_voice(tmp_path: Path) -> None:
    """Our file is byte for byte what espeak-ng makes with that voice, and not another's."""
    text = "Vesikatko tiistaina. Varaa juomavettä etukäteen."
    ours = synthesise(text, "fi", tmp_path / "ours.wav").path.read_bytes()

    def direct(voice: str) -> bytes:
        out = tmp_path / f"{voice}.wav"
        subprocess.run([str(espeak_binary()), "-b", "1", "-v", voice, "-s", "145", "-g", "8",
                        "-w", str(out), text], check=True)
        return out.read_bytes()

    assert ours == direct("fi")
    assert ours != direct("sv")
    assert ours != direct("en-gb")


def test_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(VoiceError):
        synthesise("Hallo", "de", tmp_path / "x.wav")


def test_call_audio_is_8khz_and_holds_the_message_twice_with_a_pause(tmp_path: Path) -> None:
    text = "Vesikatko tiistaina."
    once = synthesise(text, "fi", tmp_path / "once.wav")
    audio = call_audio(text, "fi", tmp_path / "call.wav", pause=1.5)
    assert (audio.sample_rate, audio.voice) == (CALL_SAMPLE_RATE, "fi")
    assert audio.duration == pytest.approx(2 * once.duration + 1.5, abs=0.01)
    with wave.open(str(audio.path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    half = round(once.duration * 8000)
    first, pause, second = samples[:half], samples[half:-half], samples[-half:]
    assert np.array_equal(first, second)  # the same message again
    assert not pause.any() and len(pause) == 1.5 * 8000
    assert np.abs(first.astype(np.int32)).max() > 3000  # speech, not silence
    assert not (tmp_path / "call.espeak.wav").exists()  # espeak-ng's own file is gone


def test_the_cache_speaks_each_text_once_per_language(tmp_path: Path) -> None:
    cache = CallAudioCache(tmp_path / "cache", max_entries=2)
    text = "Vesikatko tiistaina."
    with ThreadPoolExecutor(8) as pool:
        files = list(pool.map(lambda _: cache.get(text, "fi"), range(40)))
    assert cache.synthesised == 1 and len({f.path for f in files}) == 1
    swedish = cache.get(text, "sv")
    assert cache.synthesised == 2 and swedish.path != files[0].path
    cache.get("Toinen viesti.", "fi")  # a third entry: the least recently used goes
    assert not files[0].path.exists() and swedish.path.exists()
    assert cache.get(text, "fi").path.exists() and cache.synthesised == 4
