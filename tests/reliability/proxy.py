"""A tiny forwarding HTTP proxy on a loopback port: it notes each request, then relays it.

It handles absolute-form requests (``GET http://127.0.0.1:8000/v2/instances HTTP/1.1``),
which is how a client sends plain-http traffic through a proxy, and ``CONNECT host:port``
tunnels, which is how it sends https traffic; only to loopback targets. One request per
connection (``Connection: close``), bytes relayed unchanged.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit


@dataclass
class Proxy:
    url: str = ""
    seen: list[str] = field(default_factory=list)  # "METHOD absolute-url" of each request

    @property
    def paths(self) -> list[str]:
        return [urlsplit(line.split(" ", 1)[1]).path for line in self.seen]


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _tunnel(client: socket.socket, target: str, early: bytes) -> None:
    """``CONNECT``: bytes both ways until either side closes (at most 30 s idle)."""
    host, _, port = target.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return
    with socket.create_connection((host, int(port)), timeout=30) as upstream:
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if early:
            upstream.sendall(early)
        peer = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for end in peer:
                selector.register(end, selectors.EVENT_READ)
            for _turn in range(100_000):  # bounded: a test's exchange is a few dozen reads
                ready = selector.select(timeout=30)
                if not ready:
                    return
                for key, _ in ready:
                    source = cast("socket.socket", key.fileobj)
                    chunk = source.recv(65536)
                    if not chunk:
                        return
                    peer[source].sendall(chunk)


def _relay(state: Proxy, client: socket.socket) -> None:
    head, body = _read_head(client)
    if not head:
        return
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, version = request_line.split(" ")
    state.seen.append(f"{method} {target}")
    if method == "CONNECT":
        _tunnel(client, target, body)
        return
    url = urlsplit(target)
    if url.hostname not in ("127.0.0.1", "localhost"):
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    headers = [h for h in header_lines if not h.lower().startswith(("proxy-", "connection:"))]
    length = next(
        (int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0
    )
    while len(body) < length:
        body += client.recv(65536)
    path = url.path + (f"?{url.query}" if url.query else "")
    upstream_head = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close"])
    with socket.create_connection((url.hostname, url.port or 80), timeout=30) as upstream:
        upstream.sendall(upstream_head.encode("latin-1") + b"\r\n\r\n" + body)
        answer = b""
        while chunk := upstream.recv(65536):
            answer += chunk
    answer_head, _, answer_body = answer.partition(b"\r\n\r\n")
    kept = [h for h in answer_head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
    client.sendall(b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n" + answer_body)


@contextlib.contextmanager
def serve_proxy() -> Iterator[Proxy]:
    state = Proxy()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                _relay(state, self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
