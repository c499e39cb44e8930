"""How the API client sends a request: a function, so the core stays Qt-free.

`urllib_transport` (standard library) serves tests and scripts; inside QGIS the plugin
passes `integration.network.qgis_transport`, which sends through QgsNetworkAccessManager
and so through QGIS's proxy, SSL and certificate settings. Either returns the answer
whatever its status and raises ApiError(NETWORK) only when no answer came.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from . import errors
from .errors import ApiError


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes


# (method, url, headers, body, timeout in seconds) → the answer.
# Optional, not `X | None`: this alias is evaluated, and QGIS 3.22 may run Python 3.9.
Transport = Callable[[str, str, dict[str, str], Optional[bytes], float], HttpResponse]


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> HttpResponse:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read())
    except urllib.error.URLError as exc:
        raise ApiError(errors.NETWORK, reason(exc.reason)) from None
    except (TimeoutError, socket.timeout):
        raise ApiError(errors.NETWORK, f"no answer within {timeout:g} s") from None
    except OSError as exc:
        raise ApiError(errors.NETWORK, reason(exc)) from None


def reason(cause: object) -> str:
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return str(cause)
