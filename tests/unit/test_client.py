"""The client against real-server quirks: a /v2 base URL, clock skew, closed clients, timeouts."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting._auth import make_token
from tests.unit.helpers import BASE, async_client, jwt, sync_client, token_route

OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


def router_ok(*tokens: str) -> tuple[respx.Router, respx.Route, respx.Route]:
    router = respx.Router(base_url=BASE, assert_all_called=False)
    token = token_route(router, *tokens)
    route = router.get("/v2/instances").mock(return_value=httpx.Response(200, json=OK))
    return router, token, route


def calls(kind: str, router: respx.Router, count: int, pause: float = 0.0, **options: Any) -> Any:
    """``count`` report calls on one client (``pause`` seconds apart); the client."""
    if kind == "sync":
        with sync_client(router, **options) as client:
            for n in range(count):
                time.sleep(pause if n else 0)
                assert list(client.instances.list()) == ["a"]
            return client

    async def main() -> lr.AsyncClient:
        async with async_client(router, **options) as client:
            for n in range(count):
                await asyncio.sleep(pause if n else 0)
                assert [i async for i in client.instances.list()] == ["a"]
            return client

    return asyncio.run(main())


@KINDS
@pytest.mark.parametrize("suffix", ["/v2", "/v2/"])
def test_a_base_url_ending_in_v2_works(kind: str, suffix: str) -> None:
    router, token, route = router_ok()
    client = calls(kind, router, 1, base_url=BASE + suffix)
    assert client.base_url == BASE
    assert (token.call_count, route.call_count) == (1, 1)


def signed(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.sig"


def test_clocks_that_agree_keep_the_exact_exp() -> None:
    now = time.time()
    # iat rounded down to the second, as many servers (and the sandbox) write it
    token = make_token(signed({"iat": int(now), "exp": now + 2}), now + 0.05)
    assert token.expires_at == now + 2


@KINDS
def test_a_server_clock_behind_ours_does_not_refetch_the_token_every_request(kind: str) -> None:
    server_now = time.time() - 7200  # by our clock the token expired an hour ago
    router, token, route = router_ok(signed({"iat": server_now, "exp": server_now + 3600}))
    client = calls(kind, router, 3)
    assert (token.call_count, route.call_count) == (1, 3)
    assert client.token_expires_at == pytest.approx(time.time() + 3600, abs=60)


@KINDS
def test_a_server_clock_ahead_of_ours_does_not_keep_a_dead_token(kind: str) -> None:
    server_now = time.time() + 7200
    short = signed({"iat": server_now, "exp": server_now + 0.5})  # lives half a second
    router, token, _ = router_ok(short, jwt())
    calls(kind, router, 2, pause=0.6)
    assert token.call_count == 2


@KINDS
def test_a_closed_client_raises_an_sdk_error(kind: str) -> None:
    router, token, route = router_ok()
    if kind == "sync":
        client = sync_client(router)
        client.close()
        with pytest.raises(lr.ClientClosedError, match="this Client has been closed"):
            list(client.instances.list())
        with pytest.raises(lr.ClientClosedError):
            client.authenticate()
    else:

        async def main() -> None:
            client = async_client(router)
            await client.aclose()
            with pytest.raises(lr.ClientClosedError, match="this AsyncClient has been closed"):
                [i async for i in client.instances.list()]
            with pytest.raises(lr.ClientClosedError):
                await client.authenticate()

        asyncio.run(main())
    assert (token.call_count, route.call_count) == (0, 0)


@pytest.mark.parametrize("value", [-1, "5", float("inf"), 0])
async def test_async_per_call_timeouts_are_checked_before_sending(value: object) -> None:
    router, token, _ = router_ok()
    async with async_client(router) as client:
        with pytest.raises(lr.ValidationError, match="timeout: must be a finite number"):
            client.posts.performance(start="2025-01-01", end="2025-01-31", timeout=value)  # type: ignore[arg-type]
        with pytest.raises(lr.ValidationError, match="timeout: must be a finite number"):
            await client.instances.performance(
                start="2025-01-01",
                end="2025-01-31",
                metrics=["reach"],
                timeout=value,  # type: ignore[arg-type]
            )
    assert token.call_count == 0


@KINDS
def test_a_per_call_timeout_is_used(kind: str) -> None:
    seen: list[float] = []
    router, _, route = router_ok()

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json=OK)

    route.mock(side_effect=record)
    if kind == "sync":
        with sync_client(router) as client:
            list(client.instances.list(timeout=2.5))
    else:

        async def main() -> None:
            async with async_client(router) as client:
                [i async for i in client.instances.list(timeout=2.5)]

        asyncio.run(main())
    assert seen == [2.5]
