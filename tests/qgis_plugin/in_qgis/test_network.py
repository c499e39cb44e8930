"""The plugin's requests go through QgsNetworkAccessManager: QGIS's proxy setting is used.

The proxy is a small forwarding HTTP proxy here (the utility's own proxy in real life),
speaking the real protocol; it records what passes through it."""

from __future__ import annotations

import http.server
import threading
import urllib.request

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsNetworkAccessManager, QgsSettings  # noqa: E402

PLUGIN = "gisoutage"


class _Proxy(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Proxy.seen.append(self.path)
        request = urllib.request.Request(self.path, headers={
            k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection",)})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, body, media = answer.status, answer.read(), answer.headers.get(
                    "content-type", "")
        except urllib.error.HTTPError as exc:
            status, body, media = exc.code, exc.read(), exc.headers.get("content-type", "")
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def qgis_proxy(qgis_app):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = QgsSettings()
    for key, value in (("proxy/proxyEnabled", True), ("proxy/proxyType", "HttpProxy"),
                       ("proxy/proxyHost", "127.0.0.1"),
                       ("proxy/proxyPort", str(server.server_address[1])),
                       ("proxy/proxyExcludedUrls", "")):
        settings.setValue(key, value)
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()
    _Proxy.seen.clear()
    yield _Proxy.seen
    settings.setValue("proxy/proxyEnabled", False)
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()
    server.shutdown()


def test_api_calls_use_the_qgis_proxy(installed_plugin, server, qgis_proxy) -> None:
    import importlib

    client_module = importlib.import_module(f"{PLUGIN}.core.client")
    network = importlib.import_module(f"{PLUGIN}.integration.network")
    client = client_module.ApiClient(server.url, server.token, transport=network.qgis_transport)
    outages = client.list_outages()
    assert outages and all(o.id for o in outages)
    assert any(path.startswith(f"{server.url}/api/v1/outages") for path in qgis_proxy)
    errors = importlib.import_module(f"{PLUGIN}.core.errors")
    wrong = client_module.ApiClient(server.url, "wrong", transport=network.qgis_transport)
    with pytest.raises(errors.ApiError) as caught:
        wrong.list_outages()
    assert caught.value.kind == errors.UNAUTHORIZED  # the 401 came back through the proxy
