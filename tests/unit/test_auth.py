"""Token exchange, caching, early refresh, single flight, compare-and-invalidate, replay."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting._auth import BearerAuth, Token, TokenManager, make_token, should_replay
from tests.unit.helpers import (
    BASE,
    BOTH,
    async_client,
    drain,
    jwt,
    problem,
    sync_client,
    token_route,
)

ISSUED = 1_800_000_000.0


def token_with(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return ".".join([part({"alg": "HS256"}), part(claims), "sig"])


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


@BOTH
def test_opaque_tokens_work_until_a_401(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    tokens = token_route(router, "opaque-1", "opaque-2")
    seen: list[str] = []
    replies = iter([instances_ok(), problem(401, "ANL_00401"), instances_ok()])

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return next(replies)

    router.get("/v2/instances").mock(side_effect=reply)

    def twice(client: Any) -> Any:
        if kind == "sync":
            list(client.instances.list())
            expiry = client.token_expires_at
            list(client.instances.list())
            return expiry

        async def run() -> Any:
            _ = [i async for i in client.instances.list()]
            expiry = client.token_expires_at
            _ = [i async for i in client.instances.list()]
            return expiry

        return run()

    assert drain(kind, router, twice, how="result") is None
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


@pytest.mark.parametrize("filler", range(8))
def test_a_jwt_payload_of_any_length_is_decoded(filler: int) -> None:
    # base64url drops the padding, so every payload length (mod 4) must decode.
    value = token_with({"sub": "x" * filler, "iat": ISSUED, "exp": ISSUED + 600})
    token = make_token(value, ISSUED)
    assert token.expires_at == ISSUED + 600
    assert token.refresh_at == ISSUED + 540


@pytest.mark.parametrize("offset", [3600.0, -3600.0])
def test_when_the_clocks_disagree_the_lifetime_counts_from_receipt(offset: float) -> None:
    # The local clock an hour ahead of (or behind) the server's: exp would say the token
    # is long dead (or alive for an hour too long); exp - iat is what the server granted.
    received = ISSUED + offset
    token = make_token(token_with({"iat": ISSUED, "exp": ISSUED + 600}), received)
    assert token.expires_at == received + 600
    assert token.refresh_at == received + 540
    assert token.fresh(received + 539)
    assert not token.fresh(received + 540)


def test_a_jwt_without_a_numeric_iat_expires_at_its_exp() -> None:
    for claims in ({"exp": ISSUED + 600}, {"iat": "yesterday", "exp": ISSUED + 600}):
        token = make_token(token_with(claims), ISSUED)
        assert token.expires_at == ISSUED + 600
        assert token.refresh_at == ISSUED + 540  # the lifetime is counted from receipt


@pytest.mark.parametrize(("lifetime", "early"), [(-5.0, 0.0), (0.0, 0.0), (0.5, 0.05)])
def test_a_token_at_or_past_its_end_is_not_refreshed_before_it(
    lifetime: float, early: float
) -> None:
    token = make_token(token_with({"iat": ISSUED, "exp": ISSUED + lifetime}), ISSUED)
    assert token.expires_at == ISSUED + lifetime
    assert token.refresh_at == pytest.approx(ISSUED + lifetime - early, abs=1e-9)


def test_a_token_is_stale_from_its_refresh_time_on() -> None:
    token = Token("v", refresh_at=ISSUED, expires_at=ISSUED + 10)
    assert token.fresh(ISSUED - 0.001)
    assert not token.fresh(ISSUED)
    assert Token("opaque", None, None).fresh(ISSUED)


def test_a_second_401_replays_when_the_token_expires_exactly_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(time, "time", lambda: ISSUED)
    unauthorized = httpx.Response(401)
    assert should_replay(unauthorized, Token("v", ISSUED - 1, ISSUED), 1)
    assert not should_replay(unauthorized, Token("v", ISSUED - 1, ISSUED + 0.001), 1)
    assert not should_replay(unauthorized, Token("v", None, None), 1)
    assert should_replay(unauthorized, Token("v", None, None), 0)
    assert not should_replay(httpx.Response(403), Token("v", None, None), 0)


def test_the_bearer_auth_names_the_client_it_belongs_to() -> None:
    router = respx.Router(base_url=BASE)
    router.get("/v2/instances").mock(return_value=instances_ok())
    async_only = BearerAuth(TokenManager(), fetch_async=None)
    with (
        httpx.Client(transport=httpx.MockTransport(router.handler), auth=async_only) as client,
        pytest.raises(
            RuntimeError, match=r"^this auth is for an AsyncClient; use it with httpx\.AsyncClient$"
        ),
    ):
        client.get(f"{BASE}/v2/instances")

    async def run() -> None:
        sync_only = BearerAuth(TokenManager(), fetch=lambda: "t")
        transport = httpx.MockTransport(router.handler)
        async with httpx.AsyncClient(transport=transport, auth=sync_only) as client:
            with pytest.raises(
                RuntimeError, match=r"^this auth is for a Client; use it with httpx\.Client$"
            ):
                await client.get(f"{BASE}/v2/instances")

    asyncio.run(run())


@BOTH
def test_a_token_fetch_is_logged_with_its_expiry_not_its_value(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    router = respx.Router(base_url=BASE)
    issued = float(int(time.time()))
    value = token_with({"iat": issued, "exp": issued + 600})
    token_route(router, value)
    router.get("/v2/instances").mock(return_value=instances_ok())
    with caplog.at_level(logging.DEBUG, logger="later_reporting"):
        drain(kind, router, lambda c: c.instances.list())
    fetched = [r.getMessage() for r in caplog.records if "fetched" in r.getMessage()]
    assert fetched == [f"fetched a new token (expires at {issued + 600})"]
    assert value not in caplog.text
