"""The httpx transports that apply the rate budget and the retry policy to every request.

They wrap the user's transport (or httpx's default). Each attempt reads the whole body
inside the retry loop, so a connection dropped mid-body is retried like any other
connection error, a body that drips past the request's total timeout is a timeout, and a
body larger than ``max_response_bytes`` is refused. Bodies are decoded as they arrive
(gzip, deflate: see ``_compression``); the size cap applies to the decoded size, and a
corrupt compressed body fails the attempt like a truncated one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from later_reporting import _retry
from later_reporting._compression import ACCEPT_ENCODING, BodyDecoder
from later_reporting._errors import UnexpectedResponseError, parse_retry_after
from later_reporting._logging import logger
from later_reporting._ratelimit import RETRY_AFTER, RateBudget

TOTAL_TIMEOUT = "later_reporting.total_timeout"
MAX_RETRIES = "later_reporting.max_retries"
"""Request extension: this request's ``max_retries`` (a client from ``with_options``)."""
CEILING = "later_reporting.ceiling"
"""Request extension: a ``RateBudget`` the request passes besides the client's shared one."""
BACKOFF = "backoff"


@dataclass
class RetryPolicy:
    max_retries: int = 2
    max_response_bytes: int = 64 * 1024 * 1024


def _deadline(request: httpx.Request) -> float | None:
    total = request.extensions.get(TOTAL_TIMEOUT)
    return time.monotonic() + float(total) if total else None


def _check_size(size: int, limit: int, response: httpx.Response) -> None:
    if size > limit:  # the caller closes the response (sync or async)
        raise UnexpectedResponseError(
            f"the response body is larger than {limit} bytes; refusing to read it", response
        )


def _check_deadline(deadline: float | None, request: httpx.Request) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise httpx.ReadTimeout(
            "the response did not complete within the request's timeout", request=request
        )


def _declared_length(response: httpx.Response) -> int:
    try:
        return int(response.headers.get("content-length", "0"))
    except ValueError:
        return 0


class _Body:
    """One attempt's body: decoded as it arrives, within the size cap and the deadline.

    The cap applies to the decoded size, checked after every decoded piece (at most
    ``_compression.STEP`` bytes), so a small compressed body that would expand past the cap
    is refused before it is expanded.
    """

    def __init__(self, response: httpx.Response, request: httpx.Request, limit: int) -> None:
        self.response, self.request, self.limit = response, request, limit
        self.deadline = _deadline(request)
        _check_size(_declared_length(response), limit, response)
        self.done = hasattr(response, "_content")  # an in-memory response (a mock): read
        if self.done:
            _check_size(len(response.content), limit, response)
            return
        self.decoder = BodyDecoder(response)
        self.pieces: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        _check_deadline(self.deadline, self.request)
        self._keep(self.decoder.feed(chunk))

    def finish(self) -> None:
        self._keep(self.decoder.finish())
        self.response._content = b"".join(self.pieces)
        _check_deadline(self.deadline, self.request)

    def _keep(self, pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            self.size += len(piece)
            _check_size(self.size, self.limit, self.response)
            self.pieces.append(piece)


def _log(request: httpx.Request, outcome: str, attempt: int, started: float) -> None:
    logger.debug(
        "%s %s -> %s (attempt %d, %.0f ms)",
        request.method,
        request.url,
        outcome,
        attempt + 1,
        (time.monotonic() - started) * 1000,
    )


class RetryTransport(httpx.BaseTransport):
    """Sync: budget, then send with retries; the body is read inside each attempt."""

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy, budget: RateBudget):
        self.inner, self.policy, self.budget = inner, policy, budget

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what _Body decodes
        policy, ceiling = policy_of(request, self.policy), ceiling_of(request)
        attempt = 0
        while True:
            if ceiling is not None:
                ceiling.acquire()
            probe = self.budget.acquire()
            started = time.monotonic()
            try:
                response = self.inner.handle_request(request)
                self._read(response, request)
            except httpx.TransportError as error:
                self.budget.answered(None, None, probe)
                _log(request, type(error).__name__, attempt, started)
                if not _retry.should_retry(
                    request.method, request.url.path, None, error, attempt, policy.max_retries
                ):
                    raise
                _retry.sleep(_retry.retry_delay(attempt), BACKOFF)
                attempt += 1
                continue
            except BaseException:
                self.budget.answered(None, None, probe)
                raise
            _log(request, str(response.status_code), attempt, started)
            wait = next_wait(request, response, attempt, policy, self.budget, probe)
            if wait is None:
                return response
            _retry.sleep(*wait)
            attempt += 1

    def _read(self, response: httpx.Response, request: httpx.Request) -> None:
        try:
            body = _Body(response, request, self.policy.max_response_bytes)
            if body.done:
                return
            for chunk in response.iter_raw():
                body.feed(chunk)
        finally:
            response.close()
        body.finish()

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`RetryTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy, budget: RateBudget):
        self.inner, self.policy, self.budget = inner, policy, budget

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what _Body decodes
        policy, ceiling = policy_of(request, self.policy), ceiling_of(request)
        attempt = 0
        while True:
            if ceiling is not None:
                await ceiling.acquire_async()
            probe = await self.budget.acquire_async()
            started = time.monotonic()
            try:
                response = await self.inner.handle_async_request(request)
                await self._read(response, request)
            except httpx.TransportError as error:
                self.budget.answered(None, None, probe)
                _log(request, type(error).__name__, attempt, started)
                if not _retry.should_retry(
                    request.method, request.url.path, None, error, attempt, policy.max_retries
                ):
                    raise
                await _retry.async_sleep(_retry.retry_delay(attempt), BACKOFF)
                attempt += 1
                continue
            except BaseException:
                self.budget.answered(None, None, probe)
                raise
            _log(request, str(response.status_code), attempt, started)
            wait = next_wait(request, response, attempt, policy, self.budget, probe)
            if wait is None:
                return response
            await _retry.async_sleep(*wait)
            attempt += 1

    async def _read(self, response: httpx.Response, request: httpx.Request) -> None:
        try:
            body = _Body(response, request, self.policy.max_response_bytes)
            if body.done:
                return
            async for chunk in response.aiter_raw():
                body.feed(chunk)
        finally:
            await response.aclose()
        body.finish()

    async def aclose(self) -> None:
        await self.inner.aclose()


def total_timeout(request: httpx.Request) -> float | None:
    total = request.extensions.get(TOTAL_TIMEOUT)
    return float(total) if total else None


def next_wait(
    request: httpx.Request,
    response: httpx.Response,
    attempt: int,
    policy: RetryPolicy,
    budget: RateBudget,
    probe: bool = False,
) -> tuple[float, str] | None:
    """After an answer: ``None`` when it is final, else ``(seconds, reason)`` to wait first.

    The budget learns from every answer. A ``Retry-After`` longer than the caller can wait
    (:func:`_retry.waits_too_long`) makes the 429 final at once: ``RateLimitedError`` with
    its ``retry_after``. When the budget holds every request until the server's window
    rolls over, the retry waits there (0 here), so N workers make one pause, not N.
    """
    budget.observe(
        response.headers.get("x-ratelimit-limit"), response.headers.get("x-ratelimit-window")
    )
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    held = budget.answered(response.status_code, retry_after, probe)
    if not _retry.should_retry(
        request.method,
        request.url.path,
        response.status_code,
        None,
        attempt,
        policy.max_retries,
    ):
        return None
    window = budget.window if budget.limit else None
    if _retry.waits_too_long(retry_after, total_timeout(request), window):
        logger.debug("Retry-After %.0f s is longer than the request may wait", retry_after)
        return None
    if held:
        return 0.0, RETRY_AFTER
    return delay_for(response, attempt, budget), RETRY_AFTER if retry_after is not None else BACKOFF


def delay_for(response: httpx.Response, attempt: int, budget: RateBudget) -> float:
    """Backoff for a retryable status, honouring Retry-After and the rate-limit window."""
    return _retry.retry_delay(
        attempt,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        rate_limited=response.status_code == 429,
        slot=budget.window / budget.limit if budget.limit else None,
    )


def policy_of(request: httpx.Request, policy: RetryPolicy) -> RetryPolicy:
    """The transport's policy, with the request's own ``max_retries`` if it carries one."""
    retries = request.extensions.get(MAX_RETRIES)
    return policy if retries is None else dataclasses.replace(policy, max_retries=int(retries))


def ceiling_of(request: httpx.Request) -> RateBudget | None:
    """The extra budget a request passes (its client's own ``rate_limit``), if any."""
    ceiling = request.extensions.get(CEILING)
    return ceiling if isinstance(ceiling, RateBudget) else None
