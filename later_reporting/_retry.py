"""Retry decisions as small pure functions, and the sleep that tests can switch off."""

from __future__ import annotations

import asyncio
import random
import time

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 120.0
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password

_backoff_enabled = True


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
    only on 5xx and connection errors: never on a 4xx (wrong credentials stay wrong).
    """
    if attempt >= max_retries:
        return False
    if method == "GET":
        return error is not None or status in RETRY_STATUSES
    if method == "POST" and path.endswith(TOKEN_PATH):
        return error is not None or (status is not None and status >= 500)
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

    ``Retry-After`` wins (capped at two minutes); otherwise capped exponential backoff with
    jitter, 0.5 s doubling to 8 s. A 429 without ``Retry-After`` waits at least one request
    slot of the server's advertised rate (``X-Ratelimit-Window / X-Ratelimit-Limit``).
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
    base = min(0.5 * 2.0**attempt, MAX_BACKOFF)
    draw: float = (rng or random).random()
    delay = base * (0.5 + 0.5 * draw)
    if rate_limited and slot:
        delay = max(delay, min(slot, MAX_RETRY_AFTER))
    return delay


def is_timeout(error: Exception) -> bool:
    return isinstance(error, httpx.TimeoutException)


def sleep(seconds: float) -> None:
    if _backoff_enabled and seconds > 0:
        time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    if _backoff_enabled and seconds > 0:
        await asyncio.sleep(seconds)
    else:
        await asyncio.sleep(0)
