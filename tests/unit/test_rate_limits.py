"""Both clients against a fixed-window server: one 429, one pause, then the server's windows.

The server is a mock counting fixed windows aligned to a fake clock; the SDK's waits
advance that clock instead of sleeping, so each test checks the exact waits and 429s.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting import _retry, _waits
from later_reporting._ratelimit import ALIGN_MARGIN
from tests.unit.helpers import BASE, async_client, jwt, problem, sync_client, token_route

OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


class Clock:
    """Monotonic and wall clocks that move only when the SDK waits."""

    def __init__(self, wall: float) -> None:
        self.now = 50.0
        self.offset = wall - self.now

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.offset


class FixedWindowServer:
    """``limit`` requests per ``window`` seconds of the wall clock, then 429 + Retry-After."""

    def __init__(self, clock: Clock, limit: int, window: float, retry_after: bool = True):
        self.clock, self.limit, self.window, self.retry_after = clock, limit, window, retry_after
        self.counts: dict[int, int] = {}
        self.log: list[tuple[float, int]] = []  # (wall time, status)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock.wall()
        slot = math.floor(now / self.window)
        self.counts[slot] = self.counts.get(slot, 0) + 1
        headers = {"X-Ratelimit-Limit": str(self.limit), "X-Ratelimit-Window": str(self.window)}
        if self.counts[slot] > self.limit:
            response = problem(429, "ANL_00429")
            if self.retry_after:
                headers["Retry-After"] = str(math.ceil((slot + 1) * self.window - now))
        elif request.url.path == "/oauth/token":
            response = httpx.Response(200, json={"jwt": jwt()})
        else:
            response = httpx.Response(200, json=OK)
        response.headers.update(headers)
        self.log.append((now, response.status_code))
        return response

    def statuses_per_window(self) -> list[list[int]]:
        slots: dict[int, list[int]] = {}
        for when, status in self.log:
            slots.setdefault(math.floor(when / self.window), []).append(status)
        return [slots[k] for k in sorted(slots)]


def calls(kind: str, server: FixedWindowServer, clock: Clock, count: int, **options: Any) -> None:
    """``count`` single-page list calls through one client of ``kind``, sequentially."""
    router = respx.Router(base_url=BASE)
    router.route().mock(side_effect=server)
    options.setdefault("rate_limit", 120)
    if kind == "sync":
        with sync_client(router, **options) as client:
            client._budget._clock, client._budget._wall = clock, clock.wall
            for _ in range(count):
                assert list(client.instances.list()) == ["a"]
        return

    async def main() -> None:
        async with async_client(router, **options) as client:
            client._budget._clock, client._budget._wall = clock, clock.wall
            for _ in range(count):
                assert [i async for i in client.instances.list()] == ["a"]

    asyncio.run(main())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Waits are on, and each one moves the fake clocks forward instead of sleeping."""
    fake = Clock(wall=1_000.25)

    def pause(seconds: float) -> None:
        fake.now += max(seconds, 0.0)

    async def async_pause(seconds: float) -> None:
        pause(seconds)

    monkeypatch.setattr(_retry, "pause", pause)
    monkeypatch.setattr(_retry, "async_pause", async_pause)
    _retry.set_backoff(True)
    yield fake  # type: ignore[misc]
    _retry.set_backoff(False)


@pytest.fixture
def heard() -> Any:
    waits: list[tuple[float, str]] = []
    with _waits.listening(lambda seconds, reason: waits.append((round(seconds, 2), reason))):
        yield waits


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
def test_one_429_teaches_the_phase_and_every_later_window_is_used_whole(
    kind: str, clock: Clock, heard: list[tuple[float, str]]
) -> None:
    server = FixedWindowServer(clock, limit=3, window=10.0)
    calls(kind, server, clock, 8)  # 1 token + 8 pages = 9 requests
    # Window 1: 3 requests, then the probe's 429; then 3 requests in each window.
    assert server.statuses_per_window() == [[200, 200, 200, 429], [200, 200, 200], [200, 200, 200]]
    assert heard == [(round(9.75 + ALIGN_MARGIN, 2), "Retry-After"), (10.0, "rate limit")]
    assert clock.wall() == pytest.approx(1020 + ALIGN_MARGIN)  # each boundary, not past it


@KINDS
def test_without_retry_after_the_sliding_window_stays(
    kind: str, clock: Clock, heard: list[tuple[float, str]]
) -> None:
    server = FixedWindowServer(clock, limit=3, window=10.0, retry_after=False)
    calls(kind, server, clock, 5)
    statuses = [status for _, status in server.log]
    assert statuses.count(429) == 1  # the one probe; then never past the sliding budget
    assert [reason for _, reason in heard] == ["backoff", "rate limit"]


@KINDS
@pytest.mark.parametrize("rate_limit", [120, None])
def test_a_retry_after_longer_than_the_timeout_fails_fast(
    kind: str, clock: Clock, heard: list[tuple[float, str]], rate_limit: int | None
) -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    limited = problem(429, "ANL_00429")
    limited.headers["Retry-After"] = "86400"
    route = router.get("/v2/instances").mock(return_value=limited)
    started = clock.now

    def check(raised: lr.RateLimitedError) -> None:
        assert raised.retry_after == 86400.0
        assert route.call_count == 1  # no retry: the answer is now, not in a day
        assert clock.now == started  # and no wait at all (not 120 s, not two of them)
        assert heard == []

    if kind == "sync":
        with (
            sync_client(router, timeout=5, rate_limit=rate_limit) as client,
            pytest.raises(lr.RateLimitedError) as info,
        ):
            list(client.instances.list())
        check(info.value)
        return

    async def main() -> lr.RateLimitedError:
        async with async_client(router, timeout=5, rate_limit=rate_limit) as client:
            with pytest.raises(lr.RateLimitedError) as info:
                [i async for i in client.instances.list()]
            return info.value

    check(asyncio.run(main()))


@KINDS
def test_a_retry_after_within_the_timeout_is_waited_and_announced(
    kind: str, clock: Clock, heard: list[tuple[float, str]]
) -> None:
    server_calls: list[int] = []

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": jwt()})
        server_calls.append(1)
        if len(server_calls) == 1:
            limited = problem(429, "ANL_00429")
            limited.headers["Retry-After"] = "4"
            return limited
        return httpx.Response(200, json=OK)

    router = respx.Router(base_url=BASE)
    router.route().mock(side_effect=reply)
    run: Callable[[], None]
    if kind == "sync":

        def run() -> None:
            with sync_client(router, timeout=5) as client:
                assert list(client.instances.list()) == ["a"]

    else:

        def run() -> None:
            async def main() -> None:
                async with async_client(router, timeout=5) as client:
                    assert [i async for i in client.instances.list()] == ["a"]

            asyncio.run(main())

    run()
    assert heard == [(4.0, "Retry-After")]
    assert len(server_calls) == 2


def test_the_sandbox_counts_clock_aligned_windows_and_says_when_the_next_begins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from later_reporting.sandbox import _app
    from later_reporting.sandbox._problems import Problem

    now = SimpleNamespace(value=1_000.25)
    monkeypatch.setattr(_app, "time", SimpleNamespace(time=lambda: now.value))
    limiter = _app.RateLimiter(limit=2, window=60)
    limiter.check("127.0.0.1")
    limiter.check("127.0.0.1")
    limiter.check("127.0.0.2")  # counted per client address
    with pytest.raises(Problem) as info:
        limiter.check("127.0.0.1")
    assert info.value.status == 429
    assert info.value.headers == {"Retry-After": "20"}  # 1020 is the next window (17 x 60)
    now.value = 1_019.9
    with pytest.raises(Problem) as info:
        limiter.check("127.0.0.1")
    assert info.value.headers == {"Retry-After": "1"}  # rounded up, never 0
    now.value = 1_020.0
    limiter.check("127.0.0.1")  # a new window: the whole limit again
    limiter.check("127.0.0.1")
    assert limiter.headers() == {"X-Ratelimit-Limit": "2", "X-Ratelimit-Window": "60"}


@KINDS
def test_rate_limit_is_a_ceiling_the_server_cannot_raise(
    kind: str, clock: Clock, heard: list[tuple[float, str]]
) -> None:
    server = FixedWindowServer(clock, limit=120, window=60.0)  # advertises 120 a minute
    started = clock.now
    calls(kind, server, clock, 32, rate_limit=10)  # 1 token + 32 pages = 33 requests
    statuses = [status for _, status in server.log]
    assert statuses == [200] * 33
    # 10, 10, 10 and 3 requests: three whole windows waited on the budget's clock.
    assert clock.now - started == pytest.approx(180.0)
    assert heard == [(60.0, "rate limit")] * 3
    stamps = [when for when, _ in server.log]
    assert all(stamps[i + 10] - stamps[i] >= 60.0 for i in range(len(stamps) - 10))


class ProbeServer:
    """Advertises 3 requests per 10 s and never refuses one; ``faults`` answer given GETs."""

    def __init__(self, clock: Clock, faults: dict[int, Callable[[], httpx.Response]]) -> None:
        self.clock, self.faults = clock, faults
        self.gets: list[float] = []  # when each GET arrived (monotonic)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            response = httpx.Response(200, json={"jwt": jwt()})
        else:
            self.gets.append(self.clock.now)
            fault = self.faults.get(len(self.gets))
            response = fault() if fault else httpx.Response(200, json=OK)
        response.headers.update({"X-Ratelimit-Limit": "3", "X-Ratelimit-Window": "10"})
        return response


def dropped() -> httpx.Response:
    raise httpx.RemoteProtocolError("peer closed the connection")


def brotli() -> httpx.Response:
    body = httpx.ByteStream(b"\x0b\x00\x80")  # streamed, as from a server: read by the transport
    return httpx.Response(200, headers={"Content-Encoding": "br"}, stream=body)


@KINDS
@pytest.mark.parametrize(
    ("faults", "failed"),
    [
        ({}, 0),  # the probe (the 3rd GET) answered: the next probe may go at once
        ({3: dropped}, 0),  # the probe's connection dropped: its retry probes at once
        ({3: brotli}, 1),  # the probe's answer refused: the next call probes at once
    ],
)
def test_a_probe_without_an_answer_holds_nobody_back(
    kind: str,
    clock: Clock,
    faults: dict[int, Callable[[], httpx.Response]],
    failed: int,
) -> None:
    # The budget is spent by the token and two GETs; every later request is one probe,
    # sent as soon as the previous probe ended (however it ended), never a window later.
    server = ProbeServer(clock, faults)
    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": BASE,
        "rate_limit": 120,
        "transport": httpx.MockTransport(server),  # bodies stream, as from a server
    }
    started = clock.now
    errors: list[Exception] = []

    async def each_async(client: lr.AsyncClient) -> None:
        try:
            assert [i async for i in client.instances.list()] == ["a"]
        except lr.UnexpectedResponseError as error:
            errors.append(error)

    if kind == "sync":
        with lr.Client(**options) as client:
            client._budget._clock, client._budget._wall = clock, clock.wall
            for _ in range(4):
                try:
                    assert list(client.instances.list()) == ["a"]
                except lr.UnexpectedResponseError as error:
                    errors.append(error)
    else:

        async def main() -> None:
            async with lr.AsyncClient(**options) as client:
                client._budget._clock, client._budget._wall = clock, clock.wall
                for _ in range(4):
                    await each_async(client)

        asyncio.run(main())
    assert len(errors) == failed
    assert len(server.gets) == 4 + (1 if faults and not failed else 0)
    assert clock.now - started < 1.0  # a backoff at most, not the 10 s window
