"""A rate-limited export: 186 pages against the sandbox at 120 requests/minute, 50 ms latency.

The sandbox counts a fixed window aligned to the clock and answers 429 with
``Retry-After``. At each of three phases of the window, one after the other in the same run
(each against a fresh sandbox, so the counts do not mix):

1. the same pages with no rate limit, to measure how fast this machine serves them;
2. the SDK (concurrency 4, its default rate budget), started at the phase;
3. a naive loop (4 threads, raw httpx) that sends every page and, on a 429, sleeps
   ``Retry-After`` and sends it again, started at the same phase of a later window;
4. the fixed-window bound: the fastest any client can be. The first ``limit`` requests go
   at once; the rest wait for the next window; each part takes its share of the unlimited
   run's time (the latency, and the server's own work on a busy machine).

Targets: the SDK within 1.1x of the bound, never slower than the naive loop, and at most
``concurrency`` 429s in any window.
"""

from __future__ import annotations

import collections
import contextlib
import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench._common import Result, sandbox
from later_reporting import Client

PAGES, SIZE, LATENCY, CONCURRENCY = 186, 100, 0.050, 4
LIMIT, WINDOW = 120, 60.0
PHASES = (10.0, 30.0, 50.0)
START, END = "2025-01-01", "2025-08-31"
DEMO = {"clientId": "demo-client", "clientSecret": "demo-secret"}


class Counting(httpx.BaseTransport):
    """The real transport, noting the wall-clock time of every 429."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport(limits=httpx.Limits(max_connections=64))
        self.limited: list[float] = []
        self.requests = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        with self._lock:
            self.requests += 1
            if response.status_code == 429:
                self.limited.append(time.time())
        return response

    def close(self) -> None:
        self.inner.close()


def per_window(stamps: list[float]) -> int:
    """The most 429s in any one window of the server (aligned to the clock)."""
    counts = collections.Counter(math.floor(t / WINDOW) for t in stamps)
    return max(counts.values(), default=0)


def sdk_run(url: str, rate_limit: int | None = LIMIT) -> tuple[float, list[float], int]:
    transport = Counting()
    started = time.perf_counter()
    with Client(
        base_url=url,
        client_id=DEMO["clientId"],
        client_secret=DEMO["clientSecret"],
        concurrency=CONCURRENCY,
        rate_limit=rate_limit,
        transport=transport,
    ) as client:
        rows = sum(
            1
            for _ in client.posts.performance(
                start=START, end=END, page_size=SIZE, max_items=PAGES * SIZE
            ).dicts()
        )
    elapsed = time.perf_counter() - started
    assert rows == PAGES * SIZE, rows
    return elapsed, transport.limited, transport.requests


def naive_run(url: str) -> tuple[float, list[float], int]:
    transport = Counting()
    started = time.perf_counter()
    with httpx.Client(base_url=url, transport=transport, timeout=30) as http:
        while (answer := http.post("/oauth/token", json=DEMO)).status_code == 429:
            time.sleep(float(answer.headers.get("retry-after", "1")))
        headers = {"Authorization": f"Bearer {answer.json()['jwt']}"}

        def page(number: int) -> int:
            params = {"startDate": START, "endDate": END, "pageSize": SIZE, "pageNumber": number}
            for _ in range(1000):
                response = http.get("/v2/posts/performance", params=params, headers=headers)
                if response.status_code != 429:
                    response.raise_for_status()
                    return len(response.json()["data"])
                time.sleep(float(response.headers.get("retry-after", "1")))
            raise RuntimeError("still rate-limited after 1000 tries")

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            rows = sum(pool.map(page, range(1, PAGES + 1)))
    elapsed = time.perf_counter() - started
    assert rows == PAGES * SIZE, rows
    return elapsed, transport.limited, transport.requests


def fixed_window_bound(phase: float, requests: int, unlimited: float) -> float:
    """Seconds for the ideal client: ``LIMIT`` requests a window, each request taking its
    share of the unlimited run (``unlimited`` seconds for ``requests``)."""
    each = unlimited / requests
    elapsed, left, window_start = 0.0, requests, 0.0
    while True:
        batch = min(left, LIMIT)
        left -= batch
        finish = window_start + batch * each
        if not left:
            return max(elapsed, finish)
        window_start = max(
            finish, (WINDOW - phase) if window_start == 0.0 else window_start + WINDOW
        )
        elapsed = window_start


def wait_for_phase(phase: float) -> float:
    """Sleep until ``phase`` seconds into the server's window; return the phase reached."""
    now = time.time()
    time.sleep((phase - now % WINDOW) % WINDOW)
    return time.time() % WINDOW


@contextlib.contextmanager
def fresh_sandbox(limited: bool = True) -> Iterator[str]:
    flags = ("--rate-limit", str(LIMIT)) if limited else ()
    with sandbox("--latency-ms", str(LATENCY * 1000), *flags) as url:
        yield url


def run() -> list[Result]:
    results: list[Result] = []
    for phase in PHASES:
        with fresh_sandbox(limited=False) as url:
            unlimited, _, _ = sdk_run(url, rate_limit=None)
        with fresh_sandbox() as url:
            reached = wait_for_phase(phase)
            sdk, sdk_429, sdk_requests = sdk_run(url)
        with fresh_sandbox() as url:
            wait_for_phase(phase)
            naive, naive_429, naive_requests = naive_run(url)
        bound = fixed_window_bound(reached, PAGES + 1, unlimited)
        label = f"{PAGES} pages at {LIMIT}/min, 50 ms, started {reached:.0f} s into the window"
        results += [
            Result(
                f"{label}: SDK vs fixed-window bound (unlimited run: {unlimited:.1f} s)",
                f"{sdk:.1f} s",
                f"{bound:.1f} s",
                sdk / bound,
                "<= 1.1x",
                sdk / bound <= 1.1,
            ),
            Result(
                f"{label}: SDK vs naive retry-on-429 loop ({len(naive_429)} 429s, "
                f"{naive_requests} requests)",
                f"{sdk:.1f} s",
                f"{naive:.1f} s",
                sdk / naive,
                "<= 1.0x (never slower)",
                sdk <= naive,
            ),
            Result(
                f"{label}: SDK 429s in any one window ({len(sdk_429)} in all, "
                f"{sdk_requests} requests)",
                str(per_window(sdk_429)),
                f"{CONCURRENCY} (concurrency)",
                per_window(sdk_429) / CONCURRENCY,
                "<= concurrency",
                per_window(sdk_429) <= CONCURRENCY,
            ),
        ]
    return results
