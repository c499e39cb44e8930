"""Logging for every process: CLI, web app (uvicorn too), embedded worker, Celery.

`configure_logging()` puts one handler on the root logger that writes JSON lines
(`GIS_OUTAGE_LOG_FORMAT=json`) or plain text to stderr, at `GIS_OUTAGE_LOG_LEVEL`.
Every other logger (uvicorn's, Celery's) hands its records to the root, so one
format and one redaction rule apply to all of them.

JSON lines carry `timestamp` (UTC, ISO 8601), `level`, `logger`, `message` and the
context passed with `extra=` (`log.info("sent", extra={"event_id": 7})`).

Personal data never reaches the output: log calls name ids and counts only, and the
handler's `RedactFilter` is the last line of defence: anything that looks like a phone
number or an e-mail address in the message, the extra fields or an exception's text
is replaced. Tracebacks are the standard ones: source lines, never local values.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# A phone number: international (+358 40 123 4567, 00358…), national with a leading
# zero (040 123 4567, 09-123 456) or an MSISDN without the plus (358401234567, as SMPP
# writes it), also in a SIP or tel URI. Dates, times, versions, IPs, ports and short ids
# do not match.
_PHONE = re.compile(
    r"(?<![\w./])(?:"
    r"(?:\+|00)\d(?:[ -]?\d){6,14}"
    r"|0\d(?:[ -]?\d){5,11}"
    r"|\d{11,15}"
    r")(?![\w:/]|\.\d)"
)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED_PHONE = "[phone]"
REDACTED_EMAIL = "[email]"
HANDLER_NAME = "gis-outage"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
# uvicorn's `color_message` repeats the message with terminal colour codes.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message", "asctime", "taskName", "color_message"
}
# uvicorn's own access log prints the full path with its query string (an address
# search, a portal link); the app logs each request itself with the route template.
_SILENCED = ("uvicorn.access",)
# pygeoapi logs a warning for every items request without an `offset`; its real errors
# still come through. Alembic announces each of its plugins at INFO when first used.
_ERRORS_ONLY = ("pygeoapi",)
_WARNINGS_ONLY = ("alembic.runtime.plugins",)
# Loggers that come with their own handlers; theirs are removed so records reach the root.
_ROUTED_TO_ROOT = ("uvicorn", "uvicorn.error", "uvicorn.asgi", "celery", "celery.task")


def redact(text: str) -> str:
    """`text` with phone numbers and e-mail addresses replaced."""
    return _PHONE.sub(REDACTED_PHONE, _EMAIL.sub(REDACTED_EMAIL, text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v) for v in value]
    return redact(str(value))


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call passed with `extra=`."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}


class RedactFilter(logging.Filter):
    """Rewrites each record so no phone number or e-mail address is left in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key, value in extra_fields(record).items():
            setattr(record, key, _redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(extra_fields(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-11-23T16:40:00.123Z INFO logger message key=value …` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in extra_fields(record).items())
        text = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        if extras:
            text = f"{text} {extras}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text = f"{text}\n{record.exc_text}"
        return text


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner may swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def make_handler(log_format: LogFormat, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactFilter())
    handler.set_name(HANDLER_NAME)
    return handler


def _from_settings(default_level: str = "INFO") -> tuple[LogFormat, str, str | None]:
    """Format and level from the settings (the level `default_level` where they set none);
    defaults and a warning when they are invalid."""
    from .config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:  # names the settings, never their values
        return "text", "INFO", f"{exc}: logging as text at INFO"
    level = settings.log_level if "log_level" in settings.model_fields_set else default_level
    return settings.log_format, level, None


def configure_logging(
    log_format: LogFormat | None = None,
    level: str | int | None = None,
    stream: Any = None,
    *,
    default_level: str = "INFO",
) -> None:
    """Send every logger's records through one redacting handler on the root logger.

    Unset arguments come from the settings; `default_level` where they set no level.
    Safe to call again: the handler is replaced, not added twice (the web app calls it
    at start-up, after uvicorn set up its own).
    """
    problem = None
    if log_format is None or level is None:
        configured_format, configured_level, problem = _from_settings(default_level)
        log_format, level = log_format or configured_format, level or configured_level
    root = logging.getLogger()
    for handler in list(root.handlers):
        # Ours from an earlier call and basicConfig's; a test runner's capture stays.
        if handler.get_name() == HANDLER_NAME or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.addHandler(make_handler(log_format, stream))
    root.setLevel(level)
    for name in _ROUTED_TO_ROOT:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    for name in _ERRORS_ONLY:
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in _WARNINGS_ONLY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _SILENCED:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = False
        logger.disabled = True
    logging.captureWarnings(True)  # warnings become records too, in the same format
    if problem:
        logging.getLogger(__name__).warning(problem)
