"""The demo provider: keeps every rendered SMS, e-mail and voice text instead of sending.

The embedded default uses it so a newcomer can see, on a demo page, exactly what the
residents at an outage would receive. Messages are appended as JSON lines to
`demo-messages.jsonl` in the data dir; destinations are stored masked (the demo page
shows what was said and on which channel, not whose number it was).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gis_outage.phones import mask

from .base import Outcome, Outgoing, SendResult

log = logging.getLogger(__name__)

FILE_NAME = "demo-messages.jsonl"
AUDIO_DIR = "demo-voice"
_write_lock = threading.Lock()


def _data_dir(data_dir: Path | str | None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from gis_outage.config import get_settings

    return get_settings().data_dir


class DemoProvider:
    """A provider for every channel that accepts everything and keeps the text."""

    def __init__(
        self, data_dir: Path | str | None = None, *, name: str = "demo", voice_audio: bool = False
    ) -> None:
        self.name = name
        self.path = _data_dir(data_dir) / FILE_NAME
        self.voice_audio = voice_audio

    def send_batch(
        self, items: Sequence[Outgoing], on_result: Callable[[int, SendResult], None] | None = None
    ) -> list[SendResult]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        records, results = [], []
        for item in items:
            message = item.message
            message_id = uuid.uuid4().hex
            record: dict[str, Any] = {
                "id": message_id,
                "at": now,
                "event_id": item.event_id,
                "delivery_id": item.delivery_id,
                "channel": message.channel.value,
                "to": mask(item.destination),
                "language": message.language,
                "kind": message.kind.value,
                "service": message.service.value,
                "subject": message.subject,
                "text": message.text,
            }
            if message.sms is not None:
                record["sms"] = {
                    "encoding": message.sms.encoding.value,
                    "characters": message.sms.characters,
                    "fragments": message.sms.fragments,
                }
            if self.voice_audio and message.channel.value == "voice":
                record["audio"] = self._speak(message.text, message.language, message_id)
            records.append(record)
            results.append(SendResult(Outcome.ACCEPTED, self.name, message_id, (message_id,)))
        self._append(records)
        if on_result is not None:
            for index, result in enumerate(results):
                on_result(index, result)
        return results

    def _append(self, records: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def _speak(self, text: str, language: str, message_id: str) -> str | None:
        """The spoken message as a WAV file next to the log (None without espeak-ng)."""
        from .voice import VoiceError, synthesise

        audio_dir = self.path.parent / AUDIO_DIR
        audio_dir.mkdir(parents=True, exist_ok=True)
        try:
            synthesise(text, language, audio_dir / f"{message_id}.wav")
        except VoiceError as exc:
            log.warning("demo voice audio not made: %s", exc)
            return None
        return f"{AUDIO_DIR}/{message_id}.wav"

    def close(self) -> None:
        pass


def recent_messages(limit: int = 50, data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The last `limit` messages the demo provider kept, newest first."""
    path = _data_dir(data_dir) / FILE_NAME
    if limit <= 0 or not path.exists():
        return []
    out = []
    for line in reversed(_tail_lines(path, limit + 1)):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash mid-write
    return out[:limit]


def _tail_lines(path: Path, count: int, block: int = 65536) -> list[str]:
    """The last `count` non-empty lines, read backwards: the log only grows."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        position = f.tell()
        data = b""
        while position > 0 and data.count(b"\n") <= count:
            step = min(block, position)
            position -= step
            f.seek(position)
            data = f.read(step) + data
    lines = [line for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if position > 0:
        lines = lines[1:]  # the first line may be partial
    return lines[-count:]
