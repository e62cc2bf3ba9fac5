"""Settings mean what they say: an ``httpx.Timeout`` phase by phase, and every long wait
logged at INFO with its reason and length, through a client, sync and async."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting import _retry
from later_reporting.sandbox import Faults, SandboxConfig, serve_in_thread

from .helpers import BASE, BOTH, async_client, jwt, problem, sync_client

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


@pytest.fixture(scope="module")
def slow_url() -> Iterator[str]:
    """A sandbox whose every response takes two seconds."""
    with serve_in_thread(SandboxConfig(rate_limit=None, faults=Faults(latency_ms=2000))) as url:
        yield url


@BOTH
def test_a_read_timeout_shorter_than_the_response_is_a_timeout(kind: str, slow_url: str) -> None:
    # connect 5 s, read 0.5 s: the total deadline (30 s here) is separate and does not
    # stretch the read phase.
    options: dict[str, Any] = {
        "base_url": slow_url,
        "rate_limit": None,
        "max_retries": 0,
        "timeout": httpx.Timeout(5, read=0.5),
        **DEMO,
    }

    def sync() -> None:
        with lr.Client(**options) as client:
            list(client.instances.list())

    async def main() -> None:
        async with lr.AsyncClient(**options) as client:
            [i async for i in client.instances.list()]

    with pytest.raises(lr.APITimeoutError):
        sync() if kind == "sync" else asyncio.run(main())


@pytest.fixture
def fake_waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Waits on, none slept: each moves a fake clock (the budget's) forward."""
    now = [1_000.0]

    def pause(seconds: float) -> None:
        now[0] += max(seconds, 0.0)

    async def async_pause(seconds: float) -> None:
        pause(seconds)

    monkeypatch.setattr(_retry, "pause", pause)
    monkeypatch.setattr(_retry, "async_pause", async_pause)
    _retry.set_backoff(True)
    try:
        yield now
    finally:
        _retry.set_backoff(False)


def calls(kind: str, router: respx.Router, count: int, now: list[float], **options: Any) -> None:
    """``count`` list calls on one client whose budget reads the fake clock."""
    if kind == "sync":
        with sync_client(router, **options) as client:
            client._budget._clock = lambda: now[0]
            for _ in range(count):
                list(client.instances.list())
        return

    async def main() -> None:
        async with async_client(router, **options) as client:
            client._budget._clock = lambda: now[0]
            for _ in range(count):
                [i async for i in client.instances.list()]

    asyncio.run(main())


LINE = re.compile(r"waiting (\d+\.\d) s: (.+)")


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[float, str]]:
    found = [LINE.fullmatch(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    return [(float(m[1]), m[2]) for m in found if m]


@BOTH
def test_the_rate_budgets_wait_is_logged(
    kind: str, fake_waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    router.get("/v2/instances").mock(return_value=httpx.Response(200, json=OK))
    with caplog.at_level(logging.INFO, logger="later_reporting"):
        calls(kind, router, 2, fake_waits, rate_limit=2)  # token + 2 calls: one wait
    assert logged(caplog) == [(60.0, "rate limit")]


@BOTH
def test_a_retry_after_wait_is_logged(
    kind: str, fake_waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "4"
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    router.get("/v2/instances").mock(side_effect=[limited, httpx.Response(200, json=OK)])
    with caplog.at_level(logging.INFO, logger="later_reporting"):
        calls(kind, router, 1, fake_waits)
    assert logged(caplog) == [(4.0, "Retry-After")]


@BOTH
def test_long_backoffs_are_logged_and_short_ones_are_not(
    kind: str, fake_waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    failing = problem(503, "ANL_00503")
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    router.get("/v2/instances").mock(side_effect=[failing] * 5 + [httpx.Response(200, json=OK)])
    with caplog.at_level(logging.INFO, logger="later_reporting"):
        calls(kind, router, 1, fake_waits, max_retries=5)
    waits = logged(caplog)
    # Backoff doubles from 0.5 s with jitter (x 0.5..1): retries 1-3 wait at most 2 s and
    # are not logged; the fifth waits 4-8 s (the fourth 2-4 s, logged unless exactly 2).
    assert [reason for _, reason in waits] in (["backoff"], ["backoff", "backoff"])
    assert 4.0 <= waits[-1][0] <= 8.0
