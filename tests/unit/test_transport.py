"""Retries with backoff, Retry-After, connection and timeout errors, the rate budget."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting import _retry
from later_reporting._ratelimit import RateBudget
from tests.unit.helpers import BASE, jwt, problem, sync_client, token_route

OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(_retry, "sleep", lambda seconds, reason: recorded.append(seconds))
    return recorded


def router_with(*responses: object) -> tuple[respx.Router, respx.Route]:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    route = router.get("/v2/instances")
    route.side_effect = list(responses)
    return router, route


def test_5xx_retried_then_succeeds(delays: list[float]) -> None:
    router, route = router_with(
        problem(500, "ANL_00500"), problem(503, "ANL_00500"), httpx.Response(200, json=OK)
    )
    with sync_client(router) as client:
        assert list(client.instances.list()) == ["a"]
    assert route.call_count == 3
    assert len(delays) == 2 and delays[0] < delays[1] * 2


def test_retries_exhausted_raise_server_error(delays: list[float]) -> None:
    router, route = router_with(*[problem(500, "ANL_00500", "stuck")] * 5)
    with sync_client(router, max_retries=2) as client, pytest.raises(lr.ServerError, match="stuck"):
        list(client.instances.list())
    assert route.call_count == 3


def test_retry_after_is_honoured(delays: list[float]) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "4"
    router, _ = router_with(limited, httpx.Response(200, json=OK))
    with sync_client(router) as client:
        list(client.instances.list())
    assert delays == [4.0]


def test_429_without_retry_after_waits_one_slot_of_the_server_rate(delays: list[float]) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["X-Ratelimit-Limit"] = "10"
    limited.headers["X-Ratelimit-Window"] = "60"
    router, _ = router_with(limited, httpx.Response(200, json=OK))
    with sync_client(router, rate_limit=120) as client:
        list(client.instances.list())
    assert delays == [6.0]  # 60 s / 10 requests


def test_rate_limited_after_retries_carries_retry_after(delays: list[float]) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "2"
    router, route = router_with(*[limited] * 3)
    with sync_client(router) as client, pytest.raises(lr.RateLimitedError) as info:
        list(client.instances.list())
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
def test_transport_errors_retried_then_typed(
    delays: list[float], error: Exception, expected: type[Exception]
) -> None:
    router, route = router_with(error, error, error)
    with sync_client(router) as client, pytest.raises(expected):
        list(client.instances.list())
    assert route.call_count == 3


def test_connection_error_then_success(delays: list[float]) -> None:
    router, route = router_with(httpx.ConnectError("refused"), httpx.Response(200, json=OK))
    with sync_client(router) as client:
        assert list(client.instances.list()) == ["a"]
    assert route.call_count == 2


def test_4xx_not_retried(delays: list[float]) -> None:
    router, route = router_with(problem(400, "ANL_00400", "bad"))
    with sync_client(router) as client, pytest.raises(lr.BadRequestError):
        list(client.instances.list())
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


def test_timeout_is_finite_and_overridable_per_call() -> None:
    seen: list[object] = []
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json=OK)

    router.get("/v2/instances").mock(side_effect=reply)
    with sync_client(router, timeout=12.0) as client:
        list(client.instances.list())
        list(client.instances.list(timeout=3.0))
    assert seen == [12.0, 3.0]
