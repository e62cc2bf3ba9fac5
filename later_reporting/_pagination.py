"""Paginators: rows and pages of a list operation, in order, fetched concurrently.

- Page 1 gives the totals; pages 2..N are then fetched ``concurrency`` at a time and
  yielded in order; nothing but ``max_items`` (or an error) ends a walk before its last page.
- A non-null ``nextCursor`` is followed page by page (cursor paging), with the same filters;
  ``max_items`` counts rows there too.
- ``totalItems`` changing during one walk is drift: ``DriftError`` or a warning.
- Otherwise every walk is counted (``Tally``): a page whose row count is not what the totals
  imply, a final count other than ``totalItems``, a full page that names no next page, a page
  other than the one asked for, a page repeating an earlier page's rows, a ``nextCursor``
  followed twice, or ``MAX_EMPTY_RUN`` empty cursor pages in a row raise
  ``IncompleteResultError`` instead of ending normally (or never) with rows missing or
  repeated.
- Past the server's 500-page cap, a post query by post date is split into date ranges
  (each under the cap) whose results are concatenated in order; other queries raise
  ``QueryTooLargeError`` naming what to narrow.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import itertools
import os
import queue
import sys
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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from later_reporting import _frames, _retry
from later_reporting._config import DriftPolicy
from later_reporting._errors import DriftError, IncompleteResultError, QueryTooLargeError
from later_reporting._operations import Operation
from later_reporting._seam import UNSET, parse, rows_of

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

T = TypeVar("T")
MAX_PAGES = 500
# Empty pages in a row, each with a fresh nextCursor, after which a cursor walk is taken to be
# going nowhere (a server that never ends it) rather than scanning towards more rows.
MAX_EMPTY_RUN = 50
Body = dict[str, Any]
Params = dict[str, Any]
Send = Callable[[Operation, Params, "float | None"], Body]  # the client's _send
SendAsync = Callable[[Operation, Params, "float | None"], Awaitable[Body]]


@dataclass
class Page(Generic[T]):
    """One page of results, with the totals the server reported (if any).

    Attributes:
        items: The page's rows: typed models from ``pages()``, JSON dicts from a walk of
            ``dicts()``.
        number: The page number (1-based), or ``None`` for a page reached by cursor.
        total_items: ``pagination.totalItems`` of this page, or ``None`` when the server
            pages by cursor and sends no totals.
        total_pages: ``pagination.totalPages``, or ``None`` likewise.
        next_cursor: The server's ``nextCursor`` (cursor paging), or ``None`` on the last
            page and on servers that page by number.
        raw: The whole JSON body of the page, as the server sent it.
    """

    items: list[T]
    number: int | None
    total_items: int | None
    total_pages: int | None
    next_cursor: str | None
    raw: Body = field(repr=False)


@dataclass(frozen=True)
class Query:
    """A validated list query: its operation, base parameters and how to walk it."""

    op: Operation
    params: Params
    page_size: int
    timeout: float | None = None
    max_items: int | None = None
    on_drift: DriftPolicy = "raise"
    splittable: bool = False
    descending: bool = True

    @property
    def operation(self) -> str:
        return self.op.name

    def page(self, body: Body, number: int | None, typed: bool) -> Page[Any]:
        """The page of a body, its rows read through the operation (typed or as JSON)."""
        return page_of(
            body, number, lambda b: typed_rows(self.op, b) if typed else rows_of(self.op, b)
        )


def typed_rows(op: Operation, body: Body) -> list[Any]:
    """The rows of a body as the operation's models (the envelope checked first)."""
    data = parse(op, body).data
    return list(getattr(data, "instance_ids", data))


@dataclass(frozen=True)
class Fetch:
    """A step of a walk: fetch the page of these parameters, send it back."""

    params: Params
    number: int | None


@dataclass(frozen=True)
class Emit:
    """A step of a walk: hand this page to the consumer."""

    page: Page[Any]


@dataclass(frozen=True)
class Window:
    """A step of a walk: fetch the tally's page numbers concurrently, check and hand each on."""

    params: Params
    tally: Tally


Step = Fetch | Emit | Window
Flow = Generator[Step, Any, None]  # sent back: the page of each Fetch


def page_size_for(page_size: int, max_items: int | None) -> int:
    """The page size to ask for: no more rows a page than ``max_items`` wants in all.

    ``max_items=5`` with the default ``page_size=100`` asks for ``pageSize=5``.
    """
    return page_size if max_items is None else min(page_size, max_items)


def page_of(body: Body, number: int | None, rows: Callable[[Body], list[Any]]) -> Page[Any]:
    """The page of a body; ``rows`` checks the body's envelope before anything reads it."""
    items = rows(body)
    pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else None
    cursor = body.get("nextCursor")
    return Page(
        items=items,
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


PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def outside_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning issued by the caller of this function name
    the first frame outside the SDK: the user's line iterating the paginator, however many
    generators of the walk sit between."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


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
        warnings.warn(message, RuntimeWarning, stacklevel=outside_stacklevel())


def drifted(first: Page[Any], page: Page[Any]) -> bool:
    return (
        page.total_items is not None
        and first.total_items is not None
        and page.total_items != first.total_items
    )


def page_size_of(first: Page[Any], asked: int) -> int:
    """The page size the server says it used (``pagination.pageSize``), else the one asked."""
    pagination = first.raw.get("pagination")
    size = pagination.get("pageSize") if isinstance(pagination, dict) else None
    return size if isinstance(size, int) and size > 0 else asked


def expected_rows(total_items: int, page_size: int, number: int) -> int:
    """How many rows page ``number`` holds when the result has ``total_items`` rows."""
    return max(0, min(page_size, total_items - (number - 1) * page_size))


def rows_fingerprint(body: Body) -> int:
    """A cheap identity of a non-empty page's rows: their count, first and last row."""
    data = body.get("data")
    rows = data.get("instanceIds") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        return 0
    return hash(repr((len(rows), rows[0], rows[-1])))


class Tally:
    """One walk's rows counted against what its first page said. Pure: no I/O.

    The walk calls ``check(page)`` before yielding each page (the first included),
    ``next_cursor(page)`` to learn which cursor to follow, and ``finish()`` after its last
    page. A legitimately short last page, an empty result and stopping at ``max_items`` are
    normal ends; once ``totalItems`` moves (drift, reported by ``check_drift``) the counts
    mean nothing and are not compared.
    """

    def __init__(self, first: Page[Any], query: Query) -> None:
        self.first = first
        self.operation = query.operation
        self.policy = query.on_drift
        self.max_items = query.max_items
        self.page_size = page_size_of(first, query.page_size)
        self.numbers = later_pages(first, self.page_size, query.max_items)
        # A page-number walk reads every row only when max_items does not stop it early.
        self.whole = bool(first.next_cursor) or self.numbers.stop - 1 >= (first.total_pages or 1)
        self.rows = 0
        self.pages = 0
        self.drifted = False
        self.followed: set[str] = set()
        self.contents: set[int] = set()  # a fingerprint of each non-empty page's rows
        self.empty_run = 0

    def _fail(self, problem: str) -> IncompleteResultError:
        return IncompleteResultError(
            f"{self.operation}: {problem}; the result is incomplete (rows missing or "
            "repeated). Re-run the query; if this persists, the server's paging is broken."
        )

    def reached(self) -> bool:
        return self.max_items is not None and self.rows >= self.max_items

    def _name(self, page: Page[Any]) -> str:
        return f"page {page.number}" if page.number is not None else f"page {self.pages}"

    def check(self, page: Page[Any]) -> None:
        self.drifted = self.drifted or drifted(self.first, page)
        check_drift(self.first, page, self.policy)
        self.rows += len(page.items)
        self.pages += 1
        self.empty_run = 0 if page.items else self.empty_run + 1
        if self.drifted:
            return
        if not self.first.next_cursor and page.number is not None and page.number != self.pages:
            # A page-number walk asks for pages 1, 2, ... in order; the server numbers its answer.
            raise self._fail(
                f"page {self.pages} was asked for and the server answered page {page.number}"
            )
        if page.items:
            fingerprint = rows_fingerprint(page.raw)
            if fingerprint in self.contents:
                raise self._fail(
                    f"{self._name(page)} holds exactly the rows of an earlier page (the server "
                    "is serving the same page again)"
                )
            self.contents.add(fingerprint)
        total = self.first.total_items
        if total is not None and page.number is not None:
            expected = expected_rows(total, self.page_size, page.number)
            if len(page.items) != expected:
                raise self._fail(
                    f"page {page.number} of {self.first.total_pages} has {len(page.items)} "
                    f"rows where {expected} were expected (totalItems {total}, pageSize "
                    f"{self.page_size})"
                )
        unterminated = (
            self.first.total_pages is None
            and "nextCursor" not in page.raw
            and len(page.items) >= self.page_size
        )
        if unterminated and not self.reached():
            raise self._fail(
                f"a full page ({len(page.items)} rows at pageSize {self.page_size}) came with "
                "neither 'pagination' nor 'nextCursor', so the rows after it cannot be read"
            )

    def next_cursor(self, page: Page[Any]) -> str | None:
        """The cursor to follow after ``page``, or ``None`` when the walk is done."""
        cursor = page.next_cursor
        if cursor is None:
            return None
        if self.reached():
            self.whole = False
            return None
        if self.empty_run >= MAX_EMPTY_RUN:
            raise self._fail(
                f"{self.empty_run} empty pages in a row each came with a new nextCursor, so "
                "the walk is not advancing"
            )
        if cursor in self.followed:
            raise self._fail(
                f"the server's nextCursor repeats ({cursor[:40]!r} was already followed; "
                f"{self.pages} pages and {self.rows} rows read), so the walk would never end"
            )
        self.followed.add(cursor)
        return cursor

    def finish(self) -> None:
        total = self.first.total_items
        if self.drifted or not self.whole or total is None or self.rows == total:
            return
        raise self._fail(f"{self.rows} rows were read but the server reported totalItems {total}")


def too_large(first: Page[Any], query: Query) -> bool:
    """Whether the walk needs pages past the server's cap (``max_items`` may stop it sooner)."""
    needed = first.total_pages or 0
    if query.max_items is not None:
        needed = min(needed, -(-query.max_items // page_size_of(first, query.page_size)))
    return needed > MAX_PAGES


def halves(start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    middle = start + (end - start) // 2
    return (start, middle), (middle + dt.timedelta(days=1), end)


def split_error(query: Query, first: Page[Any]) -> QueryTooLargeError:
    return QueryTooLargeError(
        "query",
        f"the result has {first.total_items} rows ({first.total_pages} pages), past "
        f"the server's {MAX_PAGES}-page cap, and {query.op.split_reason}; "
        "narrow the date range or the filters (instances, campaigns, platforms)",
    )


def with_range(params: Params, start: dt.date, end: dt.date) -> Params:
    return {**params, "start_date": start, "end_date": end}


def split(
    query: Query, params: Params, first: Page[Any]
) -> Generator[Step, Any, list[tuple[Params, Page[Any]]]]:
    """The date ranges (with their first pages) that keep each part under the page cap."""
    if not too_large(first, query):
        return [(params, first)]
    start, end = params["start_date"], params["end_date"]
    if start == end:
        raise split_error(query, first)
    out = []
    for a, b in halves(start, end):
        sub = with_range(params, a, b)
        sub_first = yield Fetch(numbered(sub, 1), 1)
        out.extend((yield from split(query, sub, sub_first)))
    return out


def walk(query: Query) -> Flow:
    """Every step of one walk, page 1 to the last row: the planning, and no I/O.

    Yields :class:`Fetch` (the driver sends back the page), :class:`Emit` (a page for the
    consumer) and :class:`Window` (the driver fetches those page numbers concurrently,
    checking each with the tally). The sync and the async paginator drive the same flow.
    """
    first = yield Fetch(numbered(query.params, 1), 1)
    leaves = [(query.params, first)]
    if too_large(first, query):
        if not query.splittable:
            raise split_error(query, first)
        leaves = yield from split(query, query.params, first)
        if query.descending:
            leaves.reverse()
    left = query.max_items  # rows max_items still wants: a split walk's parts share it
    for params, leaf_first in leaves:
        tally = Tally(leaf_first, query if left is None else replace(query, max_items=left))
        tally.check(leaf_first)
        yield Emit(leaf_first)
        if leaf_first.next_cursor:
            page = leaf_first
            while (cursor := tally.next_cursor(page)) is not None:
                page = yield Fetch(cursored(params, cursor, query.page_size), None)
                tally.check(page)
                yield Emit(page)
        else:
            yield Window(params, tally)
        tally.finish()
        if left is not None:
            left -= tally.rows
            if left <= 0:
                return


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


class _Totals(Generic[T]):
    """What both paginators share: the query, and the totals page 1 reported."""

    def __init__(self, query: Query, concurrency: int) -> None:
        self._query = query
        self._concurrency = concurrency
        self._first: Page[Any] | None = None

    @property
    def total_items(self) -> int | None:
        """``totalItems`` from page 1; ``None`` until page 1 is fetched, or under cursor
        paging (no totals)."""
        return self._first.total_items if self._first else None

    @property
    def total_pages(self) -> int | None:
        """``totalPages`` from page 1; ``None`` until page 1 is fetched, or under cursor
        paging."""
        return self._first.total_pages if self._first else None


class Paginator(_Totals[T]):
    """Rows (``for row in paginator``) and pages (``paginator.pages()``) of a list operation.

    Returned by every list operation; nothing is fetched until you iterate. Page 1 is
    fetched first and gives the totals; later pages are then fetched ``concurrency`` at a
    time (the client's setting) and come out in order. A server that pages by cursor
    (``nextCursor``) is followed page by page. Past the server's 500-page cap, a post query
    by post date is split into date ranges and merged in order; other queries raise
    ``QueryTooLargeError``.

    A walk never ends normally with rows missing: a short page before the last, a row count
    other than ``totalItems``, a page repeating an earlier one or a repeating ``nextCursor``
    raise ``IncompleteResultError``; ``totalItems`` changing mid-walk raises
    ``DriftError`` (or warns, with the client's ``on_drift="warn"``). ``max_items``
    (an argument of each list method) stops the walk after that many rows.

    Each iteration (of rows, ``pages()`` or ``dicts()``) walks the result again from page 1.

    Example:
        ```python
        posts = client.posts.performance(start="2025-01-01", end="2025-01-31", max_items=10)
        for post in posts:
            print(post.post_id, post.impressions)
        print(posts.total_items)
        ```
    """

    def __init__(self, send: Send, query: Query, concurrency: int) -> None:
        super().__init__(query, concurrency)
        self._send = send

    def first_page(self) -> Page[T]:
        """Page 1, fetched once and kept (so ``total_items`` is known without a walk)."""
        if self._first is None:
            self._first = self._get(numbered(self._query.params, 1), 1, typed=True)
        return self._first

    def __iter__(self) -> Iterator[T]:
        """Every row, typed, in order, across pages (up to ``max_items``)."""
        return self._rows(typed=True)

    def dicts(self) -> Generator[Any, None, None]:
        """Rows as the JSON dicts the server sent, without model parsing: the fast path.

        The same walk and the same checks as iterating the paginator (a body that breaks
        the schema raises ``UnexpectedResponseError``); keys are the API's camelCase
        names, and fields the spec does not name yet are kept.
        """
        return self._rows(typed=False)

    def to_list(self) -> list[T]:
        """Every row, typed, in one list (mind the size: ``max_items`` bounds it)."""
        return list(self)

    def pages(self) -> Iterator[Page[T]]:
        """Every page, in order, each a ``Page`` of typed rows with the totals."""
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
        query = self._query
        return query.page(self._send(query.op, params, query.timeout), number, typed)

    def _pages(self, typed: bool) -> Generator[Page[Any], None, None]:
        flow, reply, fetched = walk(self._query), None, 0
        try:
            while True:
                try:
                    step = flow.send(reply)
                except StopIteration:
                    return
                reply = None
                if isinstance(step, Fetch):
                    reply = self._get(step.params, step.number, typed)
                    if not fetched:
                        self._first = reply
                    fetched += 1
                elif isinstance(step, Emit):
                    yield step.page
                else:
                    yield from self._window(step.params, step.tally, typed)
        finally:
            flow.close()

    def _window(self, params: Params, tally: Tally, typed: bool) -> Iterator[Page[Any]]:
        numbers = iter(tally.numbers)
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
                tally.check(page)
                yield page
        finally:
            for future in window:
                future.cancel()
            workers.abandon()  # waits in running fetches end now; nothing joins them

    def iter_arrow(self) -> Iterator[pyarrow.RecordBatch]:
        """One ``pyarrow.RecordBatch`` per page, as pages arrive (memory stays flat).

        Columns are the file export's (flat snake_case names; counts and ids ``int64``,
        metrics ``float64``, dates ``date32``); only requested metrics are columns. Needs
        pyarrow (``later-reporting[parquet]``).
        """
        return _frames.iter_arrow(self._query, self._pages(typed=False))

    def to_arrow(self) -> pyarrow.Table:
        """Every row (up to ``max_items``) as one ``pyarrow.Table`` with the export's columns."""
        return _frames.to_arrow(self._query, self._pages(typed=False))

    def to_pandas(self) -> pandas.DataFrame:
        """Every row as a ``pandas.DataFrame`` with the export's columns (counts ``Int64``).

        Needs the ``later-reporting[pandas]`` extra.
        """
        return _frames.to_pandas(self._query, self._pages(typed=False))  # type: ignore[no-any-return]

    def to_polars(self) -> polars.DataFrame:
        """Every row as a ``polars.DataFrame`` with the export's columns and types.

        Needs the ``later-reporting[polars]`` extra.
        """
        return _frames.to_polars(self._query, self._pages(typed=False))  # type: ignore[no-any-return]


class AsyncPaginator(_Totals[T]):
    """Rows (``async for row in paginator``) and pages (``paginator.pages()``) of a list operation.

    Returned by every list operation; nothing is fetched until you iterate. Page 1 is
    fetched first and gives the totals; later pages are then fetched ``concurrency`` at a
    time (the client's setting) and come out in order. A server that pages by cursor
    (``nextCursor``) is followed page by page. Past the server's 500-page cap, a post query
    by post date is split into date ranges and merged in order; other queries raise
    ``QueryTooLargeError``.

    A walk never ends normally with rows missing: a short page before the last, a row count
    other than ``totalItems``, a page repeating an earlier one or a repeating ``nextCursor``
    raise ``IncompleteResultError``; ``totalItems`` changing mid-walk raises
    ``DriftError`` (or warns, with the client's ``on_drift="warn"``). ``max_items``
    (an argument of each list method) stops the walk after that many rows.

    Each iteration (of rows, ``pages()`` or ``dicts()``) walks the result again from page 1.

    Example:
        ```python
        posts = client.posts.performance(start="2025-01-01", end="2025-01-31", max_items=10)
        async for post in posts:
            print(post.post_id, post.impressions)
        ```
    """

    def __init__(self, send: SendAsync, query: Query, concurrency: int) -> None:
        super().__init__(query, concurrency)
        self._send = send

    async def first_page(self) -> Page[T]:
        """Page 1, fetched once and kept (so ``total_items`` is known without a walk)."""
        if self._first is None:
            self._first = await self._get(numbered(self._query.params, 1), 1, typed=True)
        return self._first

    def __aiter__(self) -> AsyncIterator[T]:
        """Every row, typed, in order, across pages (up to ``max_items``)."""
        return self._rows(typed=True)

    def dicts(self) -> AsyncGenerator[Any, None]:
        """Rows as the JSON dicts the server sent, without model parsing: the fast path.

        The same walk and the same checks as iterating the paginator (a body that breaks
        the schema raises ``UnexpectedResponseError``); keys are the API's camelCase
        names, and fields the spec does not name yet are kept.
        """
        return self._rows(typed=False)

    async def to_list(self) -> list[T]:
        """Every row, typed, in one list (mind the size: ``max_items`` bounds it)."""
        return [row async for row in self]

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, in order, each a ``Page`` of typed rows with the totals."""
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
        query = self._query
        return query.page(await self._send(query.op, params, query.timeout), number, typed)

    async def _pages(self, typed: bool) -> AsyncGenerator[Page[Any], None]:
        flow, reply, fetched = walk(self._query), None, 0
        try:
            while True:
                try:
                    step = flow.send(reply)
                except StopIteration:
                    return
                reply = None
                if isinstance(step, Fetch):
                    reply = await self._get(step.params, step.number, typed)
                    if not fetched:
                        self._first = reply
                    fetched += 1
                elif isinstance(step, Emit):
                    yield step.page
                else:
                    window = self._window(step.params, step.tally, typed)
                    try:
                        async for page in window:
                            yield page
                    finally:
                        await window.aclose()  # cancel in-flight page fetches now
        finally:
            flow.close()

    async def _window(
        self, params: Params, tally: Tally, typed: bool
    ) -> AsyncGenerator[Page[Any], None]:
        numbers = iter(tally.numbers)
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
                tally.check(page)
                yield page
        finally:
            for task in window:
                if task.done() and not task.cancelled():
                    task.exception()  # seen here, so asyncio does not log it as never retrieved
                task.cancel()

    def iter_arrow(self) -> AsyncIterator[pyarrow.RecordBatch]:
        """One ``pyarrow.RecordBatch`` per page, as pages arrive (memory stays flat).

        Columns are the file export's (flat snake_case names; counts and ids ``int64``,
        metrics ``float64``, dates ``date32``); only requested metrics are columns. Needs
        pyarrow (``later-reporting[parquet]``).
        """
        return _frames.aiter_arrow(self._query, self._pages(typed=False))

    async def to_arrow(self) -> pyarrow.Table:
        """Every row (up to ``max_items``) as one ``pyarrow.Table`` with the export's columns."""
        return await _frames.ato_arrow(self._query, self._pages(typed=False))

    async def to_pandas(self) -> pandas.DataFrame:
        """Every row as a ``pandas.DataFrame`` with the export's columns (counts ``Int64``).

        Needs the ``later-reporting[pandas]`` extra.
        """
        return await _frames.ato_pandas(self._query, self._pages(typed=False))  # type: ignore[no-any-return]

    async def to_polars(self) -> polars.DataFrame:
        """Every row as a ``polars.DataFrame`` with the export's columns and types.

        Needs the ``later-reporting[polars]`` extra.
        """
        return await _frames.ato_polars(self._query, self._pages(typed=False))  # type: ignore[no-any-return]
