"""Retry decisions as small pure functions, and the waits that tests can switch off.

Every deliberate wait (rate budget, ``Retry-After``, backoff) goes through :func:`sleep` or
:func:`async_sleep`: it is announced (:mod:`later_reporting._waits`) and it can be cut
short. In the main thread a signal (Ctrl-C, SIGTERM) interrupts it; in a page worker it
ends at once when the walk that started the worker is abandoned (:func:`abandoned_with`);
in a task, cancellation ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Iterator

import httpx

from later_reporting import _waits

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 120.0
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password

_backoff_enabled = True
_local = threading.local()


class Abandoned(Exception):
    """A page worker's wait was cut short because its walk was abandoned."""


def set_backoff(enabled: bool) -> None:
    """Turn retry sleeps on or off (off makes tests fast; decisions are unchanged)."""
    global _backoff_enabled
    _backoff_enabled = enabled


def backoff_enabled() -> bool:
    return _backoff_enabled


def should_retry(
    method: str,
    path: str,
    status: int | None,
    error: Exception | None,
    attempt: int,
    max_retries: int,
) -> bool:
    """Whether attempt number ``attempt`` (0-based) may be followed by another.

    GET requests retry on 429, 5xx, timeouts and connection errors. The token POST retries
    on 5xx, 429 and connection errors, never on another 4xx (wrong credentials stay wrong; a
    429 says "later", and a token refresh can be the request that meets the rate limit).
    """
    if attempt >= max_retries:
        return False
    if method == "GET":
        return error is not None or status in RETRY_STATUSES
    if method == "POST" and path.endswith(TOKEN_PATH):
        return error is not None or status == 429 or (status is not None and status >= 500)
    return False


def retry_delay(
    attempt: int,
    *,
    retry_after: float | None = None,
    rate_limited: bool = False,
    slot: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry ``attempt + 1``.

    ``Retry-After`` wins (whether it is too long for the caller is :func:`waits_too_long`'s
    decision); otherwise capped exponential backoff with jitter, 0.5 s doubling to 8 s. A
    429 without ``Retry-After`` waits at least one request slot of the server's advertised
    rate (``X-Ratelimit-Window / X-Ratelimit-Limit``), at most two minutes.
    """
    if retry_after is not None:
        return max(retry_after, 0.0)
    base = min(0.5 * 2.0**attempt, MAX_BACKOFF)
    draw: float = (rng or random).random()
    delay = base * (0.5 + 0.5 * draw)
    if rate_limited and slot:
        delay = max(delay, min(slot, MAX_RETRY_AFTER))
    return delay


def waits_too_long(
    retry_after: float | None, total_timeout: float | None, window: float | None
) -> bool:
    """Whether a ``Retry-After`` asks for more than the caller can give: fail fast instead.

    The caller's budget is the request's total timeout, or the rate window when the wait is
    the server's window rolling over (a wait the rate budget makes anyway). Without a known
    timeout, two minutes.
    """
    if retry_after is None:
        return False
    timeout = MAX_RETRY_AFTER if total_timeout is None else total_timeout
    return retry_after > max(timeout, window or 0.0)


def is_timeout(error: Exception) -> bool:
    return isinstance(error, httpx.TimeoutException)


@contextlib.contextmanager
def abandoned_with(event: threading.Event) -> Iterator[None]:
    """In this thread, waits end with :class:`Abandoned` as soon as ``event`` is set."""
    previous = getattr(_local, "abandon", None)
    _local.abandon = event
    try:
        yield
    finally:
        _local.abandon = previous


def pause(seconds: float) -> None:
    """Wait without announcing: interruptible by a signal, or by the walk being abandoned."""
    event: threading.Event | None = getattr(_local, "abandon", None)
    if event is not None and event.is_set():
        raise Abandoned("the page walk was abandoned")
    if not _backoff_enabled or seconds <= 0:
        return
    if event is None:
        time.sleep(seconds)  # a signal handler that raises (Ctrl-C, SIGTERM) ends it
    elif event.wait(seconds):
        raise Abandoned("the page walk was abandoned")


def sleep(seconds: float, reason: str) -> None:
    """A deliberate wait of ``seconds`` for ``reason`` ("rate limit", "Retry-After", "backoff")."""
    if _backoff_enabled and seconds > 0:
        _waits.announce(seconds, reason)
    pause(seconds)


async def async_pause(seconds: float) -> None:
    """Wait without announcing; cancelling the task ends it."""
    await asyncio.sleep(seconds if _backoff_enabled and seconds > 0 else 0)


async def async_sleep(seconds: float, reason: str) -> None:
    """Async twin of :func:`sleep`."""
    if _backoff_enabled and seconds > 0:
        _waits.announce(seconds, reason)
    await async_pause(seconds)
