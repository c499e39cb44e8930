"""espeak-ng speaks the rendered voice texts to WAV in the right voice."""

from __future__ import annotations

import subprocess
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.channels.voice import VOICES, VoiceError, espeak_binary, synthesise
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
