"""``client.with_options(...)``: a client for a block of calls sharing pool, token and budget."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting import _retry, _waits

from .helpers import BASE, BOTH, async_client, problem, sync_client, token_route

OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


def server(fail: int = 0) -> tuple[respx.Router, respx.Route, list[httpx.Request]]:
    """``/v2/instances`` answering 503 to the first ``fail`` requests, then one id."""
    router = respx.Router(base_url=BASE)
    tokens = token_route(router)
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= fail:
            return problem(503, "ANL_00503")
        return httpx.Response(200, json=OK)

    router.get("/v2/instances").mock(side_effect=reply)
    return router, tokens, seen


def both(kind: str, router: respx.Router, script: Any, **options: Any) -> Any:
    """``script(client, read)`` where ``read(c)`` lists instance ids through ``c``."""
    if kind == "sync":
        with sync_client(router, **options) as client:
            return script(client, lambda c: list(c.instances.list()))

    async def main() -> Any:
        async with async_client(router, **options) as client:
            results: dict[int, Any] = {}

            def read(c: Any) -> Any:
                async def go() -> list[str]:
                    return [i async for i in c.instances.list()]

                return go()

            outcome = script(client, read)
            for key, value in list(outcome.items()):
                if asyncio.iscoroutine(value):
                    try:
                        results[key] = await value
                    except Exception as error:
                        results[key] = error
                else:
                    results[key] = value
            return results

    return asyncio.run(main())


@BOTH
def test_it_shares_token_and_pool_and_is_the_same_class(kind: str) -> None:
    router, tokens, seen = server()

    def script(client: Any, read: Any) -> dict[int, Any]:
        derived = client.with_options(timeout=5, max_retries=0, rate_limit=30, concurrency=2)
        assert type(derived) is type(client)
        assert derived._http is client._http  # one connection pool
        assert derived.concurrency == 2 and client.concurrency != 2
        return {0: read(client), 1: read(derived), 2: read(client)}

    results = both(kind, router, script)
    assert [results[k] for k in range(3)] == [["a"], ["a"], ["a"]]
    assert tokens.call_count == 1  # the token fetched for the client served the derived one
    assert len(seen) == 3


@BOTH
@pytest.mark.parametrize(("derive", "attempts"), [(True, 1), (False, 3)])
def test_its_max_retries_apply_to_its_calls(kind: str, derive: bool, attempts: int) -> None:
    router, _, seen = server(fail=5)

    def script(client: Any, read: Any) -> dict[int, Any]:
        target = client.with_options(max_retries=0) if derive else client
        if kind == "sync":
            with pytest.raises(lr.ServerError):
                read(target)
            return {}
        return {0: read(target)}

    results = both(kind, router, script, max_retries=2)
    if kind == "async":
        assert isinstance(results[0], lr.ServerError)
    assert len(seen) == attempts  # the 503 tried once through max_retries=0, else 1 + 2


@BOTH
def test_its_timeout_applies_and_the_clients_stays(kind: str) -> None:
    router, _, seen = server()

    def script(client: Any, read: Any) -> dict[int, Any]:
        derived = client.with_options(timeout=httpx.Timeout(7.0, read=3.0))
        return {0: read(derived), 1: read(client)}

    both(kind, router, script, timeout=30)
    derived_request, client_request = seen
    assert derived_request.extensions["timeout"]["read"] == 3.0
    assert derived_request.extensions["timeout"]["connect"] == 7.0
    assert client_request.extensions["timeout"]["read"] == 30.0


NOW = [100.0]  # the fake clock of the budgets in the rate test


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[float, str]]]:
    """Waits on, each moving a fake clock instead of sleeping; the waits announced."""
    now = NOW

    def pause(seconds: float) -> None:
        now[0] += max(seconds, 0.0)

    async def async_pause(seconds: float) -> None:
        pause(seconds)

    monkeypatch.setattr(_retry, "pause", pause)
    monkeypatch.setattr(_retry, "async_pause", async_pause)
    heard: list[tuple[float, str]] = []
    _retry.set_backoff(True)
    try:
        with _waits.listening(lambda s, reason: heard.append((round(s, 2), reason))):
            yield heard
    finally:
        _retry.set_backoff(False)


@BOTH
def test_its_rate_limit_is_a_ceiling_for_its_calls(
    kind: str, waits: list[tuple[float, str]]
) -> None:
    router, _, seen = server()

    def script(client: Any, read: Any) -> dict[int, Any]:
        slow = client.with_options(rate_limit=2)
        slow._ceiling._clock = client._budget._clock = lambda: NOW[0]
        return {n: read(slow) for n in range(3)}

    both(kind, router, script, rate_limit=120)
    assert len(seen) == 3
    # Two calls fill the 2-a-minute ceiling (the shared budget of 120 has room): the third
    # waits a minute.
    assert waits == [(60.0, "rate limit")]


@BOTH
def test_bad_options_are_refused_before_any_request(kind: str) -> None:
    router, tokens, seen = server()

    def script(client: Any, read: Any) -> dict[int, Any]:
        for bad in ({"timeout": -1}, {"max_retries": -1}, {"rate_limit": 0}, {"concurrency": 0}):
            with pytest.raises(lr.ConfigurationError):
                client.with_options(**bad)
        return {}

    both(kind, router, script)
    assert tokens.call_count == 0 and seen == []


@BOTH
def test_closing_it_leaves_the_client_open(kind: str) -> None:
    router, _, _ = server()
    if kind == "sync":
        with sync_client(router) as client:
            with client.with_options(timeout=5) as block:
                assert list(block.instances.list()) == ["a"]
            assert list(client.instances.list()) == ["a"]
        return

    async def main() -> None:
        async with async_client(router) as client:
            async with client.with_options(timeout=5) as block:
                assert [i async for i in block.instances.list()] == ["a"]
            assert [i async for i in client.instances.list()] == ["a"]

    asyncio.run(main())
