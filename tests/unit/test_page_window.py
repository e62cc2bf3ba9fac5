"""The page window keeps ``concurrency`` fetches in flight, even behind a slow page, and
reads at most twice that far ahead of the consumer; rows still come out in order."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

import later_reporting as lr
from tests.unit.helpers import BASE, jwt, page

CONCURRENCY, PAGES = 2, 8


def answer(number: int) -> httpx.Response:
    return page({"instanceIds": [f"i{number}"]}, number, PAGES, PAGES, size=1)  # type: ignore[arg-type]


def number_of(request: httpx.Request) -> int:
    return int(request.url.params.get("pageNumber", "1"))


class SlowSecondPage:
    """Page 2 answers only once pages 3 to 5 were asked for (or after 5 s)."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.ahead: list[int] = []
        self.lock = threading.Condition()

    def enough(self) -> bool:
        return {3, 4, 5} <= set(self.asked)

    def sync(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": jwt()})
        number = number_of(request)
        with self.lock:
            self.asked.append(number)
            self.lock.notify_all()
            if number == 2:
                self.lock.wait_for(self.enough, timeout=5)
                self.lock.wait(timeout=0.1)  # time for any further page to be asked for
                self.ahead = sorted(n for n in self.asked if n > 2)
        return answer(number)

    async def async_(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": jwt()})
        number = number_of(request)
        self.asked.append(number)
        if number == 2:
            for _ in range(500):
                if self.enough():
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # time for any further page to be asked for
            self.ahead = sorted(n for n in self.asked if n > 2)
        return answer(number)


OPTIONS = {"base_url": BASE, "client_id": "c", "client_secret": "s", "rate_limit": None}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_slow_page_does_not_stall_the_others(kind: str) -> None:
    server = SlowSecondPage()
    if kind == "sync":
        transport = httpx.MockTransport(server.sync)
        with lr.Client(transport=transport, concurrency=CONCURRENCY, **OPTIONS) as client:  # type: ignore[arg-type]
            rows = list(client.instances.list())
    else:

        async def main() -> list[str]:
            transport = httpx.MockTransport(server.async_)
            async with lr.AsyncClient(
                transport=transport,
                concurrency=CONCURRENCY,
                **OPTIONS,  # type: ignore[arg-type]
            ) as client:
                return [row async for row in client.instances.list()]

        rows = asyncio.run(main())
    assert rows == [f"i{n}" for n in range(1, PAGES + 1)]
    # While page 2 was slow, pages 3, 4 and 5 were fetched (one at a time beside page 2),
    # and no further: four pages ahead of the consumer at most.
    assert server.ahead == [3, 4, 5]
