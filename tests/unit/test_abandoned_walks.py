"""A page walk given up mid-way ends its waiting fetches at once: no retry after it, no
worker left sleeping through a ``Retry-After`` (sync: the walk's threads; async: its tasks)."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
import respx

from later_reporting import _retry
from tests.unit.helpers import BASE, async_client, jwt, page, problem, sync_client

CONCURRENCY = 2


class Server:
    """10 pages: pages 1 and 2 answer, every later one is 429 with ``Retry-After: 30``."""

    def __init__(self) -> None:
        self.later: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": jwt()})
        number = int(request.url.params.get("pageNumber", "1"))
        if number <= 2:
            return page({"instanceIds": [f"i{number}"]}, number, 10, 10, size=1)  # type: ignore[arg-type]
        with self.lock:
            self.later.append(number)
        limited = problem(429, "ANL_00429")
        limited.headers["Retry-After"] = "30"
        return limited

    def waiting(self) -> bool:
        return len(self.later) >= CONCURRENCY


def page_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "later-reporting-page"]


@pytest.fixture
def real_waits() -> object:
    _retry.set_backoff(True)  # the Retry-After sleeps are real here; the walk must cut them
    yield
    _retry.set_backoff(False)


def test_sync_walk_closed_while_fetches_sleep(real_waits: object) -> None:
    server = Server()
    router = respx.Router(base_url=BASE)
    router.route().mock(side_effect=server)
    with sync_client(router, concurrency=CONCURRENCY) as client:
        rows = client.instances.list().dicts()
        assert [next(rows), next(rows)] == ["i1", "i2"]  # pages 1 and 2; 3 and 4 are fetching
        deadline = time.monotonic() + 10
        while not server.waiting():
            assert time.monotonic() < deadline, "the later pages were never fetched"
            time.sleep(0.01)
        time.sleep(0.1)  # the fetches are inside their 30 s Retry-After sleep now
        sent = len(server.later)
        rows.close()
        for thread in page_threads():
            thread.join(timeout=5)
        assert page_threads() == []  # no fetch still sleeping
    assert len(server.later) == sent  # and none woke up later to retry


def test_async_walk_closed_while_fetches_sleep(real_waits: object) -> None:
    server = Server()
    router = respx.Router(base_url=BASE)
    router.route().mock(side_effect=server)

    async def main() -> int:
        async with async_client(router, concurrency=CONCURRENCY) as client:
            rows = client.instances.list().dicts()
            assert [await rows.__anext__(), await rows.__anext__()] == ["i1", "i2"]
            for _ in range(1000):
                if server.waiting():
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
            sent = len(server.later)
            await rows.aclose()
            await asyncio.sleep(0.1)
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert all(t.done() for t in others)  # the page tasks were cancelled
            return sent

    sent = asyncio.run(main())
    assert server.waiting()
    assert len(server.later) == sent
