"""Mutant servers: the sandbox with one contract violation each, to prove the suite catches it.

Each :class:`Mutant` wraps the unmodified sandbox in a small ASGI layer that rewrites either the
request (``request``) or the buffered response (``response``) of one operation. ``serve``
listens on one loopback port per mutant in a single uvicorn server (one thread), and
``contract_tests/test_mutants.py`` runs the staging suite against each port and expects it to
fail naming ``operation`` and ``check``. The table in ``contract_tests/README.md`` lists them.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from later_reporting.sandbox import SandboxConfig, create_app

Headers = dict[str, str]
Exchange = tuple[int, Headers, bytes]
ResponseEdit = Callable[[Scope, int, Headers, bytes], Exchange]
RequestEdit = Callable[[Scope], Scope]


@dataclass(frozen=True)
class Mutant:
    """One injected violation and where the suite must report it."""

    name: str
    violation: str
    operation: str  # "GET /v2/posts/performance"
    check: str  # the schemathesis check (or suite step) that must catch it
    response: ResponseEdit | None = None
    request: RequestEdit | None = None

    @property
    def path(self) -> str:
        return self.operation.split(" ", 1)[1]


def _json(body: bytes) -> Any:
    return json.loads(body) if body else None


def _dump(value: Any) -> bytes:
    return json.dumps(value).encode()


def _query(scope: Scope) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True):
        values.setdefault(key.removesuffix("[]"), []).append(value)
    return values


def forbidden_as_404(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    problem = _json(body)
    if status == 403 and isinstance(problem, dict) and problem.get("type") == "ANL_00403":
        return 404, headers, body
    return status, headers, body


def metric_as_string(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        data = _json(body)
        metrics = data["data"]["metrics"]
        for name, value in metrics.items():
            metrics[name] = None if value is None else str(value)
        return status, headers, _dump(data)
    return status, headers, body


def pagination_field_missing(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        data = _json(body)
        data.get("pagination", {}).pop("totalItems", None)
        return status, headers, _dump(data)
    return status, headers, body


def problem_as_json(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status >= 400:
        return status, {**headers, "content-type": "application/json"}, body
    return status, headers, body


def required_field_renamed(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        data = _json(body)
        for row in data["data"]:
            row["campaignID"] = row.pop("campaignId")
        return status, headers, _dump(data)
    return status, headers, body


def page_size_ignored(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        data = _json(body)
        if "pagination" in data:
            data["pagination"]["pageSize"] = 50
        return status, headers, _dump(data)
    return status, headers, body


def sort_direction_any(scope: Scope) -> Scope:
    """Accept any sortDirection with 200, by dropping values the sandbox would refuse."""
    query = _query(scope)
    if any(v not in ("ASC", "DESC") for v in query.get("sortDirection", [])):
        query.pop("sortDirection")
    encoded = urlencode([(k, v) for k, vs in query.items() for v in vs]).encode()
    return {**scope, "query_string": encoded}


def server_error_on_quarter(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if "quarter" in _query(scope).get("granularity", []):
        problem = {"type": "ANL_00500", "title": "Internal Server Error", "detail": "boom"}
        return 500, {**headers, "content-type": "application/problem+json"}, _dump(problem)
    return status, headers, body


def ratelimit_header_missing(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        return status, {k: v for k, v in headers.items() if k != "x-ratelimit-limit"}, body
    return status, headers, body


def token_without_jwt(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        return status, headers, _dump({"token": _json(body)["jwt"]})
    return status, headers, body


def success_as_text(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 200:
        return status, {**headers, "content-type": "text/plain"}, body
    return status, headers, body


def unauthorized_without_problem(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> Exchange:
    if status == 401:
        return status, {k: v for k, v in headers.items() if k != "content-type"}, b""
    return status, headers, body


def method_not_allowed_as_404(scope: Scope, status: int, headers: Headers, body: bytes) -> Exchange:
    if status == 405:
        return 404, {k: v for k, v in headers.items() if k != "allow"}, body
    return status, headers, body


MUTANTS = [
    Mutant(
        "forbidden-as-404",
        "ANL_00403 sent with status 404",
        "GET /v2/campaigns",
        "positive_data_acceptance",
        response=forbidden_as_404,
    ),
    Mutant(
        "metric-as-string",
        "summary metrics as strings",
        "GET /v2/instances/performance",
        "response_schema_conformance",
        response=metric_as_string,
    ),
    Mutant(
        "pagination-field-missing",
        "pagination.totalItems missing",
        "GET /v2/posts/performance",
        "response_schema_conformance",
        response=pagination_field_missing,
    ),
    Mutant(
        "problem-as-json",
        "problem bodies sent as application/json",
        "GET /v2/creators/performance",
        "content_type_conformance",
        response=problem_as_json,
    ),
    Mutant(
        "required-field-renamed",
        "campaignId renamed campaignID",
        "GET /v2/campaigns",
        "response_schema_conformance",
        response=required_field_renamed,
    ),
    Mutant(
        "page-size-ignored",
        "pageSize ignored (always 50)",
        "GET /v2/instances",
        "paging_honours_the_request",
        response=page_size_ignored,
    ),
    Mutant(
        "invalid-enum-accepted",
        "any sortDirection accepted with 200",
        "GET /v2/posts/performance",
        "invalid_enum_rejection",
        request=sort_direction_any,
    ),
    Mutant(
        "server-error-on-quarter",
        "500 for granularity=quarter",
        "GET /v2/instances/performance-over-time",
        "not_a_server_error",
        response=server_error_on_quarter,
    ),
    Mutant(
        "ratelimit-header-missing",
        "X-Ratelimit-Limit missing on success",
        "GET /v2/platforms/return-on-investment",
        "response_headers_conformance",
        response=ratelimit_header_missing,
    ),
    Mutant(
        "token-without-jwt",
        "token response without jwt",
        "POST /oauth/token",
        "response_schema_conformance",
        response=token_without_jwt,
    ),
    Mutant(
        "success-as-text",
        "Content-Type text/plain on success",
        "GET /v2/platforms/performance",
        "content_type_conformance",
        response=success_as_text,
    ),
    Mutant(
        "unauthorized-without-problem",
        "401 without a problem body",
        "GET /v2/instances",
        "content_type_conformance",
        response=unauthorized_without_problem,
    ),
    Mutant(
        "method-not-allowed-as-404",
        "404 instead of 405 for an unsupported method",
        "GET /v2/campaigns/performance",
        "unsupported_method",
        response=method_not_allowed_as_404,
    ),
]
BY_NAME = {m.name: m for m in MUTANTS}


def wrap(app: ASGIApp, mutant: Mutant | None) -> ASGIApp:
    """``app`` with ``mutant``'s violation on its one operation (``None``: unchanged)."""

    async def mutated(scope: Scope, receive: Receive, send: Send) -> None:
        if mutant is None or scope["type"] != "http" or scope["path"] != mutant.path:
            await app(scope, receive, send)
            return
        # Identity bodies only, so the edits see plain JSON.
        scope = {
            **scope,
            "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"],
        }
        if mutant.request is not None:
            scope = mutant.request(scope)
        if mutant.response is None:
            await app(scope, receive, send)
            return
        started: list[Message] = []
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, buffer)
        start = started[0]
        headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
        status, headers, body = mutant.response(scope, start["status"], headers, b"".join(chunks))
        headers["content-length"] = str(len(body))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return mutated


@contextlib.contextmanager
def serve(mutants: list[Mutant | None], posts: int = 2_000) -> Iterator[list[str]]:
    """One uvicorn server (one thread) with a loopback port per mutant; yields their URLs.

    All share one sandbox; ``None`` stands for the unmodified sandbox.
    """
    import uvicorn

    sandbox = create_app(SandboxConfig(rate_limit=None, posts=posts))
    sockets = []
    for _ in mutants:
        sock = socket.socket(socket.AF_INET)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    apps = {port: wrap(sandbox, mutant) for port, mutant in zip(ports, mutants, strict=True)}

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        await apps[scope["server"][1]](scope, receive, send)

    server = uvicorn.Server(
        uvicorn.Config(dispatch, log_level="critical", lifespan="off", timeout_keep_alive=30)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mutant server did not start")
        time.sleep(0.01)
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for sock in sockets:
            sock.close()
