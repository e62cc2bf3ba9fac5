"""Paginators: order under concurrency, no early stop, filters on every page, cursors, drift,
max_items, and the 500-page cap."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from functools import partial
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from tests.unit.helpers import (
    BASE,
    BOTH,
    async_client,
    drain,
    jwt,
    page,
    post_row,
    problem,
    sync_client,
    token_route,
)


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


def posts(client: lr.Client | lr.AsyncClient, **kwargs: Any) -> Any:
    return client.posts.performance(start="2025-01-01", end="2025-01-31", **kwargs)


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


def walked(kind: str, router: respx.Router, call: Any, **client_kwargs: Any) -> tuple[Any, Any]:
    """``call(client)``'s paginator and ``read(paginator)``'s result on a ``kind`` client:
    ``call`` returns ``(paginator, read)``, ``read`` an awaitable on the async client."""
    if kind == "sync":
        with sync_client(router, **client_kwargs) as client:
            paginator, read = call(client)
            return paginator, read(paginator)

    async def run() -> tuple[Any, Any]:
        async with async_client(router, **client_kwargs) as client:
            paginator, read = call(client)
            return paginator, await read(paginator)

    return asyncio.run(run())


async def async_ids(paginator: Any) -> list[int]:
    return [row.post_id async for row in paginator]


@BOTH
def test_rows_in_order_although_pages_finish_out_of_order(kind: str) -> None:
    router, seen = posts_router(pages_of(750), delay={2: 0.15, 3: 0.05})

    def call(client: Any) -> tuple[Any, Any]:
        paginator = client.posts.performance(
            start="2025-01-01", end="2025-01-31", instance_ids=["instance_abc"], campaign_ids=[7]
        )
        read = (lambda p: [row.post_id for row in p]) if kind == "sync" else async_ids
        return paginator, read

    paginator, ids = walked(kind, router, call, concurrency=4)
    assert ids == list(range(750))
    assert paginator.total_items == 750 and paginator.total_pages == 8
    # Filters kept on every page:
    for request in seen:
        assert request.url.params.get_list("instanceIds") == ["instance_abc"]
        assert request.url.params.get_list("campaignIds") == ["7"]
        assert request.url.params["startDate"] == "2025-01-01"
    assert sorted(int(r.url.params["pageNumber"]) for r in seen) == list(range(1, 9))


@BOTH
def test_an_empty_page_while_the_result_shrinks_is_drift_and_does_not_stop_the_walk(
    kind: str,
) -> None:
    pages = pages_of(500, empty=frozenset({2}))
    pages[2] = page([], 2, 5, 400)  # the result moved: drift, not a paging fault
    router, _ = posts_router(pages)
    with pytest.warns(RuntimeWarning, match="totalItems was 500 on page 1 and 400 on page 2"):
        rows = drain(kind, router, posts, how="dicts", on_drift="warn")
    ids = [row["postId"] for row in rows]
    assert len(ids) == 400 and ids[-1] == 499
    router, _ = posts_router(pages)
    with pytest.raises(lr.DriftError, match="totalItems"):
        drain(kind, router, posts, how="dicts")


@BOTH
@pytest.mark.parametrize(("max_items", "requests"), [(150, 2), (1, 1)])
def test_max_items_stops_and_fetches_only_needed_pages(
    kind: str, max_items: int, requests: int
) -> None:
    router, seen = posts_router(pages_of(1000))
    rows = drain(kind, router, partial(posts, max_items=max_items))
    assert [row.post_id for row in rows] == list(range(max_items))
    assert len(seen) == requests


def numbers_asked(seen: list[httpx.Request]) -> list[int]:
    return [int(r.url.params["pageNumber"]) for r in seen]


@BOTH
def test_first_page_fetches_page_1_alone_and_keeps_it(kind: str) -> None:
    router, seen = posts_router(pages_of(250))

    def sync_read(paginator: Any) -> tuple[Any, ...]:
        totals = (paginator.total_items, paginator.total_pages)
        first = paginator.first_page()
        again = paginator.first_page()
        return (*totals, first, again, numbers_asked(seen), paginator.to_list())

    async def async_read(paginator: Any) -> tuple[Any, ...]:
        totals = (paginator.total_items, paginator.total_pages)
        first = await paginator.first_page()
        again = await paginator.first_page()
        return (*totals, first, again, numbers_asked(seen), await paginator.to_list())

    def call(client: Any) -> tuple[Any, Any]:
        return posts(client), sync_read if kind == "sync" else async_read

    paginator, (items, pages, first, again, asked, rows) = walked(kind, router, call)
    # Nothing is known before page 1 is fetched; first_page() fetches page 1 only, once.
    assert (items, pages) == (None, None)
    assert asked == [1]
    assert again is first
    assert first.number == 1 and first.total_items == 250 and first.total_pages == 3
    assert [row.post_id for row in first.items] == list(range(100))
    assert (paginator.total_items, paginator.total_pages) == (250, 3)
    # to_list() walks every row again from page 1.
    assert [row.post_id for row in rows] == list(range(250))
    assert numbers_asked(seen)[1] == 1 and sorted(numbers_asked(seen)[2:]) == [2, 3]


@BOTH
def test_first_page_of_a_cursor_paging_server(kind: str) -> None:
    router, asked = cursor_router({None: (0, "c1"), "c1": (10, None)})

    async def async_first(paginator: Any) -> Any:
        return await paginator.first_page()

    def call(client: Any) -> tuple[Any, Any]:
        return posts(client), (lambda p: p.first_page()) if kind == "sync" else async_first

    paginator, first = walked(kind, router, call)
    assert asked == [None]  # page 1 only
    assert first.number == 1 and first.next_cursor == "c1"
    assert first.total_items is None and first.total_pages is None
    assert [row.post_id for row in first.items] == list(range(10))
    assert paginator.total_items is None


@BOTH
def test_pages_come_in_order_with_their_totals(kind: str) -> None:
    router, _ = posts_router(pages_of(250))
    pages = drain(kind, router, posts, how="pages")
    assert [(p.number, len(p.items), p.total_items, p.total_pages) for p in pages] == [
        (1, 100, 250, 3),
        (2, 100, 250, 3),
        (3, 50, 250, 3),
    ]
    # Typed rows, as iterating the paginator gives them.
    assert [row.post_id for p in pages for row in p.items] == list(range(250))


@BOTH
def test_later_pages_without_pagination_keep_the_number_asked_for(kind: str) -> None:
    pages = pages_of(250)
    for number in (2, 3):  # the totals came with page 1; later pages send only their rows
        pages[number] = httpx.Response(200, json={"data": pages[number].json()["data"]})
    router, _ = posts_router(pages)
    got = drain(kind, router, posts, how="pages")
    assert [(p.number, len(p.items), p.total_items) for p in got] == [
        (1, 100, 250),
        (2, 100, None),
        (3, 50, None),
    ]


@BOTH
def test_drift_raises_or_warns(kind: str) -> None:
    pages = pages_of(300)
    pages[3] = page([post_row(999)], 3, 3, 301)
    router, _ = posts_router(pages)
    with pytest.raises(lr.DriftError, match="totalItems was 300 on page 1 and 301 on page 3"):
        drain(kind, router, posts)
    router, _ = posts_router(pages)
    with pytest.warns(RuntimeWarning, match="totalItems"):
        assert len(drain(kind, router, posts, on_drift="warn")) == 201


@BOTH
def test_the_drift_warning_names_the_callers_line(kind: str) -> None:
    """The warning points at the line iterating the paginator, not into the SDK."""
    pages = pages_of(300)
    pages[3] = page([post_row(999)], 3, 3, 301)
    router, _ = posts_router(pages)

    def walk_sync() -> list[Any]:
        with sync_client(router, on_drift="warn") as client:
            return list(client.posts.performance(start="2025-01-01", end="2025-01-31"))

    async def walk_async() -> list[Any]:
        async with async_client(router, on_drift="warn") as client:
            paginator = client.posts.performance(start="2025-01-01", end="2025-01-31")
            return [row async for row in paginator]

    def walk() -> list[Any]:
        return walk_sync() if kind == "sync" else asyncio.run(walk_async())

    with pytest.warns(RuntimeWarning, match="totalItems") as caught:
        rows = walk()
    assert len(rows) == 201
    assert [w.filename for w in caught] == [__file__]


@BOTH
def test_cursor_paging_is_followed_with_the_same_filters(kind: str) -> None:
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
    rows = drain(kind, router, partial(posts, platforms=["tiktok"], page_size=1))
    assert [r.post_id for r in rows] == [0, 1, 2]
    assert [r.url.params.get("nextCursor") for r in seen] == [None, "c1", "c2"]
    assert all(r.url.params.get_list("platform") == ["tiktok"] for r in seen)
    assert seen[1].url.params["limit"] == "1" and "pageNumber" not in seen[1].url.params


def days_server(days: list[dt.date]) -> tuple[respx.Router, list[httpx.Request]]:
    """Posts by post date (newest first unless ``sortDirection=ASC``), one a page (page
    size 1): one post for each entry of ``days``."""
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        start = dt.date.fromisoformat(request.url.params["startDate"])
        end = dt.date.fromisoformat(request.url.params["endDate"])
        newest_first = request.url.params.get("sortDirection", "DESC") == "DESC"
        inside = sorted((d for d in days if start <= d <= end), reverse=newest_first)
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
    return router, seen


def ranges_asked(seen: list[httpx.Request]) -> list[tuple[str, str]]:
    """The date range of each page 1 asked for, in order."""
    return [
        (r.url.params["startDate"], r.url.params["endDate"])
        for r in seen
        if r.url.params["pageNumber"] == "1"
    ]


def posts_between(start: str, end: str, client: Any, **kwargs: Any) -> Any:
    return client.posts.performance(start=start, end=end, **kwargs)


@BOTH
@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # by post date, newest first: the server's default
        {"date_basis": "post_date", "sort_property": "postDate", "sort_direction": "ASC"},
    ],
    ids=["default", "postDate-ASC"],
)
def test_past_the_page_cap_posts_by_post_date_are_split_and_merged_in_order(
    kind: str, kwargs: dict[str, str]
) -> None:
    # One post per day over 2024-2025 at page size 1: 731 pages, past the 500-page cap.
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(731)]
    router, seen = days_server(days)
    call = partial(posts_between, "2024-01-01", "2025-12-31", page_size=1, **kwargs)
    rows = drain(kind, router, call, how="dicts", concurrency=8)
    ids = [r["postId"] for r in rows]
    assert len(ids) == 731 == len(set(ids))
    assert ids == sorted(ids, reverse=kwargs.get("sort_direction") != "ASC")
    # The whole range, then its halves, each under the cap: nothing else is asked for.
    assert ranges_asked(seen) == [
        ("2024-01-01", "2025-12-31"),
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2025-12-31"),
    ]
    assert len(seen) == 1 + 731


@BOTH
def test_max_items_stops_a_split_walk_across_its_parts(kind: str) -> None:
    # 731 pages split in two parts (2025, then 2024); max_items=600 ends 235 rows into 2024.
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(731)]
    call = partial(posts_between, "2024-01-01", "2025-12-31", page_size=1, max_items=600)
    router, seen = days_server(days)
    pages = drain(kind, router, call, how="pages")
    ids = [row.post_id for p in pages for row in p.items]
    assert len(ids) == 600
    assert ids[364:366] == [20250101, 20241231] and ids[-1] == 20240511
    assert len(seen) == 1 + 2 + 364 + 234  # page 1 of the whole and of each part, then the rest
    router, seen = days_server(days)
    assert [r["postId"] for r in drain(kind, router, call, how="dicts")] == ids


@BOTH
def test_one_day_still_past_the_page_cap_cannot_be_split_further(kind: str) -> None:
    # 501 posts on 2025-03-01 and one the day after: split into days, the first is still
    # past the cap and cannot be split further.
    days = [dt.date(2025, 3, 1)] * 501 + [dt.date(2025, 3, 2)]
    router, seen = days_server(days)
    call = partial(posts_between, "2025-03-01", "2025-03-02", page_size=1)
    with pytest.raises(lr.QueryTooLargeError, match=r"501 rows \(501 pages\), past the server's"):
        drain(kind, router, call, how="dicts")
    assert ranges_asked(seen) == [("2025-03-01", "2025-03-02"), ("2025-03-01", "2025-03-01")]
    assert len(seen) == 2


@BOTH
@pytest.mark.parametrize(
    "kwargs",
    [
        {"sort_property": "impressions"},
        {"date_basis": "performance_date"},
        {"date_basis": "performance_date", "sort_property": "postDate"},
    ],
)
def test_past_the_page_cap_unsplittable_queries_say_what_to_narrow(
    kind: str, kwargs: dict[str, str]
) -> None:
    router, seen = posts_router({1: page([post_row(1)], 1, 600, 60_000)})
    call = partial(posts_between, "2024-01-01", "2025-12-31", **kwargs)
    with pytest.raises(
        lr.QueryTooLargeError,
        match=r"^query: the result has 60000 rows \(600 pages\), past the server's 500-page cap, "
        r"and splitting by date keeps the order only for posts by post date, sorted by postDate; "
        r"narrow the date range or the filters \(instances, campaigns, platforms\)$",
    ) as raised:
        drain(kind, router, call)
    assert raised.value.parameter == "query"
    assert len(seen) == 1  # refused on page 1, before any page of a split is fetched


@BOTH
def test_other_reports_past_the_cap_raise(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    route = router.get("/v2/creators/performance").mock(return_value=page([], 1, 501, 50_100))
    with pytest.raises(
        lr.QueryTooLargeError, match=r"creators\.performance results cannot be split by date"
    ):
        drain(kind, router, lambda c: c.creators.performance(start="2025-01-01", end="2025-01-31"))
    assert route.call_count == 1


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


# --- rows are never lost or repeated silently --------------------------------------------------


def cursor_router(
    chain: dict[str | None, tuple[int, str | None]], *, size: int = 10
) -> tuple[respx.Router, list[str | None]]:
    """A cursor-paging server: ``chain[cursor] = (first row id, next cursor)``."""
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    asked: list[str | None] = []

    def reply(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("nextCursor")
        asked.append(cursor)
        assert len(asked) < 100, "the client kept following cursors"
        start, nxt = chain[cursor]
        rows = [post_row(i) for i in range(start, start + size)]
        return httpx.Response(200, json={"data": rows, "nextCursor": nxt})

    router.get("/v2/posts/performance").mock(side_effect=reply)
    return router, asked


@BOTH
@pytest.mark.parametrize(
    ("chain", "asked"),
    [
        ({None: (0, "c1"), "c1": (10, "c1")}, [None, "c1"]),
        ({None: (0, "c1"), "c1": (10, "c2"), "c2": (20, "c1")}, [None, "c1", "c2"]),
    ],
    ids=["repeats-itself", "cycle"],
)
def test_a_repeating_cursor_is_an_error_not_an_endless_stream(
    kind: str, chain: dict[str | None, tuple[int, str | None]], asked: list[str | None]
) -> None:
    router, seen = cursor_router(chain)
    with pytest.raises(lr.IncompleteResultError, match=r"nextCursor repeats \(.c1.") as raised:
        drain(kind, router, posts)
    assert seen == asked
    assert str(raised.value).startswith("posts.performance: the server's nextCursor repeats")
    assert str(raised.value).endswith(
        "so the walk would never end; the result is incomplete (rows missing or repeated). "
        "Re-run the query; if this persists, the server's paging is broken."
    )


@BOTH
def test_a_repeating_cursor_is_named_by_its_first_40_characters(kind: str) -> None:
    long = "c" * 40 + "-and-more"
    router, seen = cursor_router({None: (0, long), long: (10, long)})
    with pytest.raises(lr.IncompleteResultError, match=r"nextCursor repeats \('c{40}' was already"):
        drain(kind, router, posts)
    assert seen == [None, long]


@BOTH
def test_dicts_are_the_json_the_server_sent(kind: str) -> None:
    rows = [{**post_row(i), "fieldFromTheFuture": i} for i in range(3)]
    router, _ = posts_router({1: page(rows, 1, 1, 3)})
    assert drain(kind, router, posts, how="dicts") == rows
    assert {type(row) for row in drain(kind, router, posts, how="dicts")} == {dict}
    assert [row.post_id for row in drain(kind, router, posts)] == [0, 1, 2]


@BOTH
@pytest.mark.parametrize(("max_items", "requests"), [(150, 15), (25, 3), (10, 1)])
def test_max_items_counts_rows_in_cursor_mode(kind: str, max_items: int, requests: int) -> None:
    chain: dict[str | None, tuple[int, str | None]] = {
        (f"c{n}" if n else None): (n * 10, f"c{n + 1}" if n < 29 else None) for n in range(30)
    }
    router, asked = cursor_router(chain)
    rows = drain(kind, router, partial(posts, max_items=max_items), how="dicts")
    assert [r["postId"] for r in rows] == list(range(max_items))
    assert len(asked) == requests


@BOTH
def test_a_cursor_walk_to_its_end_reads_every_row(kind: str) -> None:
    chain: dict[str | None, tuple[int, str | None]] = {
        None: (0, "a"),
        "a": (10, "b"),
        "b": (20, None),
    }
    router, asked = cursor_router(chain)
    assert [r.post_id for r in drain(kind, router, partial(posts, page_size=10))] == list(range(30))
    assert asked == [None, "a", "b"]
    # Page 1 is numbered; pages reached by cursor have no number.
    router, asked = cursor_router(chain)
    pages = drain(kind, router, partial(posts, page_size=10), how="pages")
    assert [(p.number, p.next_cursor) for p in pages] == [(1, "a"), (None, "b"), (None, None)]


@BOTH
@pytest.mark.parametrize("how", ["rows", "dicts", "pages"])
def test_a_short_page_in_the_middle_is_incomplete(kind: str, how: str) -> None:
    pages = pages_of(300)
    pages[2] = page([post_row(i) for i in range(100, 160)], 2, 3, 300)
    router, _ = posts_router(pages)
    with pytest.raises(lr.IncompleteResultError, match="page 2 of 3 has 60 rows where 100"):
        drain(kind, router, posts, how=how)


@BOTH
def test_a_row_count_other_than_total_items_is_incomplete(kind: str) -> None:
    # totalPages says 2 where 250 rows at 100 a page need 3: the last 50 rows would be lost.
    pages = {
        n: page([post_row(i) for i in range((n - 1) * 100, n * 100)], n, 2, 250) for n in (1, 2)
    }
    router, seen = posts_router(pages)
    with pytest.raises(
        lr.IncompleteResultError, match="200 rows were read but the server reported totalItems 250"
    ):
        drain(kind, router, posts)
    assert len(seen) == 2


@BOTH
def test_a_last_page_shorter_than_it_should_be_is_incomplete(kind: str) -> None:
    pages = pages_of(250)
    pages[3] = page([post_row(i) for i in range(200, 240)], 3, 3, 250)
    router, _ = posts_router(pages)
    with pytest.raises(lr.IncompleteResultError, match="page 3 of 3 has 40 rows where 50"):
        drain(kind, router, posts, how="dicts")


@BOTH
def test_a_page_other_than_the_one_asked_for_is_incomplete(kind: str) -> None:
    pages = pages_of(300)
    pages[2] = pages[1]  # a server ignoring pageNumber answers page 1 again
    router, _ = posts_router(pages)
    with pytest.raises(lr.IncompleteResultError, match=r"page 2 was asked for .* answered page 1"):
        drain(kind, router, posts)


def unpaged(rows: int, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": [post_row(i) for i in range(rows)], **extra})


@BOTH
def test_a_full_page_with_no_pagination_and_no_cursor_is_incomplete(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    router.get("/v2/posts/performance").mock(return_value=unpaged(50))
    with pytest.raises(lr.IncompleteResultError, match="neither 'pagination' nor 'nextCursor'"):
        drain(kind, router, partial(posts, page_size=50))


@BOTH
@pytest.mark.parametrize(
    ("body", "kwargs", "count"),
    [
        (unpaged(50, nextCursor=None), {"page_size": 50}, 50),  # a cursor server's last page
        (unpaged(49), {"page_size": 50}, 49),  # short: nothing follows it
        (unpaged(50), {"page_size": 50, "max_items": 50}, 50),  # max_items reached
        (unpaged(50), {"page_size": 50, "max_items": 20}, 20),
        (unpaged(0), {}, 0),  # empty
        (page([], 1, 0, 0), {}, 0),  # empty, with totals
        (page([], 1, 1, 0), {}, 0),
        (page([post_row(i) for i in range(30)], 1, 1, 30, 50), {"page_size": 50}, 30),
    ],
    ids=[
        "cursor-null",
        "short",
        "max-items-exact",
        "max-items",
        "empty",
        "empty-0",
        "empty-1",
        "short-last",
    ],
)
def test_normal_ends_are_not_incomplete(
    kind: str, body: httpx.Response, kwargs: dict[str, Any], count: int
) -> None:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    router.get("/v2/posts/performance").mock(return_value=body)
    assert len(drain(kind, router, partial(posts, **kwargs), how="dicts")) == count


@BOTH
@pytest.mark.parametrize("max_items", [150, 300, 1000])
def test_max_items_is_not_incompleteness(kind: str, max_items: int) -> None:
    router, seen = posts_router(pages_of(1000))
    rows = drain(kind, router, partial(posts, max_items=max_items), how="dicts")
    assert [r["postId"] for r in rows] == list(range(max_items))
    assert len(seen) == -(-max_items // 100)
    # Page by page, the walk ends after the pages max_items needs, without counting them
    # against totalItems.
    router, seen = posts_router(pages_of(1000))
    pages = drain(kind, router, partial(posts, max_items=max_items), how="pages")
    assert [p.number for p in pages] == list(range(1, -(-max_items // 100) + 1))


@BOTH
def test_a_server_page_size_other_than_the_one_asked_is_followed(kind: str) -> None:
    # Asked for 100 a page, the server pages by 50 and says so: every row is read, and
    # max_items fetches the pages it needs at the server's size.
    pages = pages_of(180, size=50)
    router, _ = posts_router(pages)
    assert len(drain(kind, router, posts, how="dicts")) == 180
    router, seen = posts_router(pages)
    assert len(drain(kind, router, partial(posts, max_items=120), how="dicts")) == 120
    assert len(seen) == 3


@BOTH
def test_empty_pages_past_total_items_lose_nothing(kind: str) -> None:
    # totalPages says 4 where 200 rows need 2: pages 3 and 4 are empty and nothing is missing.
    pages = {
        n: page([post_row(i) for i in range((n - 1) * 100, n * 100)], n, 4, 200) for n in (1, 2)
    }
    pages[3], pages[4] = page([], 3, 4, 200), page([], 4, 4, 200)
    router, seen = posts_router(pages)
    assert len(drain(kind, router, posts, how="dicts")) == 200
    assert len(seen) == 4


def cursor_with_totals(total: int, rows_per_page: int = 10) -> respx.Router:
    """A server sending both ``pagination`` totals and cursors, ``rows_per_page`` per page."""
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())

    def reply(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("nextCursor", "0"))
        stop = min(start + rows_per_page, 50)  # the server holds 50 rows whatever it reports
        pagination = {"page": 1, "pageSize": rows_per_page, "totalPages": 1, "totalItems": total}
        body: dict[str, Any] = {
            "data": [post_row(i) for i in range(start, stop)],
            "nextCursor": str(stop) if stop < 50 else None,
        }
        if start == 0:
            body["pagination"] = {**pagination, "totalPages": -(-total // rows_per_page)}
        return httpx.Response(200, json=body)

    router.get("/v2/posts/performance").mock(side_effect=reply)
    return router


@BOTH
def test_a_cursor_walk_is_counted_against_the_totals_it_was_given(kind: str) -> None:
    assert len(drain(kind, cursor_with_totals(50), posts, how="dicts")) == 50
    with pytest.raises(
        lr.IncompleteResultError, match="50 rows were read but the server reported totalItems 60"
    ):
        drain(kind, cursor_with_totals(60), posts, how="dicts")
    # Stopping at max_items is not a shortfall, page by page either.
    pages = drain(kind, cursor_with_totals(60), partial(posts, max_items=25), how="pages")
    assert sum(len(p.items) for p in pages) == 30


def fresh_cursors(rows_of: Any) -> tuple[respx.Router, list[str | None]]:
    """A server whose every page names a never-seen cursor; ``rows_of(n)`` fills page n."""
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    asked: list[str | None] = []

    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("nextCursor"))
        assert len(asked) < 200, "the client kept following cursors"
        body = {"data": rows_of(len(asked)), "nextCursor": f"nonce-{len(asked)}"}
        return httpx.Response(200, json=body)

    router.get("/v2/posts/performance").mock(side_effect=reply)
    return router, asked


@BOTH
def test_fresh_cursors_serving_the_same_rows_again_are_an_error(kind: str) -> None:
    router, asked = fresh_cursors(lambda n: [post_row(i) for i in range(10)])
    with pytest.raises(
        lr.IncompleteResultError,
        match=r"page 2 holds exactly the rows of an earlier page \(the server is serving the "
        r"same page again\); the result is incomplete",
    ):
        drain(kind, router, posts)
    assert len(asked) == 2


@BOTH
def test_fresh_cursors_with_nothing_but_empty_pages_end(kind: str) -> None:
    router, asked = fresh_cursors(lambda n: [post_row(0)] if n == 1 else [])
    with pytest.raises(
        lr.IncompleteResultError,
        match=r"^posts\.performance: 50 empty pages in a row each came with a new nextCursor, "
        r"so the walk is not advancing; ",
    ):
        drain(kind, router, posts, how="dicts")
    assert len(asked) == 51


@BOTH
def test_a_server_ignoring_page_number_is_caught_even_when_it_numbers_pages_right(
    kind: str,
) -> None:
    pages = pages_of(300)
    pages[3] = page([post_row(i) for i in range(100, 200)], 3, 3, 300)  # page 2's rows again
    router, _ = posts_router(pages)
    with pytest.raises(lr.IncompleteResultError, match="page 3 holds exactly the rows"):
        drain(kind, router, posts, how="dicts")


@BOTH
def test_an_empty_first_page_counts_towards_the_empty_run(kind: str) -> None:
    # Page 1 and the 48 after it are empty (49 in a row, one short of the limit of 50), then
    # rows and the end: nothing is lost and nothing is raised.
    def rows_of(n: int) -> list[dict[str, Any]]:
        return [post_row(7)] if n == 50 else []

    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    asked: list[str | None] = []

    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("nextCursor"))
        n = len(asked)
        body: dict[str, Any] = {"data": rows_of(n)}
        if n < 50:
            body["nextCursor"] = f"nonce-{n}"
        return httpx.Response(200, json=body)

    router.get("/v2/posts/performance").mock(side_effect=reply)
    assert [r["postId"] for r in drain(kind, router, posts, how="dicts")] == [7]
    assert len(asked) == 50


@BOTH
def test_every_page_of_a_walk_carries_the_calls_timeout(kind: str) -> None:
    router, seen = posts_router(pages_of(300))
    rows = drain(kind, router, partial(posts, timeout=7.5), how="dicts")
    assert len(rows) == 300 and len(seen) == 3
    assert [r.extensions["timeout"]["read"] for r in seen] == [7.5, 7.5, 7.5]


@BOTH
def test_a_later_page_failing_raises_its_own_error(kind: str) -> None:
    pages = pages_of(300)
    pages[2] = problem(500, "about:blank", "boom")
    router, _ = posts_router(pages)
    with pytest.raises(lr.ServerError) as caught:
        drain(kind, router, posts, how="dicts", max_retries=0)
    assert caught.value.status_code == 500


def test_page_workers_are_daemon_threads() -> None:
    # A walk left unfinished must never keep the interpreter from exiting.
    router, _ = posts_router(pages_of(300))
    daemons: list[bool] = []
    original = router.routes[1].side_effect

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pageNumber", "1") != "1":
            daemons.append(threading.current_thread().daemon)
        return original(request)

    router.routes[1].side_effect = reply
    assert len(drain("sync", router, posts, how="dicts")) == 300
    assert daemons == [True, True]
