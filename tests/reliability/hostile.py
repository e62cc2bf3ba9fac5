"""A deliberately broken HTTP server on a loopback port, for testing how clients fail.

It speaks just enough HTTP/1.1 over raw sockets to send responses no framework would send:
truncated JSON, a body shorter than its Content-Length, HTML error pages, a 200 whose body
is an error, a huge body, a body that drips one byte at a time, gzip that is corrupt, cut
short or a bomb, a coding nobody asked for. ``POST /oauth/token``
always succeeds, so a client gets as far as its first report call.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

TOKEN = "hostile-server-token"

Writer = Callable[[socket.socket], None]


def _head(status: str, content_type: str, length: int | None, extra: str = "") -> bytes:
    lines = [
        f"HTTP/1.1 {status}",
        f"Content-Type: {content_type}",
        "X-Ratelimit-Limit: 120",
        "X-Ratelimit-Window: 60",
        "Connection: close",
    ]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def _complete(status: str, content_type: str, body: bytes) -> Writer:
    def write(sock: socket.socket) -> None:
        sock.sendall(_head(status, content_type, len(body)) + body)

    return write


def _short_body(sock: socket.socket) -> None:
    body = b'{"data": {"instanceIds": ["instance_abc"'
    sock.sendall(_head("200 OK", "application/json", len(body) + 500) + body)


def _huge(sock: socket.socket) -> None:
    size = 512 * 1024 * 1024
    sock.sendall(_head("200 OK", "application/json", size) + b'{"data": {"instanceIds": ["')
    chunk = b"a" * 65536
    with contextlib.suppress(OSError):
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)


def _slow_drip(sock: socket.socket) -> None:
    body = json.dumps(
        {
            "data": {"instanceIds": ["instance_abc"]},
            "pagination": {"page": 1, "pageSize": 50, "totalPages": 1, "totalItems": 1},
        }
    ).encode()
    sock.sendall(_head("200 OK", "application/json", len(body)))
    with contextlib.suppress(OSError):
        for byte in body:
            sock.sendall(bytes([byte]))
            time.sleep(0.25)


def _encoded(body: Callable[[], bytes], coding: str = "gzip") -> Writer:
    def write(sock: socket.socket) -> None:
        data = body()
        head = _head("200 OK", "application/json", len(data), f"Content-Encoding: {coding}\r\n")
        with contextlib.suppress(OSError):
            sock.sendall(head + data)

    return write


PAGE = json.dumps(
    {
        "data": {"instanceIds": ["instance_abc"]},
        "pagination": {"page": 1, "pageSize": 50, "totalPages": 1, "totalItems": 1},
    }
).encode()


@functools.cache
def gzip_bomb(decoded_mib: int = 128) -> bytes:
    """``decoded_mib`` MiB of zeros after a JSON prefix, gzipped to about a thousandth."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(b'{"data": "')]
    zeros = bytes(1 << 20)
    parts += [packer.compress(zeros) for _ in range(decoded_mib)]
    return b"".join(parts) + packer.flush()


BEHAVIOURS: dict[str, Writer] = {
    "truncated-json": _complete(
        "200 OK", "application/json", b'{"data": {"instanceIds": ["instance_abc", "inst'
    ),
    "short-body": _short_body,
    "wrong-content-type": _complete("200 OK", "text/plain", b"instance_abc\ninstance_def\n"),
    "html-error": _complete(
        "502 Bad Gateway", "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    ),
    "html-200": _complete("200 OK", "text/html", b"<html><body>Maintenance</body></html>"),
    "error-body-200": _complete(
        "200 OK",
        "application/json",
        json.dumps(
            {"type": "ANL_00500", "title": "Internal Server Error", "detail": "boom"}
        ).encode(),
    ),
    "json-not-object": _complete("200 OK", "application/json", b'["instance_abc"]'),
    "huge": _huge,
    "slow-drip": _slow_drip,
    "gzip": _encoded(lambda: gzip.compress(PAGE)),
    "corrupt-gzip": _encoded(lambda: gzip.compress(PAGE)[:12] + b"not deflate at all" * 4),
    "cut-gzip": _encoded(lambda: gzip.compress(PAGE)[:-12]),
    "gzip-bomb": _encoded(gzip_bomb),
    "brotli": _encoded(lambda: b"\x8b\x02\x80" + PAGE + b"\x03", "br"),
}


@dataclass
class HostileServer:
    """Serves ``behaviour`` on every report path; counts the requests it saw."""

    behaviour: str = "truncated-json"
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def handle(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            rest += sock.recv(65536)
        self.requests.append(request_line)
        if " /oauth/token " in request_line:
            _complete("200 OK", "application/json", json.dumps({"jwt": TOKEN}).encode())(sock)
        else:
            BEHAVIOURS[self.behaviour](sock)

    @property
    def report_requests(self) -> list[str]:
        return [r for r in self.requests if "/oauth/token" not in r]


@contextlib.contextmanager
def serve_hostile(behaviour: str = "truncated-json") -> Iterator[HostileServer]:
    state = HostileServer(behaviour)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                state.handle(self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
