"""Token exchange, caching, early refresh, single flight, compare-and-invalidate, replay."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting._auth import TokenManager, make_token
from tests.unit.helpers import BASE, async_client, jwt, problem, sync_client, token_route


def instances_ok() -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": {"instanceIds": ["a"]},
            "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
        },
    )


def test_token_is_fetched_once_and_sent_as_bearer() -> None:
    router = respx.Router(base_url=BASE)
    token = jwt()
    tokens = token_route(router, token)
    route = router.get("/v2/instances").mock(return_value=instances_ok())
    with sync_client(router) as client:
        assert list(client.instances.list()) == ["a"]
        assert list(client.instances.list()) == ["a"]
    assert tokens.call_count == 1
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {token}"
    body = tokens.calls.last.request.content
    assert b'"clientId": "demo"' in body or b'"clientId":"demo"' in body


def test_refresh_before_exp_with_skew() -> None:
    token = make_token(jwt(lifetime=100), time.time())
    assert token.expires_at is not None and token.refresh_at is not None
    assert token.expires_at - token.refresh_at == pytest.approx(10, abs=1)  # a tenth of 100 s
    long = make_token(jwt(lifetime=86_400), time.time())
    assert long.expires_at is not None and long.refresh_at is not None
    assert long.expires_at - long.refresh_at == pytest.approx(60, abs=1)  # capped at a minute
    expired = make_token(jwt(lifetime=-5), time.time())
    assert not expired.fresh(time.time())


def test_opaque_tokens_work_until_a_401() -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, "opaque-1", "opaque-2")
    seen: list[str] = []
    replies = iter([instances_ok(), problem(401, "ANL_00401"), instances_ok()])

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return next(replies)

    router.get("/v2/instances").mock(side_effect=reply)
    with sync_client(router) as client:
        list(client.instances.list())
        assert client.token_expires_at is None
        list(client.instances.list())
    assert tokens.call_count == 2
    assert seen == ["Bearer opaque-1", "Bearer opaque-1", "Bearer opaque-2"]


def test_401_replays_once_then_raises() -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, jwt(nonce=1), jwt(nonce=2), jwt(nonce=3))
    route = router.get("/v2/instances").mock(return_value=problem(401, "ANL_00401", "expired"))
    with sync_client(router) as client, pytest.raises(lr.AuthenticationError, match="expired"):
        list(client.instances.list())
    assert route.call_count == 2
    assert tokens.call_count == 2


def test_compare_and_invalidate_keeps_a_newer_token() -> None:
    manager = TokenManager()
    first = manager.get(lambda: "one")
    manager.invalidate(first)
    second = manager.get(lambda: "two")
    manager.invalidate(first)  # a late 401 for the old token must not drop the new one
    assert manager.current is second
    assert manager.get(lambda: "three").value == "two"


def test_single_flight_in_threads() -> None:
    manager = TokenManager()
    calls = []
    gate = threading.Event()

    def fetch() -> str:
        calls.append(1)
        gate.wait(1)
        return jwt()

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(manager.get(fetch).value)) for _ in range(16)
    ]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(set(results)) == 1 and len(results) == 16


async def test_single_flight_in_tasks() -> None:
    manager = TokenManager()
    calls = []

    async def fetch() -> str:
        calls.append(1)
        await asyncio.sleep(0.02)
        return jwt()

    tokens = await asyncio.gather(*(manager.get_async(fetch) for _ in range(20)))
    assert len(calls) == 1
    assert len({t.value for t in tokens}) == 1


def test_expired_token_refreshed_once_for_many_threads_through_the_client() -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, jwt(lifetime=0.5, nonce=1), jwt(nonce=2))
    router.get("/v2/instances").mock(return_value=instances_ok())
    with sync_client(router) as client:
        list(client.instances.list())
        time.sleep(0.6)
        threads = [threading.Thread(target=lambda: list(client.instances.list())) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert tokens.call_count == 2


async def test_async_client_refreshes_on_401_and_replays() -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, jwt(nonce=1), jwt(nonce=2))
    route = router.get("/v2/instances")
    route.side_effect = [problem(401, "ANL_00401"), instances_ok()]
    async with async_client(router) as client:
        assert [i async for i in client.instances.list()] == ["a"]
    assert tokens.call_count == 2
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (problem(401, "ANL_00401", code="INVALID_CLIENT_CREDENTIALS"), lr.InvalidClientCredentials),
        (problem(403, "ANL_00403", code="CLIENT_DISABLED"), lr.ClientDisabled),
        (problem(403, "ANL_00403", code="NO_ACCESSIBLE_INSTANCES"), lr.NoAccessibleInstances),
        (problem(401, "INVALID_CLIENT_CREDENTIALS"), lr.InvalidClientCredentials),
    ],
)
def test_token_errors_and_no_retry_on_4xx(
    response: httpx.Response, expected: type[lr.APIError]
) -> None:
    router = respx.Router(base_url=BASE)
    tokens = router.post("/oauth/token").mock(return_value=response)
    with sync_client(router) as client, pytest.raises(expected):
        client.authenticate()
    assert tokens.call_count == 1


def test_token_post_retried_on_5xx() -> None:
    router = respx.Router(base_url=BASE)
    tokens = router.post("/oauth/token")
    tokens.side_effect = [problem(500, "ANL_00500"), httpx.Response(200, json={"jwt": jwt()})]
    with sync_client(router) as client:
        assert client.authenticate() is not None
    assert tokens.call_count == 2


def test_replays_again_only_when_the_failed_token_had_expired() -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, jwt(nonce=1), jwt(lifetime=-1, nonce=2), jwt(nonce=3))
    route = router.get("/v2/instances")
    route.side_effect = [
        problem(401, "ANL_00401"),
        problem(401, "ANL_00401", "expired"),
        instances_ok(),
    ]
    with sync_client(router) as client:
        assert list(client.instances.list()) == ["a"]
    assert tokens.call_count == 3
    assert route.call_count == 3
