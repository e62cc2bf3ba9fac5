"""Paginators: order under concurrency, no early stop, filters on every page, cursors, drift,
max_items, and the 500-page cap."""

from __future__ import annotations

import datetime as dt
import threading
import time

import httpx
import pytest
import respx

import later_reporting as lr
from tests.unit.helpers import BASE, async_client, jwt, page, post_row, sync_client, token_route


def posts_router(
    pages: dict[int, httpx.Response], *, delay: dict[int, float] | None = None
) -> tuple[respx.Router, list[httpx.Request]]:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    seen: list[httpx.Request] = []
    lock = threading.Lock()

    def reply(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("pageNumber", "1"))
        with lock:
            seen.append(request)
        time.sleep((delay or {}).get(number, 0))
        return pages[number]

    router.get("/v2/posts/performance").mock(side_effect=reply)
    return router, seen


def pages_of(
    total: int, size: int = 100, empty: frozenset[int] = frozenset()
) -> dict[int, httpx.Response]:
    count = -(-total // size)
    return {
        n: page(
            []
            if n in empty
            else [post_row(i) for i in range((n - 1) * size, min(n * size, total))],
            n,
            count,
            total,
            size,
        )
        for n in range(1, count + 1)
    }


def test_rows_in_order_although_pages_finish_out_of_order() -> None:
    router, seen = posts_router(pages_of(750), delay={2: 0.15, 3: 0.05})
    with sync_client(router, concurrency=4) as client:
        paginator = client.posts.performance(
            start="2025-01-01", end="2025-01-31", instance_ids=["instance_abc"], campaign_ids=[7]
        )
        ids = [row.post_id for row in paginator]
    assert ids == list(range(750))
    assert paginator.total_items == 750 and paginator.total_pages == 8
    # Filters kept on every page:
    for request in seen:
        assert request.url.params.get_list("instanceIds") == ["instance_abc"]
        assert request.url.params.get_list("campaignIds") == ["7"]
        assert request.url.params["startDate"] == "2025-01-01"
    assert sorted(int(r.url.params["pageNumber"]) for r in seen) == list(range(1, 9))


def test_an_empty_page_does_not_stop_the_walk() -> None:
    router, _ = posts_router(pages_of(500, empty=frozenset({2})))
    with sync_client(router) as client:
        ids = [
            row["postId"]
            for row in client.posts.performance(start="2025-01-01", end="2025-01-31").dicts()
        ]
    assert len(ids) == 400 and ids[-1] == 499


def test_max_items_stops_and_fetches_only_needed_pages() -> None:
    router, seen = posts_router(pages_of(1000))
    with sync_client(router) as client:
        rows = list(client.posts.performance(start="2025-01-01", end="2025-01-31", max_items=150))
    assert len(rows) == 150
    assert len(seen) == 2


def test_pages_and_first_page() -> None:
    router, _ = posts_router(pages_of(250))
    with sync_client(router) as client:
        paginator = client.posts.performance(start="2025-01-01", end="2025-01-31")
        first = paginator.first_page()
        assert first.total_items == 250 and len(first.items) == 100
        numbers = [(p.number, len(p.items)) for p in paginator.pages()]
    assert numbers == [(1, 100), (2, 100), (3, 50)]


def test_drift_raises_or_warns() -> None:
    pages = pages_of(300)
    pages[3] = page([post_row(999)], 3, 3, 301)
    router, _ = posts_router(pages)
    with sync_client(router) as client, pytest.raises(lr.DriftError, match="totalItems"):
        list(client.posts.performance(start="2025-01-01", end="2025-01-31"))
    router, _ = posts_router(pages)
    with (
        sync_client(router, on_drift="warn") as client,
        pytest.warns(RuntimeWarning, match="totalItems"),
    ):
        assert len(list(client.posts.performance(start="2025-01-01", end="2025-01-31"))) == 201


def test_cursor_paging_is_followed_with_the_same_filters() -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        cursor = request.url.params.get("nextCursor")
        index = {None: 0, "c1": 1, "c2": 2}[cursor]
        nxt = {0: "c1", 1: "c2", 2: None}[index]
        return httpx.Response(200, json={"data": [post_row(index)], "nextCursor": nxt})

    router.get("/v2/posts/performance").mock(side_effect=reply)
    with sync_client(router) as client:
        rows = list(
            client.posts.performance(
                start="2025-01-01", end="2025-01-31", platforms=["tiktok"], page_size=1
            )
        )
    assert [r.post_id for r in rows] == [0, 1, 2]
    assert [r.url.params.get("nextCursor") for r in seen] == [None, "c1", "c2"]
    assert all(r.url.params.get_list("platform") == ["tiktok"] for r in seen)
    assert seen[1].url.params["limit"] == "1" and "pageNumber" not in seen[1].url.params


def test_past_the_page_cap_posts_by_post_date_are_split_and_merged_in_order() -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    # One post per day over 2024-2025 at page size 1: 731 pages, past the 500-page cap.
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(731)]

    def reply(request: httpx.Request) -> httpx.Response:
        start = dt.date.fromisoformat(request.url.params["startDate"])
        end = dt.date.fromisoformat(request.url.params["endDate"])
        inside = sorted((d for d in days if start <= d <= end), reverse=True)
        number = int(request.url.params["pageNumber"])
        chunk = inside[number - 1 : number]
        return page(
            [post_row(int(d.strftime("%Y%m%d")), d.isoformat()) for d in chunk],
            number,
            len(inside),
            len(inside),
            1,
        )

    router.get("/v2/posts/performance").mock(side_effect=reply)
    with sync_client(router, concurrency=8) as client:
        rows = list(
            client.posts.performance(start="2024-01-01", end="2025-12-31", page_size=1).dicts()
        )
    ids = [r["postId"] for r in rows]
    assert len(ids) == 731 == len(set(ids))
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sort_property": "impressions"},
        {"date_basis": "performance_date"},
    ],
)
def test_past_the_page_cap_unsplittable_queries_say_what_to_narrow(kwargs: dict[str, str]) -> None:
    router, _ = posts_router({1: page([post_row(1)], 1, 600, 60_000)})
    with sync_client(router) as client, pytest.raises(lr.QueryTooLargeError, match="narrow"):
        list(client.posts.performance(start="2024-01-01", end="2025-12-31", **kwargs))


def test_other_reports_past_the_cap_raise() -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    router.get("/v2/creators/performance").mock(return_value=page([], 1, 501, 50_100))
    with sync_client(router) as client, pytest.raises(lr.QueryTooLargeError):
        list(client.creators.performance(start="2025-01-01", end="2025-01-31"))


async def test_async_paginator_in_order_with_concurrency() -> None:
    router, _ = posts_router(pages_of(640), delay={2: 0.1})
    async with async_client(router, concurrency=5) as client:
        paginator = client.posts.performance(start="2025-01-01", end="2025-01-31")
        ids = [row.post_id async for row in paginator]
        first = await paginator.first_page()
        pages = [p async for p in paginator.pages()]
    assert ids == list(range(640))
    assert first.total_pages == 7
    assert [len(p.items) for p in pages] == [100] * 6 + [40]
