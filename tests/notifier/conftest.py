"""Real servers on loopback for the channel tests: SMPP, SMTP (aiosmtpd) and HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from .smpp_server import ServerConfig, SmppServer


@pytest.fixture
def smpp_server_factory() -> Iterator[Any]:
    servers: list[SmppServer] = []

    def start(**options: Any) -> SmppServer:
        server = SmppServer(ServerConfig(**options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smpp_server(smpp_server_factory: Any) -> SmppServer:
    return smpp_server_factory()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: keeps each message; some recipients are refused on purpose."""

    messages: list[Any] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address → SMTP reply
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, SmtpRecorder]]:
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def smtp_tls_server(tls_files: tuple[Path, Path]) -> Iterator[tuple[Controller, SmtpRecorder]]:
    """STARTTLS required, then AUTH PLAIN/LOGIN as notifier / secret."""
    import ssl

    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = SmtpRecorder()

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        ok = auth_data.login == b"notifier" and auth_data.password == b"secret"
        if ok:
            recorder.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    controller = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), tls_context=context,
        require_starttls=True, auth_required=True, authenticator=authenticator,
    )
    controller.start()
    yield controller, recorder
    controller.stop()


@dataclass
class HttpGateway:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"id": "gw-1"})


@pytest.fixture
def http_gateway() -> Iterator[HttpGateway]:
    gateway = HttpGateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            gateway.requests.append({
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "json": json.loads(self.rfile.read(length)),
            })
            body = json.dumps(gateway.answer).encode()
            self.send_response(gateway.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{httpd.server_address[1]}/sms"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield gateway
    httpd.shutdown()
    httpd.server_close()
