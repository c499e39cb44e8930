"""The API client's requests sent through QgsNetworkAccessManager.

So they follow what the user set up in QGIS: the proxy (Settings → Options → Network),
SSL settings and accepted server certificates, custom headers. Runs on any thread:
QGIS gives each thread its own manager with the main thread's settings, and the wait is
a local event loop, so a QgsTask or a Processing algorithm can call it.
"""

from __future__ import annotations

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QByteArray, QEventLoop, QTimer, QUrl
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..core import errors
from ..core.errors import ApiError
from ..core.http import HttpResponse


def qgis_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> HttpResponse:
    request = QNetworkRequest(QUrl(url))
    for name, value in headers.items():
        request.setRawHeader(name.encode("latin-1"), value.encode("utf-8"))
    request.setAttribute(QNetworkRequest.CacheLoadControlAttribute, QNetworkRequest.AlwaysNetwork)
    manager = QgsNetworkAccessManager.instance()
    # sendCustomRequest: QgsBlockingNetworkRequest has no PATCH before QGIS 3.30.
    reply = manager.sendCustomRequest(request, method.encode("ascii"), QByteArray(body or b""))
    loop = QEventLoop()
    reply.finished.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(reply.abort)
    timer.start(int(timeout * 1000))
    if not reply.isFinished():
        loop.exec_()
    timed_out = not timer.isActive()
    timer.stop()
    status = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute)
    payload = bytes(reply.readAll())
    reason = reply.errorString()
    reply.deleteLater()
    if status is None:  # no HTTP answer: refused, DNS, TLS, proxy, timeout
        raise ApiError(errors.NETWORK, f"no answer within {timeout:g} s" if timed_out else reason)
    return HttpResponse(int(status), payload)
