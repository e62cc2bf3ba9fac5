"""Retries with backoff, Retry-After, connection and timeout errors, the rate budget.

Every test of a request runs against both clients (``BOTH``): the sync and the async
transport make the same decisions.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting import _retry, _transport
from later_reporting._ratelimit import RateBudget
from later_reporting._transport import (
    TOTAL_TIMEOUT,
    AsyncRetryTransport,
    RetryPolicy,
    RetryTransport,
)
from tests.unit.helpers import BASE, BOTH, drain, jwt, problem, token_route

OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


class Delays(list[float]):
    """The seconds of every retry wait; ``reasons`` says why each was made."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: list[str] = []

    def record(self, seconds: float, reason: str) -> None:
        self.append(seconds)
        self.reasons.append(reason)


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> Delays:
    """Every retry wait, sync or async (the wait itself is skipped)."""
    recorded = Delays()

    async def async_sleep(seconds: float, reason: str) -> None:
        recorded.record(seconds, reason)

    monkeypatch.setattr(_retry, "sleep", recorded.record)
    monkeypatch.setattr(_retry, "async_sleep", async_sleep)
    return recorded


def instances(kind: str, router: respx.Router, **options: Any) -> list[Any]:
    """Every instance id, listed by a ``kind`` client."""
    rows: list[Any] = drain(kind, router, lambda client: client.instances.list(), **options)
    return rows


def router_with(*responses: object) -> tuple[respx.Router, respx.Route]:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    route = router.get("/v2/instances")
    route.side_effect = list(responses)
    return router, route


@BOTH
def test_5xx_retried_then_succeeds(kind: str, delays: Delays) -> None:
    router, route = router_with(
        problem(500, "ANL_00500"), problem(503, "ANL_00500"), httpx.Response(200, json=OK)
    )
    assert instances(kind, router) == ["a"]
    assert route.call_count == 3
    assert len(delays) == 2 and delays[0] < delays[1] * 2
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0
    assert delays.reasons == ["backoff", "backoff"]


@BOTH
def test_retries_exhausted_raise_server_error(kind: str, delays: Delays) -> None:
    router, route = router_with(*[problem(500, "ANL_00500", "stuck")] * 5)
    with pytest.raises(lr.ServerError, match="stuck"):
        instances(kind, router, max_retries=2)
    assert route.call_count == 3


@BOTH
def test_retry_after_is_honoured(kind: str, delays: Delays) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "4"
    router, _ = router_with(limited, httpx.Response(200, json=OK))
    assert instances(kind, router) == ["a"]
    assert delays == [4.0]
    assert delays.reasons == ["Retry-After"]


@BOTH
def test_429_without_retry_after_waits_one_slot_of_the_server_rate(
    kind: str, delays: Delays
) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["X-Ratelimit-Limit"] = "10"
    limited.headers["X-Ratelimit-Window"] = "60"
    router, _ = router_with(limited, httpx.Response(200, json=OK))
    instances(kind, router, rate_limit=120)
    assert delays == [6.0]  # 60 s / 10 requests


@BOTH
def test_rate_limited_after_retries_carries_retry_after(kind: str, delays: Delays) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "2"
    router, route = router_with(*[limited] * 3)
    with pytest.raises(lr.RateLimitedError) as info:
        instances(kind, router)
    assert info.value.retry_after == 2.0
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("refused"), lr.APIConnectionError),
        (httpx.RemoteProtocolError("peer closed"), lr.APIConnectionError),
        (httpx.ReadTimeout("slow"), lr.APITimeoutError),
    ],
)
@BOTH
def test_transport_errors_retried_then_typed(
    kind: str, delays: Delays, error: Exception, expected: type[Exception]
) -> None:
    router, route = router_with(error, error, error)
    with pytest.raises(expected):
        instances(kind, router)
    assert route.call_count == 3
    # Backoff: 0.5 s then 1 s, each jittered down to half (README "Retries").
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0
    assert delays.reasons == ["backoff", "backoff"]


@BOTH
def test_connection_error_then_success(kind: str, delays: Delays) -> None:
    router, route = router_with(httpx.ConnectError("refused"), httpx.Response(200, json=OK))
    assert instances(kind, router) == ["a"]
    assert route.call_count == 2


@BOTH
def test_4xx_not_retried(kind: str, delays: Delays) -> None:
    router, route = router_with(problem(400, "ANL_00400", "bad"))
    with pytest.raises(lr.BadRequestError):
        instances(kind, router)
    assert route.call_count == 1
    assert delays == []


def test_rate_budget_shared_by_threads_limits_requests_per_window() -> None:
    budget = RateBudget(limit=5, window=0.5)
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(3):
            budget.acquire()
            with lock:
                stamps.append(time.monotonic())

    _retry.set_backoff(True)
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        _retry.set_backoff(False)
    stamps.sort()
    assert len(stamps) == 12
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 0.45  # never more than 5 in any 0.5 s window


def test_rate_budget_follows_server_headers() -> None:
    budget = RateBudget(limit=120, window=60)
    budget.observe("15", "10")
    assert (budget.limit, budget.window) == (15, 10.0)
    budget.observe("30", "10")  # 180 a minute: held under the configured 120
    assert (budget.limit, budget.window) == (20, 10.0)
    off = RateBudget(limit=None)
    off.observe("30", "10")
    assert off.limit is None


@BOTH
def test_timeout_is_finite_and_overridable_per_call(kind: str) -> None:
    seen: list[object] = []
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json=OK)

    router.get("/v2/instances").mock(side_effect=reply)
    assert drain(kind, router, lambda client: client.instances.list(), timeout=12.0) == ["a"]
    assert drain(kind, router, lambda client: client.instances.list(timeout=3.0)) == ["a"]
    assert seen == [12.0, 3.0]


@BOTH
@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("Retry-After-in-30s", 28.0, 30.0),  # an HTTP-date 30 s ahead: about 30 s
        ("Thu, 01 Jan 2015 00:00:00 GMT", 0.0, 0.0),  # a date in the past: at once
        ("soon", 0.25, 0.5),  # garbage: no advice, the first backoff step (0.5 s, jittered)
        ("-3", 0.25, 0.5),  # a negative number: no advice either
    ],
)
def test_retry_after_as_an_http_date_or_garbage(
    kind: str, delays: Delays, retry_after: str, low: float, high: float
) -> None:
    # RFC 9110 10.2.3: Retry-After is delay-seconds or an HTTP-date.
    if retry_after == "Retry-After-in-30s":
        retry_after = email.utils.formatdate(time.time() + 30, usegmt=True)
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = retry_after
    router, route = router_with(limited, httpx.Response(200, json=OK))
    assert instances(kind, router) == ["a"]
    assert route.call_count == 2
    assert len(delays) == 1 and low <= delays[0] <= high


@BOTH
@pytest.mark.parametrize(
    ("limit", "window", "delay"),
    [
        ("3", "60", 20.0),  # adopted: one slot of 3 a minute
        ("0", "60", 10.0),  # ignored: one slot of the configured 6 a minute
        ("-3", "60", 10.0),
        ("3", "0", 20.0),  # the window ignored: 3 over the configured minute
        ("3", "-60", 20.0),
    ],
)
def test_rate_limit_headers_of_zero_or_below_are_ignored(
    kind: str, delays: Delays, limit: str, window: str, delay: float
) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers.update({"X-Ratelimit-Limit": limit, "X-Ratelimit-Window": window})
    router, route = router_with(limited, httpx.Response(200, json=OK))
    assert instances(kind, router, rate_limit=6) == ["a"]
    assert route.call_count == 2
    assert delays == [delay]


@BOTH
def test_a_5xx_with_rate_limit_headers_backs_off_without_waiting_a_rate_slot(
    kind: str, delays: Delays
) -> None:
    # Only a 429 waits a slot of the advertised rate; a 503 backs off from 0.5 s.
    failed = problem(503, "ANL_00500")
    failed.headers.update({"X-Ratelimit-Limit": "10", "X-Ratelimit-Window": "60"})
    router, _ = router_with(failed, httpx.Response(200, json=OK))
    assert instances(kind, router, rate_limit=120) == ["a"]
    assert len(delays) == 1 and 0.25 <= delays[0] <= 0.5


@BOTH
@pytest.mark.parametrize(("rate_limit", "retried"), [(120, True), (None, False)])
def test_a_retry_after_past_the_timeout_but_within_the_rate_window_is_waited(
    kind: str,
    delays: Delays,
    caplog: pytest.LogCaptureFixture,
    rate_limit: int | None,
    retried: bool,
) -> None:
    # The window rolling over (30 s of a 60 s window) is a wait the rate budget makes
    # anyway, so it is waited even past a 5 s timeout; without a budget it fails fast.
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "30"
    router, route = router_with(limited, httpx.Response(200, json=OK))
    if retried:
        assert instances(kind, router, rate_limit=rate_limit, timeout=5) == ["a"]
        assert route.call_count == 2
        return
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    with pytest.raises(lr.RateLimitedError) as info:
        instances(kind, router, rate_limit=rate_limit, timeout=5)
    assert info.value.retry_after == 30.0
    assert route.call_count == 1
    assert delays == []
    assert "Retry-After 30 s is longer than the request may wait" in caplog.messages


# --- The transport itself: the body-size cap and the total deadline, on both transports ---


class Ticking(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A streamed body: each chunk (and then the end) ``step`` seconds after the previous one."""

    def __init__(self, clock: list[float], chunks: list[bytes], step: float) -> None:
        self.clock, self.chunks, self.step = clock, chunks, step
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk
            self.clock[0] += self.step

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def send(
    kind: str,
    reply: Callable[[httpx.Request], httpx.Response],
    *,
    limit: int = 64 * 1024 * 1024,
    total: float | None = None,
) -> httpx.Response:
    """One GET through a ``kind`` retrying transport (no budget, no retries) around ``reply``."""
    policy = RetryPolicy(max_retries=0, max_response_bytes=limit)
    extensions = {} if total is None else {TOTAL_TIMEOUT: total}
    request = httpx.Request("GET", f"{BASE}/v2/instances", extensions=extensions)
    inner = httpx.MockTransport(reply)
    if kind == "sync":
        return RetryTransport(inner, policy, RateBudget(None)).handle_request(request)

    async def main() -> httpx.Response:
        transport = AsyncRetryTransport(inner, policy, RateBudget(None))
        return await transport.handle_async_request(request)

    return asyncio.run(main())


@BOTH
@pytest.mark.parametrize("streamed", [True, False])
def test_a_body_of_exactly_the_cap_is_read_one_byte_more_is_refused(
    kind: str, streamed: bool
) -> None:
    def reply(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
        if streamed:
            return lambda _: httpx.Response(200, stream=Ticking([0.0], [body[:4], body[4:]], 0))

        def in_memory(_: httpx.Request) -> httpx.Response:
            response = httpx.Response(200, content=body)
            del response.headers["Content-Length"]  # measured, not declared
            return response

        return in_memory

    assert send(kind, reply(b"x" * 10), limit=10).content == b"x" * 10
    with pytest.raises(lr.UnexpectedResponseError, match="larger than 10 bytes") as info:
        send(kind, reply(b"x" * 11), limit=10)
    assert info.value.response is not None  # the refused response, for the caller to see
    assert info.value.response.status_code == 200


@BOTH
def test_a_declared_length_past_the_cap_is_refused_before_the_body_is_read(kind: str) -> None:
    body = Ticking([0.0], [b"x" * 5], 1.0)

    def reply(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "11"}, stream=body)

    with pytest.raises(lr.UnexpectedResponseError, match="larger than 10 bytes") as info:
        send(kind, reply, limit=10)
    assert body.read == 0
    assert info.value.response is not None
    assert info.value.response.headers["content-length"] == "11"


@BOTH
def test_an_unreadable_declared_length_is_read_and_measured(kind: str) -> None:
    def reply(_: httpx.Request) -> httpx.Response:
        body = Ticking([0.0], [b"x" * 10], 0)
        return httpx.Response(200, headers={"Content-Length": "ten"}, stream=body)

    assert send(kind, reply, limit=10).content == b"x" * 10


@BOTH
def test_a_compressed_body_is_capped_by_its_decoded_size(kind: str) -> None:
    def reply(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
        packed = gzip.compress(body)
        headers = {"Content-Encoding": "gzip"}
        return lambda _: httpx.Response(200, headers=headers, stream=Ticking([0.0], [packed], 0))

    assert send(kind, reply(b"y" * 100), limit=100).content == b"y" * 100
    with pytest.raises(lr.UnexpectedResponseError, match="larger than 100 bytes") as info:
        send(kind, reply(b"y" * 101), limit=100)
    assert info.value.response is not None
    assert info.value.response.headers["content-encoding"] == "gzip"


LATE = r"^the response did not complete within the request's timeout$"


@BOTH
@pytest.mark.parametrize(
    ("total", "in_time"),
    [
        (3.5, True),  # three chunks a second apart, the end a second later: 3 s
        (3.0, True),  # the end exactly at the deadline is in time
        (2.5, False),  # every chunk in time, but the body ends after the deadline
        (1.5, False),  # the third chunk comes after the deadline
    ],
)
def test_a_body_must_arrive_within_the_total_timeout(
    kind: str, monkeypatch: pytest.MonkeyPatch, total: float, in_time: bool
) -> None:
    clock = [100.0]
    monkeypatch.setattr(_transport, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    def reply(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Ticking(clock, [b"ab"] * 3, 1.0))

    if in_time:
        assert send(kind, reply, total=total).content == b"ab" * 3
        return
    with pytest.raises(httpx.ReadTimeout, match=LATE):
        send(kind, reply, total=total)


@BOTH
def test_a_body_dripping_past_the_total_timeout_is_not_read_to_its_end(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(_transport, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    body = Ticking(clock, [b"ab"] * 1000, 1.0)
    with pytest.raises(httpx.ReadTimeout, match=LATE):
        send(kind, lambda _: httpx.Response(200, stream=body), total=2.5)
    assert body.read == 4  # the chunk that came after the deadline is the last one read


@BOTH
def test_each_attempt_is_logged_with_its_number_and_duration(
    kind: str, delays: Delays, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [100.0]
    answers: list[Exception | httpx.Response] = [
        httpx.ConnectError("refused"),
        httpx.Response(200, json=OK),
    ]

    def reply(request: httpx.Request) -> httpx.Response:
        clock[0] += 1.5  # every answer takes a second and a half
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(_transport, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    router.get("/v2/instances").mock(side_effect=reply)
    assert instances(kind, router) == ["a"]
    url = f"{BASE}/v2/instances?pageSize=100&pageNumber=1"
    assert [r.getMessage() for r in caplog.records if "/v2/" in r.getMessage()] == [
        f"GET {url} -> ConnectError (attempt 1, 1500 ms)",
        f"GET {url} -> 200 (attempt 2, 1500 ms)",
    ]


@BOTH
def test_a_dropped_token_request_is_retried(kind: str, delays: Delays) -> None:
    router = respx.Router(base_url=BASE)
    token = router.post("/oauth/token")
    token.side_effect = [
        httpx.RemoteProtocolError("peer closed"),
        httpx.Response(200, json={"jwt": jwt()}),
    ]
    router.get("/v2/instances").mock(return_value=httpx.Response(200, json=OK))
    assert instances(kind, router) == ["a"]
    assert token.call_count == 2
    assert delays.reasons == ["backoff"]
