"""The engineer API client: Qt-free; how requests travel is a `Transport` (core.http).

Calls block: the plugin runs them in QgsTask threads (and Processing runs its algorithm
in one), tests call them directly.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime
from typing import Any

from . import errors
from .errors import ApiError
from .http import Transport, urllib_transport
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
    def __init__(
        self, url: str, token: str, timeout: float = 30.0, transport: Transport | None = None
    ) -> None:
        root = server_root(url)
        if not root or not token:
            raise ApiError(errors.NOT_CONFIGURED)
        scheme = urllib.parse.urlsplit(root).scheme
        if scheme not in ("http", "https"):
            raise ApiError(errors.NETWORK, f"not an http(s) address: {url!r}")
        self.root = root
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport

    @property
    def oapi_items_url(self) -> str:
        """The public OGC API Features collection of published outages."""
        return f"{self.root}/oapi/collections/outages/items"

    def crew_sheet_url(self, outage_id: int) -> str:
        """The outage's printable crew sheet in the console (the API's `crew_sheet_url`);
        the browser asks for the engineer's token as the console does."""
        return f"{self.root}/console/outages/{int(outage_id)}/crew-sheet"

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

    # --- the field: each answers {"confirmed", "difference"[, "outage"]} ----------------
    # `expected_version` (with confirm): the difference's outage_version; the server
    # answers 409 and stores nothing if the outage changed since the preview.
    def stuck(self, outage_id: int, devices: list[str], confirm: bool = False,
              expected_version: int | None = None) -> dict:
        """These devices will not operate: the re-planned difference (stored on confirm)."""
        body = _versioned({"devices": list(devices), "confirm": confirm}, expected_version)
        return self._call("POST", f"/outages/{int(outage_id)}/stuck", body)

    def restore(self, outage_id: int, links: list[str] = (), devices: list[str] = (),
                everything: bool = False, confirm: bool = False,
                expected_version: int | None = None) -> dict:
        body = _versioned({"links": list(links), "devices": list(devices),
                           "everything": everything, "confirm": confirm}, expected_version)
        return self._call("POST", f"/outages/{int(outage_id)}/restore", body)

    def backfeed_suggestions(self, outage_id: int, radial: bool | None = None) -> list[dict]:
        query = [] if radial is None else [("radial", "true" if radial else "false")]
        return self._call("GET", f"/outages/{int(outage_id)}/backfeed", query=query)

    def backfeed(self, outage_id: int, device: str, radial: bool | None = None,
                 confirm: bool = False, expected_version: int | None = None) -> dict:
        body = _versioned({"device": device, "radial": radial, "confirm": confirm},
                          expected_version)
        return self._call("POST", f"/outages/{int(outage_id)}/backfeed", body)

    def set_device(self, service: str, device_id: str, passes: bool | None = None,
                   finding: str | None = None, note: str | None = None) -> dict:
        """A device set by hand or found inoperable / not_found; None clears."""
        body = {"passes": passes, "finding": finding, "note": note}
        path = f"/networks/{service}/devices/{urllib.parse.quote(device_id, safe='')}"
        return self._call("PUT", path, body)

    def device_states(self, service: str) -> dict:
        """The field state of the service's current network: `devices`, each with
        device_id, passes, finding, note, changed_by, changed_at and `outages`."""
        return self._call("GET", f"/networks/{urllib.parse.quote(service, safe='')}/devices")

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
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
        answer = self.transport(method, url, headers, data, self.timeout)
        if answer.status >= 400:
            raise ApiError.from_response(answer.status, answer.body)
        payload = answer.body
        try:
            return json.loads(payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ApiError(errors.UNEXPECTED, "the answer is not JSON", 200) from None


def _versioned(body: dict, expected_version: int | None) -> dict:
    if expected_version is not None:
        body["expected_version"] = int(expected_version)
    return body
