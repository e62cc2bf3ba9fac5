"""A loopback server whose first page is fine and whose later pages make the client wait.

``POST /oauth/token`` succeeds and page 1 of any report has 100 post rows of 20 pages, so a
client starts a page walk; every later page then does ``behaviour``:

- ``retry-after``: 429 with ``Retry-After: 50`` (inside the advertised 60 s window);
- ``rate-limited``: 429 without ``Retry-After``, advertising 1 request a minute;
- ``backoff``: 503 (the client backs off and retries);
- ``stall``: no answer at all, until the server stops (at most two minutes).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.unit.helpers import post_row

BEHAVIOURS = ("retry-after", "rate-limited", "backoff", "stall")
PAGE = json.dumps(
    {
        "data": [post_row(i) for i in range(1, 101)],
        "pagination": {"page": 1, "pageSize": 100, "totalPages": 20, "totalItems": 2000},
    }
).encode()
PROBLEM = {"type": "ANL_00429", "title": "Too Many Requests", "detail": "slow down"}


def _response(status: str, body: bytes, *headers: str, kind: str = "application/json") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {kind}", f"Content-Length: {len(body)}"]
    lines += ["Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class StallingServer:
    behaviour: str
    base_url: str = ""
    later_requests: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def answer(self, request_line: str) -> bytes | None:
        if " /oauth/token " in request_line:
            return _response("200 OK", json.dumps({"jwt": "stalling-server-token"}).encode())
        limits = ("X-Ratelimit-Limit: 120", "X-Ratelimit-Window: 60")
        number = re.search(r"[?&]pageNumber=(\d+)", request_line)
        if number is None or number.group(1) == "1":
            return _response("200 OK", PAGE, *limits)
        self.later_requests += 1
        problem = json.dumps(PROBLEM).encode()
        kind = "application/problem+json"
        if self.behaviour == "retry-after":
            return _response(
                "429 Too Many Requests", problem, *limits, "Retry-After: 50", kind=kind
            )
        if self.behaviour == "rate-limited":
            one = ("X-Ratelimit-Limit: 1", "X-Ratelimit-Window: 60")
            return _response("429 Too Many Requests", problem, *one, kind=kind)
        if self.behaviour == "backoff":
            return _response("503 Service Unavailable", b"{}", *limits)
        self.stop.wait(120)  # stall: hold the connection open, say nothing
        return None

    def handle(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        reply = self.answer(data.split(b"\r\n", 1)[0].decode("latin-1"))
        if reply is not None:
            sock.sendall(reply)


@contextlib.contextmanager
def serve_stalling(behaviour: str) -> Iterator[StallingServer]:
    state = StallingServer(behaviour)

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
        state.stop.set()
        server.shutdown()
        server.server_close()
