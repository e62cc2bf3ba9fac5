"""Retry decisions a caller relies on beyond the basic table in test_retry.py: seeded jitter,
a request slot lengthens only a 429's wait, and the backoff switch really switches sleeping."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest

from later_reporting import _retry
from later_reporting.testing import no_backoff, set_backoff


def test_a_seeded_rng_makes_the_delay_reproducible_equal_jitter_of_the_base() -> None:
    # Equal jitter: between half and all of the base (0.5 s doubling), drawn from the caller's rng.
    for attempt, base in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0)]:
        draw = random.Random(attempt).random()
        expected = base * (0.5 + 0.5 * draw)
        assert _retry.retry_delay(attempt, rng=random.Random(attempt)) == expected


def test_without_an_rng_the_delay_is_still_jittered_within_the_first_step() -> None:
    delays = {_retry.retry_delay(0) for _ in range(50)}
    assert all(0.25 <= d <= 0.5 for d in delays)
    assert len(delays) > 1


def test_a_request_slot_does_not_lengthen_the_backoff_of_a_server_error() -> None:
    # Only a 429 (rate_limited=True) waits for a slot of the advertised rate; a 503 backs off.
    delay = _retry.retry_delay(0, slot=6.0, rng=random.Random(0))
    assert 0.25 <= delay <= 0.5
    assert _retry.retry_delay(0, rate_limited=True, slot=6.0, rng=random.Random(0)) == 6.0


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds passed to time.sleep and asyncio.sleep (which still yield, for 0)."""
    calls: list[float] = []
    original, original_sync = asyncio.sleep, time.sleep
    mine = threading.get_ident()  # servers other tests left running sleep in other threads

    def record(seconds: float) -> None:
        if threading.get_ident() == mine:
            calls.append(seconds)
        else:
            original_sync(seconds)

    async def record_async(seconds: float) -> None:
        if threading.get_ident() == mine:
            calls.append(seconds)
            await original(0)
        else:
            await original(seconds)

    monkeypatch.setattr(time, "sleep", record)
    monkeypatch.setattr(asyncio, "sleep", record_async)
    return calls


def test_set_backoff_turns_the_sleeps_on_and_off(slept: list[float]) -> None:
    set_backoff(True)
    assert _retry.backoff_enabled() is True
    _retry.sleep(0.25, "backoff")
    set_backoff(False)
    assert _retry.backoff_enabled() is False
    _retry.sleep(0.25, "backoff")
    assert slept == [0.25]


async def test_async_sleep_sleeps_only_with_backoff_on_and_always_yields(
    slept: list[float],
) -> None:
    set_backoff(True)
    await _retry.async_sleep(0.25, "backoff")
    await _retry.async_sleep(0, "backoff")  # nothing to wait: just yield to other tasks
    set_backoff(False)
    await _retry.async_sleep(3.0, "backoff")  # backoff off: yields once, does not wait
    assert slept == [0.25, 0, 0]


def test_a_zero_or_sub_second_sleep_is_handled_exactly(slept: list[float]) -> None:
    set_backoff(True)
    _retry.sleep(0, "backoff")  # no wait at all
    _retry.sleep(0.3, "backoff")
    _retry.sleep(-1.0, "backoff")  # a negative delay (clock skew in Retry-After) is no wait
    assert slept == [0.3]


def test_no_backoff_restores_the_previous_setting() -> None:
    set_backoff(True)
    with no_backoff():
        assert _retry.backoff_enabled() is False
    assert _retry.backoff_enabled() is True
    set_backoff(False)
