"""Reading 20,000 posts (200 pages of 100) through the SDK.

1. Against the sandbox with 50 ms added latency: the concurrent SDK (concurrency 8) against
   a sequential loop over the generated client, and against the latency bound
   (pages x latency / concurrency).
2. CPU at zero latency: the SDK against raw httpx + json.loads on the same pages, served
   from memory so that only client-side work is measured.
"""

from __future__ import annotations

import json
import time

import httpx
from later_reporting_api import Client as GeneratedClient
from later_reporting_api.api.posts import get_posts_performance

from bench._common import Result, sandbox
from later_reporting import Client
from later_reporting.testing import no_backoff

PAGES, SIZE, LATENCY, CONCURRENCY = 200, 100, 0.050, 8
START, END = "2025-01-01", "2025-08-31"


def token(url: str) -> str:
    jwt: str = httpx.post(
        f"{url}/oauth/token", json={"clientId": "demo-client", "clientSecret": "demo-secret"}
    ).json()["jwt"]
    return jwt


def facade_read(
    url: str, concurrency: int, typed: bool, transport: httpx.BaseTransport | None = None
) -> float:
    started = time.perf_counter()
    with Client(
        base_url=url,
        client_id="demo-client",
        client_secret="demo-secret",
        rate_limit=None,
        concurrency=concurrency,
        transport=transport,
    ) as client:
        paginator = client.posts.performance(start=START, end=END, max_items=PAGES * SIZE)
        rows = sum(1 for _ in (paginator if typed else paginator.dicts()))
    assert rows == PAGES * SIZE, rows
    return time.perf_counter() - started


def sequential_generated(url: str) -> float:
    import datetime as dt

    started = time.perf_counter()
    client = GeneratedClient(base_url=url, headers={"Authorization": f"Bearer {token(url)}"})
    rows = 0
    for number in range(1, PAGES + 1):
        response = get_posts_performance.sync_detailed(
            client=client,
            start_date=dt.date.fromisoformat(START),
            end_date=dt.date.fromisoformat(END),
            page_size=SIZE,
            page_number=number,
        )
        rows += len(response.parsed.data)  # type: ignore[union-attr]
    assert rows == PAGES * SIZE
    return time.perf_counter() - started


def recorded_pages(url: str) -> dict[int, bytes]:
    jwt = token(url)
    pages = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {jwt}"}) as http:
        for number in range(1, PAGES + 1):
            pages[number] = http.get(
                "/v2/posts/performance",
                params={"startDate": START, "endDate": END, "pageSize": SIZE, "pageNumber": number},
            ).content
    return pages


def memory_transport(pages: dict[int, bytes]) -> httpx.MockTransport:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        number = int(request.url.params.get("pageNumber", "1"))
        return httpx.Response(
            200, content=pages[number], headers={"content-type": "application/json"}
        )

    return httpx.MockTransport(reply)


def raw_read(pages: dict[int, bytes]) -> float:
    started = time.perf_counter()
    rows = 0
    with httpx.Client(base_url="http://127.0.0.1:9", transport=memory_transport(pages)) as http:
        for number in range(1, PAGES + 1):
            body = json.loads(
                http.get(
                    "/v2/posts/performance",
                    params={
                        "startDate": START,
                        "endDate": END,
                        "pageSize": SIZE,
                        "pageNumber": number,
                    },
                ).content
            )
            rows += len(body["data"])
    assert rows == PAGES * SIZE
    return time.perf_counter() - started


def best(runs: int, measure: object) -> float:
    return min(measure() for _ in range(runs))  # type: ignore[operator]


def run() -> list[Result]:
    results = []
    with sandbox("--latency-ms", str(LATENCY * 1000)) as url:
        facade_read(url, CONCURRENCY, typed=False)  # warm the server's query cache
        concurrent = best(2, lambda: facade_read(url, CONCURRENCY, typed=False))
        sequential = sequential_generated(url)
    bound = PAGES * LATENCY / CONCURRENCY
    results.append(
        Result(
            "20,000 posts, 50 ms latency: SDK (concurrency 8) vs sequential generated client",
            f"{concurrent:.2f} s",
            f"{sequential:.2f} s",
            sequential / concurrent,
            ">= 5x faster",
            sequential / concurrent >= 5,
        )
    )
    results.append(
        Result(
            "20,000 posts, 50 ms latency: SDK vs latency bound (pages x latency / concurrency)",
            f"{concurrent:.2f} s",
            f"{bound:.2f} s",
            concurrent / bound,
            "<= 1.5x the bound",
            concurrent / bound <= 1.5,
        )
    )
    with sandbox() as url:
        pages = recorded_pages(url)
    with no_backoff():
        raw = best(3, lambda: raw_read(pages))
        dicts = best(
            3,
            lambda: facade_read(
                "http://127.0.0.1:9", 1, typed=False, transport=memory_transport(pages)
            ),
        )
        typed = best(
            3,
            lambda: facade_read(
                "http://127.0.0.1:9", 1, typed=True, transport=memory_transport(pages)
            ),
        )
    results.append(
        Result(
            "CPU, zero latency: SDK rows as dicts vs raw httpx + json.loads",
            f"{dicts:.3f} s",
            f"{raw:.3f} s",
            dicts / raw,
            "<= 1.5x",
            dicts / raw <= 1.5,
        )
    )
    results.append(
        Result(
            "CPU, zero latency: SDK typed models vs raw httpx + json.loads",
            f"{typed:.3f} s",
            f"{raw:.3f} s",
            typed / raw,
            "(informative)",
            True,
        )
    )
    return results
