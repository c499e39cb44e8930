"""The engineer API client, on urllib so it needs nothing QGIS does not ship.

Calls block: the plugin runs them in QgsTask threads, tests call them directly.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from . import errors
from .errors import ApiError
from .models import Outage, OutageDraft, Selection, TraceResult, iso

API_PREFIX = "/api/v1"
USER_AGENT = "gis-outage-qgis-plugin"


def server_root(url: str) -> str:
    """'https://host/x/api/v1/' → 'https://host/x': people paste either."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    return url


class ApiClient:
    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        root = server_root(url)
        if not root or not token:
            raise ApiError(errors.NOT_CONFIGURED)
        scheme = urllib.parse.urlsplit(root).scheme
        if scheme not in ("http", "https"):
            raise ApiError(errors.NETWORK, f"not an http(s) address: {url!r}")
        self.root = root
        self.token = token
        self.timeout = timeout

    @property
    def oapi_items_url(self) -> str:
        """The public OGC API Features collection of published outages."""
        return f"{self.root}/oapi/collections/outages/items"

    # --- tracing -----------------------------------------------------------------
    def trace(self, service: str, selection: Selection) -> TraceResult:
        body = {"service": service, **selection.to_json()}
        return TraceResult.from_json(self._call("POST", "/trace", body))

    # --- outages -----------------------------------------------------------------
    def list_outages(
        self, statuses: tuple[str, ...] = (), service: str | None = None
    ) -> list[Outage]:
        query: list[tuple[str, str]] = [("status", s) for s in statuses]
        if service:
            query.append(("service", service))
        return [Outage.from_json(o) for o in self._call("GET", "/outages", query=query)]

    def get_outage(self, outage_id: int) -> Outage:
        return Outage.from_json(self._call("GET", f"/outages/{int(outage_id)}"))

    def create_outage(self, draft: OutageDraft) -> Outage:
        return Outage.from_json(self._call("POST", "/outages", draft.to_json()))

    def update_outage(
        self, outage_id: int, expected_version: int | None = None, **changes: Any
    ) -> Outage:
        body = {k: (iso(v) if isinstance(v, datetime) else v) for k, v in changes.items()}
        if expected_version is not None:
            body["expected_version"] = expected_version
        return Outage.from_json(self._call("PATCH", f"/outages/{int(outage_id)}", body))

    def publish(self, outage_id: int, expected_version: int | None = None) -> Outage:
        return self._status(outage_id, "publish", expected_version)

    def resolve(
        self, outage_id: int, expected_version: int | None = None, at: datetime | None = None
    ) -> Outage:
        return self._status(outage_id, "resolve", expected_version, at)

    def cancel(self, outage_id: int, expected_version: int | None = None) -> Outage:
        return self._status(outage_id, "cancel", expected_version)

    def _status(
        self, outage_id: int, action: str, version: int | None, at: datetime | None = None
    ) -> Outage:
        body: dict[str, Any] = {}
        if version is not None:
            body["expected_version"] = version
        if at is not None:
            body["at"] = iso(at)
        return Outage.from_json(
            self._call("POST", f"/outages/{int(outage_id)}/{action}", body or None)
        )

    # --- HTTP --------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
    ) -> Any:
        url = self.root + API_PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise ApiError.from_response(exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            raise ApiError(errors.NETWORK, _reason(exc.reason)) from None
        except (TimeoutError, socket.timeout):
            raise ApiError(errors.NETWORK, f"no answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise ApiError(errors.NETWORK, _reason(exc)) from None
        try:
            return json.loads(payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ApiError(errors.UNEXPECTED, "the answer is not JSON", 200) from None


def _reason(reason: object) -> str:
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)
