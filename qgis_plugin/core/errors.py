"""Server and network failures as one exception, and the plain words shown for them.

The messages are written as `tr("...")` calls with a translate function passed in,
so the core stays Qt-free while the UI passes Qt's translator and the strings are
still found by the plugin's message extractor (i18n/update.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Translate = Callable[[str], str]

# Why the request failed, as the engineer needs to know it.
NETWORK = "network"  # no answer: refused, DNS, TLS, timeout
NOT_CONFIGURED = "not_configured"
UNAUTHORIZED = "unauthorized"  # 401
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not_found"  # 404
CONFLICT = "conflict"  # 409
INVALID = "invalid"  # 422
SERVER = "server"  # 5xx
UNEXPECTED = "unexpected"  # anything else, e.g. not an API at that address
CANCELLED = "cancelled"  # stopped from QGIS's task list
PLUGIN_BUG = "plugin_bug"  # an exception in the plugin itself

_KIND_OF_STATUS = {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT,
                   400: INVALID, 422: INVALID}


def _identity(text: str) -> str:
    return text


class ApiError(Exception):
    """A failed call: `kind` says why, `detail` is the server's own explanation."""

    def __init__(self, kind: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"{kind} ({status}): {detail}" if status else f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status

    @classmethod
    def from_response(cls, status: int, body: bytes) -> ApiError:
        kind = _KIND_OF_STATUS.get(status, SERVER if status >= 500 else UNEXPECTED)
        return cls(kind, detail_text(body), status)

    def plain(self, tr: Translate = _identity) -> str:
        return plain_message(self, tr)


def detail_text(body: bytes) -> str:
    """FastAPI's `detail`: a sentence, or a list of field errors made into lines."""
    try:
        detail: Any = json.loads(body.decode("utf-8")).get("detail", "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(detail, list):
        return "\n".join(_field_error(item) for item in detail)
    return str(detail)


def _field_error(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    # loc is like ["body", "selection", "break_links"]; "body" says nothing to a person.
    loc = [str(part) for part in item.get("loc", []) if part != "body"]
    message = str(item.get("msg", ""))
    return f"{'.'.join(loc)}: {message}" if loc else message


def plain_message(error: ApiError, tr: Translate = _identity) -> str:
    """One or two sentences an engineer can act on."""
    detail = error.detail
    if error.kind == NETWORK:
        text = tr("Cannot reach the outage server: {detail}. Check the server address "
                  "in the settings and your network connection.")
    elif error.kind == NOT_CONFIGURED:
        text = tr("The outage server is not set up yet. Enter its address and your "
                  "API token in the settings.")
    elif error.kind == UNAUTHORIZED:
        text = tr("The server did not accept your API token ({detail}). Enter a valid "
                  "token in the settings.")
    elif error.kind == FORBIDDEN:
        text = tr("Your account may not do this ({detail}). An administrator can give "
                  "you the role.")
    elif error.kind == NOT_FOUND:
        text = tr("Not found on the server: {detail}.")
    elif error.kind == CONFLICT:
        text = tr("The change was refused: {detail}. Refresh the list and try again.")
    elif error.kind == INVALID:
        text = tr("The server found a problem in what was sent:\n{detail}")
    elif error.kind == PLUGIN_BUG:
        text = tr("The plugin failed: {detail}. The details are in the gis-outage log "
                  "messages.")
    elif error.kind == CANCELLED:
        text = tr("The request was cancelled.")
    elif error.kind == SERVER:
        text = tr("The outage server failed (HTTP {status}). Try again; if it keeps "
                  "failing, tell the administrator.")
    else:
        text = tr("Unexpected answer from the server (HTTP {status}): {detail}")
    return text.format(detail=detail, status=error.status or "")
