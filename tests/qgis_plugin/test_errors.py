"""Server answers become plain words; the client reports a dead address the same way."""

from __future__ import annotations

import json
import socket

import pytest

from qgis_plugin.core import errors
from qgis_plugin.core.client import ApiClient, server_root
from qgis_plugin.core.errors import ApiError, detail_text


def _body(detail) -> bytes:
    return json.dumps({"detail": detail}).encode()


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, errors.UNAUTHORIZED), (403, errors.FORBIDDEN), (404, errors.NOT_FOUND),
     (409, errors.CONFLICT), (422, errors.INVALID), (500, errors.SERVER),
     (503, errors.SERVER), (418, errors.UNEXPECTED)],
)
def test_status_kinds(status, kind):
    error = ApiError.from_response(status, _body("why"))
    assert (error.kind, error.status) == (kind, status)


def test_fastapi_validation_errors_become_lines():
    body = _body([
        {"loc": ["body", "selection", "break_links"], "msg": "unknown link 'X'",
         "type": "value_error"},
        {"loc": ["body", "starts_at"], "msg": "Input should have timezone info"},
    ])
    assert detail_text(body) == ("selection.break_links: unknown link 'X'\n"
                                 "starts_at: Input should have timezone info")


def test_detail_that_is_not_json():
    assert detail_text(b"<html>Bad Gateway</html>") == "<html>Bad Gateway</html>"
    assert detail_text(_body("outage 3 is resolved; it cannot be edited")) == (
        "outage 3 is resolved; it cannot be edited")


def test_plain_messages():
    conflict = ApiError.from_response(409, _body("outage 3 was changed meanwhile; try again"))
    assert conflict.plain() == ("The change was refused: outage 3 was changed meanwhile; "
                                "try again. Refresh the list and try again.")
    assert "HTTP 502" in ApiError.from_response(502, b"").plain()
    assert ApiError.from_response(403, _body("needs the engineer role")).plain() == (
        "Your account may not do this (needs the engineer role). "
        "An administrator can give you the role.")
    # Every kind has its own words, and a translate function is applied to them.
    kinds = [errors.NETWORK, errors.NOT_CONFIGURED, errors.UNAUTHORIZED, errors.FORBIDDEN,
             errors.NOT_FOUND, errors.CONFLICT, errors.INVALID, errors.SERVER,
             errors.CANCELLED, errors.PLUGIN_BUG, errors.UNEXPECTED]
    texts = {ApiError(kind, "d", 500).plain() for kind in kinds}
    assert len(texts) == len(kinds)
    finnish = ApiError(errors.NOT_FOUND, "x").plain(
        lambda text: text.replace("Not found on the server", "Ei löydy palvelimelta"))
    assert finnish == "Ei löydy palvelimelta: x."


def test_server_root_accepts_either_address():
    assert server_root(" https://h.example/x/api/v1/ ") == "https://h.example/x"
    assert server_root("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"


def test_client_needs_an_address_and_a_token():
    with pytest.raises(ApiError) as caught:
        ApiClient("", "token")
    assert caught.value.kind == errors.NOT_CONFIGURED
    with pytest.raises(ApiError) as caught:
        ApiClient("ftp://host", "token")
    assert caught.value.kind == errors.NETWORK


def test_nothing_listening_is_a_network_error():
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ApiClient(f"http://127.0.0.1:{port}", "token", timeout=5)
    with pytest.raises(ApiError) as caught:
        client.list_outages()
    assert caught.value.kind == errors.NETWORK
    assert caught.value.plain().startswith("Cannot reach the outage server: ")
