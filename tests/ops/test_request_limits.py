"""The limits on what a client may send, tried against `gis-outage serve` (uvicorn) over
real sockets: rotating `X-Forwarded-For` does not escape the per-client PIN limit, and
large bodies are refused before they are read, without a token before any of it."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.ops.test_serve import ROOT, _cli, _wait_for_port, free_port, serve

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
MIB = 1024 * 1024
CHUNK = b"x" * 65536


@dataclass
class Server:
    base: str
    port: int
    token: str
    pid: int


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIS_OUTAGE_")}
    env.update({
        "GIS_OUTAGE_DATA_DIR": str(data),
        "GIS_OUTAGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GIS_OUTAGE_PORTAL_PINS_PER_CLIENT_HOUR": "4",
        "GIS_OUTAGE_PORTAL_COOKIE_SECURE": "false",  # httpx keeps Secure cookies off http
        "PYTHONPATH": str(ROOT),
    })
    _cli("create-user", "engineer", "--role", "engineer", env=env)
    token = _cli("create-token", "engineer", env=env).strip()
    process = serve(["--port", str(port)], env, data)
    try:
        _wait_for_port(port, process, data)
        yield Server(f"http://127.0.0.1:{port}", port, token, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def push(server: Server, path: str, *, size: int, token: str | None = None,
         chunked: bool = False) -> tuple[int, bytes, int]:
    """Send a request with a `size`-byte body as fast as the server takes it, stopping
    when its answer arrives or it closes; (status, answer body, body bytes sent)."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
            "Content-Type: application/json"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    if token:
        head.append(f"Authorization: Bearer {token}")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sent = 0
    with sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            while sent < size:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is there
                piece = CHUNK[: size - sent]
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed on us: the answer was sent first
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 4 + (
                    int(m.group(1)) if (m := re.search(rb"content-length: (\d+)", answer, re.I))
                    else 0):
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        except ConnectionResetError:
            pass
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2], sent


def test_rotating_x_forwarded_for_does_not_escape_the_pin_limit(server: Server) -> None:
    codes = []
    for n in range(1, 7):
        with httpx.Client(base_url=server.base, timeout=30,
                          headers={"X-Forwarded-For": f"198.51.100.{n}"}) as browser:
            page = browser.get("/portal/")
            csrf = CSRF.search(page.text).group(1)
            answer = browser.post("/portal/start", data={
                "csrf": csrf, "name": "Maija", "phone": f"04012345{n:02d}", "email": ""})
            codes.append(answer.status_code)
    assert codes == [303] * 4 + [429] * 2


def test_a_large_body_without_a_token_is_not_read(server: Server) -> None:
    before = rss_mib(server.pid)
    # Three at once, 300 MB each: declared ones are refused for their size, a streamed one
    # (no length to judge by) for its missing token, each before its body is read.
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(
            lambda chunked: push(server, "/api/v1/outages", size=300 * MIB, chunked=chunked),
            [False, True, False],
        ))
    assert [status for status, _, _ in results] == [413, 401, 413]
    assert b"an API token is needed" in results[1][1]
    for _, _, sent in results:
        assert sent < 32 * MIB  # what the sockets' buffers took before the answer came
    assert rss_mib(server.pid) - before < 50
    # Within the size limit, without a valid token: refused before the body too.
    status, body, sent = push(server, "/api/v1/outages", size=2 * MIB, token="not-a-token")
    assert status == 401 and b"not valid" in body, body
    status, body, _ = push(server, "/api/v1/outages", size=2 * MIB)
    assert status == 401 and b"an API token is needed" in body, body


def test_bodies_over_the_limit_get_413(server: Server) -> None:
    # With a valid token: the declared length is refused before reading …
    status, body, sent = push(server, "/api/v1/outages", size=300 * MIB, token=server.token)
    assert status == 413 and sent < 32 * MIB
    assert b"larger than the 2048 KiB allowed on /api" in body
    # … a streamed one where it crosses the limit.
    status, body, sent = push(server, "/api/v1/outages", size=300 * MIB, token=server.token,
                              chunked=True)
    assert status == 413 and sent < 32 * MIB, body
    assert b"larger than the 2048 KiB allowed on /api" in body
    # The portal and everything else take much less.
    status, body, _ = push(server, "/portal/start", size=65 * 1024)
    assert status == 413 and b"64 KiB allowed on /portal" in body
    status, body, _ = push(server, "/oapi/collections/outages/items", size=17 * 1024)
    assert status == 413 and b"16 KiB allowed on this path" in body
    # A body within the limit still reaches the route (here: not valid JSON → 422).
    within = httpx.post(f"{server.base}/api/v1/outages", content=b"{" * 1000, timeout=30,
                        headers={"Authorization": f"Bearer {server.token}",
                                 "Content-Type": "application/json"})
    assert within.status_code == 422
