"""Paginators: rows and pages of a list operation, in order, fetched concurrently.

- Page 1 gives the totals; pages 2..N are then fetched ``concurrency`` at a time and
  yielded in order. An empty page does not stop the walk while pages remain.
- A non-null ``nextCursor`` is followed page by page (cursor paging), with the same filters.
- ``totalItems`` changing during one walk is drift: ``DriftError`` or a warning.
- Past the server's 500-page cap, a post query by post date is split into date ranges
  (each under the cap) whose results are concatenated in order; other queries raise
  ``QueryTooLargeError`` naming what to narrow.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import itertools
import queue
import threading
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
)
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from later_reporting import _retry
from later_reporting._errors import DriftError, QueryTooLargeError
from later_reporting._seam import UNSET

T = TypeVar("T")
MAX_PAGES = 500
Body = dict[str, Any]
Params = dict[str, Any]
FetchSync = Callable[[Params], Body]
FetchAsync = Callable[[Params], Awaitable[Body]]
DriftPolicy = Literal["raise", "warn"]


@dataclass
class Page(Generic[T]):
    """One page of results, with the totals the server reported (if any)."""

    items: list[T]
    number: int | None
    total_items: int | None
    total_pages: int | None
    next_cursor: str | None
    raw: Body = field(repr=False)


@dataclass(frozen=True)
class Query:
    """A list query: its base parameters and how to read rows from a body."""

    params: Params
    page_size: int
    rows: Callable[[Body], list[Any]]
    typed_rows: Callable[[Body], list[Any]]
    max_items: int | None = None
    on_drift: DriftPolicy = "raise"
    splittable: bool = False
    split_reason: str = ""
    descending: bool = True


def page_of(body: Body, number: int | None, rows: Callable[[Body], list[Any]]) -> Page[Any]:
    pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else None
    cursor = body.get("nextCursor")
    return Page(
        items=rows(body),
        number=pagination.get("page", number) if pagination else number,
        total_items=pagination.get("totalItems") if pagination else None,
        total_pages=pagination.get("totalPages") if pagination else None,
        next_cursor=cursor if isinstance(cursor, str) and cursor else None,
        raw=body,
    )


def numbered(params: Params, number: int) -> Params:
    return {**params, "page_number": number}


def cursored(params: Params, cursor: str, page_size: int) -> Params:
    return {**params, "page_number": UNSET, "next_cursor": cursor, "limit": page_size}


def later_pages(first: Page[Any], page_size: int, max_items: int | None) -> range:
    """Page numbers after the first that the walk needs."""
    last = first.total_pages or 1
    if max_items is not None:
        last = min(last, -(-max_items // page_size))
    return range(2, min(last, MAX_PAGES) + 1)


def check_drift(first: Page[Any], page: Page[Any], policy: DriftPolicy) -> None:
    if page.total_items is None or first.total_items is None:
        return
    if page.total_items != first.total_items:
        message = (
            f"the result changed while it was being read: totalItems was "
            f"{first.total_items} on page 1 and {page.total_items} on page {page.number}; "
            "rows may be duplicated or missing. Re-run the query."
        )
        if policy == "raise":
            raise DriftError(message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def too_large(first: Page[Any], query: Query) -> bool:
    return (first.total_pages or 0) > MAX_PAGES


def halves(start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    middle = start + (end - start) // 2
    return (start, middle), (middle + dt.timedelta(days=1), end)


def split_error(query: Query, first: Page[Any]) -> QueryTooLargeError:
    return QueryTooLargeError(
        "query",
        f"the result has {first.total_items} rows ({first.total_pages} pages), past "
        f"the server's {MAX_PAGES}-page cap, and {query.split_reason or 'cannot be split'}; "
        "narrow the date range or the filters (instances, campaigns, platforms)",
    )


def with_range(params: Params, start: dt.date, end: dt.date) -> Params:
    return {**params, "start_date": start, "end_date": end}


def next_numbers(
    numbers: Iterator[int], window: collections.deque[Any], concurrency: int
) -> list[int]:
    """Page numbers to start now: ``concurrency`` fetches in flight, whatever their order,
    and at most twice that many pages fetched ahead of the one the consumer waits for."""
    running = sum(1 for f in window if not f.done())
    room = min(concurrency - running, 2 * concurrency - len(window))
    return list(itertools.islice(numbers, max(room, 0)))


class PageWorkers:
    """Up to ``size`` daemon threads fetching pages for one walk.

    Not a ``ThreadPoolExecutor``: it joins its threads on shutdown and at interpreter exit,
    so a fetch sleeping through ``Retry-After`` or stuck on a stalled server would hold up
    Ctrl-C. :meth:`abandon` ends the waits of running fetches at once and lets the threads
    go; nothing joins them, and a fetch that still finishes has its result dropped.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.abandoned = threading.Event()
        self._jobs: queue.SimpleQueue[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None
        ]
        self._jobs = queue.SimpleQueue()
        self._threads = 0

    def submit(self, get: Callable[..., Page[Any]], *args: Any) -> Future[Page[Any]]:
        future: Future[Page[Any]] = Future()
        self._jobs.put((future, get, args))
        if self._threads < self.size:
            self._threads += 1
            threading.Thread(target=self._work, name="later-reporting-page", daemon=True).start()
        return future

    def _work(self) -> None:
        with _retry.abandoned_with(self.abandoned):
            while (job := self._jobs.get()) is not None:
                future, get, args = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(get(*args))
                except BaseException as error:  # handed to the consumer via the future
                    future.set_exception(error)

    def abandon(self) -> None:
        self.abandoned.set()
        for _ in range(self._threads):
            self._jobs.put(None)  # each idle or finishing thread ends


class Paginator(Generic[T]):
    """Rows (``for row in ...``) and pages (``.pages()``) of a list operation."""

    def __init__(self, query: Query, fetch: FetchSync, concurrency: int) -> None:
        self._query = query
        self._fetch = fetch
        self._concurrency = concurrency
        self._first: Page[Any] | None = None

    @property
    def total_items(self) -> int | None:
        return self._first.total_items if self._first else None

    @property
    def total_pages(self) -> int | None:
        return self._first.total_pages if self._first else None

    def first_page(self) -> Page[T]:
        if self._first is None:
            self._first = self._get(numbered(self._query.params, 1), 1, typed=True)
        return self._first

    def __iter__(self) -> Iterator[T]:
        return self._rows(typed=True)

    def dicts(self) -> Generator[Any, None, None]:
        """Rows as the JSON the server sent (no model parsing): the fast path for export."""
        return self._rows(typed=False)

    def to_list(self) -> list[T]:
        return list(self)

    def pages(self) -> Iterator[Page[T]]:
        return self._pages(typed=True)

    def _rows(self, typed: bool) -> Generator[Any, None, None]:
        count, limit = 0, self._query.max_items
        pages = self._pages(typed)
        try:
            for page in pages:
                for item in page.items:
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield item
        finally:
            pages.close()  # stop in-flight page fetches now, not at garbage collection

    def _get(self, params: Params, number: int | None, typed: bool) -> Page[Any]:
        body = self._fetch(params)
        return page_of(body, number, self._query.typed_rows if typed else self._query.rows)

    def _pages(self, typed: bool) -> Generator[Page[Any], None, None]:
        query = self._query
        first = self._get(numbered(query.params, 1), 1, typed)
        self._first = first
        if not too_large(first, query):
            yield from self._walk(query.params, first, typed)
            return
        if not query.splittable:
            raise split_error(query, first)
        leaves = self._split(query.params, first, typed)
        for params, leaf_first in reversed(leaves) if query.descending else leaves:
            yield from self._walk(params, leaf_first, typed)

    def _split(
        self, params: Params, first: Page[Any], typed: bool
    ) -> list[tuple[Params, Page[Any]]]:
        start, end = params["start_date"], params["end_date"]
        if not too_large(first, self._query):
            return [(params, first)]
        if start == end:
            raise split_error(self._query, first)
        out = []
        for a, b in halves(start, end):
            sub = with_range(params, a, b)
            out.extend(self._split(sub, self._get(numbered(sub, 1), 1, typed), typed))
        return out

    def _walk(self, params: Params, first: Page[Any], typed: bool) -> Iterator[Page[Any]]:
        query = self._query
        yield first
        if first.next_cursor:
            page, seen = first, 1
            while page.next_cursor and (
                query.max_items is None or seen * query.page_size < query.max_items
            ):
                page = self._get(cursored(params, page.next_cursor, query.page_size), None, typed)
                seen += 1
                yield page
            return
        numbers = iter(later_pages(first, query.page_size, query.max_items))
        workers, finished = PageWorkers(self._concurrency), threading.Event()
        window: collections.deque[Future[Page[Any]]] = collections.deque()

        def top_up() -> None:
            for number in next_numbers(numbers, window, self._concurrency):
                future = workers.submit(self._get, numbered(params, number), number, typed)
                future.add_done_callback(lambda _: finished.set())
                window.append(future)

        try:
            while True:
                finished.clear()  # a fetch finishing from here on wakes the wait below
                top_up()
                if not window:
                    break
                if not window[0].done():
                    finished.wait()  # a later page finished first: top up, keep waiting
                    continue
                page = window.popleft().result()
                top_up()
                check_drift(first, page, query.on_drift)
                yield page
        finally:
            for future in window:
                future.cancel()
            workers.abandon()  # waits in running fetches end now; nothing joins them


class AsyncPaginator(Generic[T]):
    """Rows (``async for row in ...``) and pages (``.pages()``) of a list operation."""

    def __init__(self, query: Query, fetch: FetchAsync, concurrency: int) -> None:
        self._query = query
        self._fetch = fetch
        self._concurrency = concurrency
        self._first: Page[Any] | None = None

    @property
    def total_items(self) -> int | None:
        return self._first.total_items if self._first else None

    @property
    def total_pages(self) -> int | None:
        return self._first.total_pages if self._first else None

    async def first_page(self) -> Page[T]:
        if self._first is None:
            self._first = await self._get(numbered(self._query.params, 1), 1, typed=True)
        return self._first

    def __aiter__(self) -> AsyncIterator[T]:
        return self._rows(typed=True)

    def dicts(self) -> AsyncGenerator[Any, None]:
        """Rows as the JSON the server sent (no model parsing): the fast path for export."""
        return self._rows(typed=False)

    async def to_list(self) -> list[T]:
        return [row async for row in self]

    def pages(self) -> AsyncIterator[Page[T]]:
        return self._pages(typed=True)

    async def _rows(self, typed: bool) -> AsyncGenerator[Any, None]:
        count, limit = 0, self._query.max_items
        pages = self._pages(typed)
        try:
            async for page in pages:
                for item in page.items:
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield item
        finally:
            await pages.aclose()  # cancel in-flight page fetches now

    async def _get(self, params: Params, number: int | None, typed: bool) -> Page[Any]:
        body = await self._fetch(params)
        return page_of(body, number, self._query.typed_rows if typed else self._query.rows)

    async def _pages(self, typed: bool) -> AsyncGenerator[Page[Any], None]:
        query = self._query
        first = await self._get(numbered(query.params, 1), 1, typed)
        self._first = first
        if not too_large(first, query):
            async for page in self._walk(query.params, first, typed):
                yield page
            return
        if not query.splittable:
            raise split_error(query, first)
        leaves = await self._split(query.params, first, typed)
        for params, leaf_first in reversed(leaves) if query.descending else leaves:
            async for page in self._walk(params, leaf_first, typed):
                yield page

    async def _split(
        self, params: Params, first: Page[Any], typed: bool
    ) -> list[tuple[Params, Page[Any]]]:
        start, end = params["start_date"], params["end_date"]
        if not too_large(first, self._query):
            return [(params, first)]
        if start == end:
            raise split_error(self._query, first)
        out = []
        for a, b in halves(start, end):
            sub = with_range(params, a, b)
            out.extend(await self._split(sub, await self._get(numbered(sub, 1), 1, typed), typed))
        return out

    async def _walk(
        self, params: Params, first: Page[Any], typed: bool
    ) -> AsyncIterator[Page[Any]]:
        query = self._query
        yield first
        if first.next_cursor:
            page, seen = first, 1
            while page.next_cursor and (
                query.max_items is None or seen * query.page_size < query.max_items
            ):
                page = await self._get(
                    cursored(params, page.next_cursor, query.page_size), None, typed
                )
                seen += 1
                yield page
            return
        numbers = iter(later_pages(first, query.page_size, query.max_items))
        window: collections.deque[asyncio.Task[Page[Any]]] = collections.deque()

        def top_up() -> None:
            for number in next_numbers(numbers, window, self._concurrency):
                window.append(
                    asyncio.ensure_future(self._get(numbered(params, number), number, typed))
                )

        try:
            top_up()
            while window:
                if not window[0].done():
                    running = [t for t in window if not t.done()]
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    top_up()  # a later page finished first: keep `concurrency` in flight
                    continue
                page = window.popleft().result()
                top_up()
                check_drift(first, page, query.on_drift)
                yield page
        finally:
            for task in window:
                if task.done() and not task.cancelled():
                    task.exception()  # seen here, so asyncio does not log it as never retrieved
                task.cancel()
