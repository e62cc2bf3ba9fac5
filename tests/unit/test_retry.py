"""The retry decisions: which attempts retry, and how long to wait."""

from __future__ import annotations

import random

import httpx
import pytest

from later_reporting._retry import MAX_BACKOFF, retry_delay, should_retry, waits_too_long

ERROR = httpx.ConnectError("refused")


@pytest.mark.parametrize(
    ("method", "path", "status", "error", "attempt", "expected"),
    [
        ("GET", "/v2/posts/performance", 500, None, 0, True),
        ("GET", "/v2/posts/performance", 503, None, 1, True),
        ("GET", "/v2/posts/performance", 429, None, 0, True),
        ("GET", "/v2/posts/performance", 500, None, 2, False),  # retries exhausted
        ("GET", "/v2/posts/performance", None, ERROR, 0, True),
        ("GET", "/v2/posts/performance", 400, None, 0, False),
        ("GET", "/v2/posts/performance", 401, None, 0, False),  # the auth flow handles 401
        ("GET", "/v2/posts/performance", 404, None, 0, False),
        ("POST", "/oauth/token", 500, None, 0, True),
        ("POST", "/oauth/token", None, ERROR, 0, True),
        ("POST", "/oauth/token", 401, None, 0, False),
        ("POST", "/oauth/token", 403, None, 0, False),
        ("POST", "/oauth/token", 429, None, 0, True),  # "later", unlike the other 4xx
        ("POST", "/oauth/token", 400, None, 0, False),
        ("POST", "/v2/other", 500, None, 0, False),
    ],
)
def test_should_retry(
    method: str,
    path: str,
    status: int | None,
    error: Exception | None,
    attempt: int,
    expected: bool,
) -> None:
    assert should_retry(method, path, status, error, attempt, 2) is expected


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [retry_delay(n, rng=rng) for n in range(10)]
    assert 0.25 <= delays[0] <= 0.5
    assert 0.5 <= delays[1] <= 1.0
    assert all(d <= MAX_BACKOFF for d in delays)
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_retry_after_wins_and_the_callers_budget_decides_if_it_is_too_long() -> None:
    assert retry_delay(0, retry_after=3) == 3
    assert retry_delay(5, retry_after=0) == 0
    assert retry_delay(0, retry_after=10_000) == 10_000  # never shortened: see waits_too_long


@pytest.mark.parametrize(
    ("retry_after", "total_timeout", "window", "too_long"),
    [
        (86400.0, 5.0, 60.0, True),  # a day against a 5 s call: fail fast, no 120 s sleep
        (6.0, 5.0, None, True),  # no rate window (budget off): the timeout alone
        (5.0, 5.0, None, False),
        (55.0, 30.0, 60.0, False),  # the server's window rolling over: waited anyway
        (61.0, 30.0, 60.0, True),
        (90.0, 120.0, 60.0, False),  # a caller with a long timeout waits longer
        (None, 5.0, 60.0, False),  # no Retry-After: backoff, not this rule
        (120.0, None, None, False),  # no known timeout: two minutes
        (121.0, None, None, True),
    ],
)
def test_a_retry_after_longer_than_the_callers_budget_fails_fast(
    retry_after: float | None, total_timeout: float | None, window: float | None, too_long: bool
) -> None:
    assert waits_too_long(retry_after, total_timeout, window) is too_long


def test_rate_limited_without_retry_after_waits_at_least_one_request_slot() -> None:
    assert retry_delay(0, rate_limited=True, slot=6.0, rng=random.Random(0)) == 6.0
    assert retry_delay(0, rate_limited=True, slot=None, rng=random.Random(0)) <= 0.5
    assert retry_delay(3, rate_limited=True, slot=0.5, rng=random.Random(0)) >= 2.0
