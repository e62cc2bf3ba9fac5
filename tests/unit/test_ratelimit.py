"""The rate budget against a fixed-window server: sliding until the server teaches its phase.

The budget's decisions (``reserve`` / ``answered``) are pure given its clocks, so these
tests drive it with fake ones: no sleeping, no timing.
"""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from later_reporting import _retry, _waits
from later_reporting._ratelimit import (
    ALIGN_MARGIN,
    MAX_LIMIT,
    MAX_WINDOW,
    POLL,
    PROBE,
    RATE_LIMIT,
    RETRY_AFTER,
    RateBudget,
    capped,
    clock_aligned,
)


class Clock:
    def __init__(self, monotonic: float = 100.0, wall: float = 1_000.25) -> None:
        self.monotonic, self.offset = monotonic, wall - monotonic

    def __call__(self) -> float:
        return self.monotonic

    def wall(self) -> float:
        return self.monotonic + self.offset

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds


def budget(
    clock: Clock, limit: int = 3, window: float = 10.0, advertised: bool = True
) -> RateBudget:
    b = RateBudget(limit=120, window=60.0, clock=clock, wall=clock.wall)
    if advertised:
        b.observe(str(limit), str(window))
    else:
        b.limit, b.window = limit, window
    return b


def spend(b: RateBudget, count: int) -> None:
    for _ in range(count):
        assert b.reserve() == (0.0, "")


def test_without_a_phase_the_budget_is_a_sliding_window() -> None:
    clock = Clock()
    b = budget(clock, advertised=False)  # configured numbers only: never probes
    spend(b, 3)
    clock.advance(4)
    assert b.reserve() == (6.0, RATE_LIMIT)  # a whole window from the first request
    clock.advance(6)
    spend(b, 1)


def test_a_spent_budget_sends_one_probe_and_learns_the_phase_from_its_retry_after() -> None:
    clock = Clock(wall=1_000.25)
    b = budget(clock)
    spend(b, 3)
    assert b.reserve() == (0.0, PROBE)
    wait, reason = b.reserve()  # the others wait for the probe's answer, briefly
    assert (wait, reason) == (POLL, RATE_LIMIT)
    # The server's window ends at 1010 (wall clock, now 1000.25): "Retry-After: 10", rounded up.
    assert b.answered(429, 10.0, probe=True) is True
    assert b.phase_known
    wait, reason = b.reserve()
    assert reason == RETRY_AFTER and wait == pytest.approx(
        9.75 + ALIGN_MARGIN
    )  # to the boundary, not 10 s
    clock.advance(wait)
    spend(b, 3)  # a fresh server window: the whole limit at once
    wait, reason = b.reserve()
    assert reason == RATE_LIMIT and wait == pytest.approx(10.0)  # the next boundary
    clock.advance(wait)
    spend(b, 3)


def test_one_429_holds_every_request_until_the_same_instant() -> None:
    clock = Clock()
    b = budget(clock, limit=100)
    spend(b, 5)
    assert b.answered(429, 4.0) is True  # e.g. another process used the same allowance
    waits = [b.reserve() for _ in range(4)]
    assert waits == [(4.0, RETRY_AFTER)] * 4  # one pause for all, not N
    clock.advance(1.0)
    assert b.answered(429, 3.0) is True  # the same rollover heard from another request
    assert b.reserve() == (3.0, RETRY_AFTER)


def test_only_the_probes_answer_lets_another_probe_go() -> None:
    clock = Clock()
    b = budget(clock)
    spend(b, 3)
    assert b.reserve() == (0.0, PROBE)
    b.answered(200, None)  # a request sent before the probe
    assert b.reserve() == (POLL, RATE_LIMIT)
    b.answered(200, None, probe=True)  # the server took it (its window had rolled over)
    assert b.reserve() == (0.0, PROBE)


def test_a_429_without_retry_after_teaches_nothing_and_the_sliding_window_stays() -> None:
    clock = Clock()
    b = budget(clock)
    spend(b, 3)
    assert b.reserve() == (0.0, PROBE)
    assert b.answered(429, None, probe=True) is False
    assert not b.phase_known
    clock.advance(1)
    assert b.reserve() == (9.0, RATE_LIMIT)  # no second probe: the safe sliding window


def test_a_retry_after_beyond_the_window_is_not_a_rollover() -> None:
    clock = Clock()
    b = budget(clock)
    assert b.answered(429, 86_400.0) is False
    assert not b.phase_known
    spend(b, 3)


@pytest.mark.parametrize(
    ("until_wall", "window", "whole", "expected"),
    [
        (1010.3, 10.0, True, 1010.0 + ALIGN_MARGIN),  # a boundary in the rounded-up second
        (1010.01, 10.0, True, 1010.01),  # ... the margin never past Retry-After itself
        (1004.3, 10.0, True, 1004.3),  # none there: a server not aligned to the clock
        (1010.3, 10.0, False, 1010.3),  # a fractional Retry-After is exact already
        (1060.0, 60.0, True, 1060.0),  # exactly on the boundary
        (1011.0, 10.0, True, 1011.0),  # a boundary a whole second before: not in that second
    ],
)
def test_clock_alignment_only_within_the_rounded_second(
    until_wall: float, window: float, whole: bool, expected: float
) -> None:
    assert clock_aligned(until_wall, window, whole) == pytest.approx(expected)


def test_a_429_inside_a_learned_window_relearns_without_clock_alignment() -> None:
    clock = Clock(wall=1_000.25)
    b = budget(clock)
    b.answered(429, 10.0)  # aligned: boundary at wall 1010
    clock.advance(10.0)  # wall 1010.25, just past the learned boundary
    spend(b, 1)
    assert b.answered(429, 2.0) is True  # the server disagrees: its window ends at 1012.25
    assert b.reserve() == (pytest.approx(2.0), RETRY_AFTER)


@pytest.mark.parametrize(
    "window", ["1e9", "inf", "-inf", "nan", "60000", "0", "-5", "soon", "", str(MAX_WINDOW + 1)]
)
def test_implausible_server_windows_are_ignored(
    window: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    b = RateBudget(limit=120, window=60.0)
    b.observe("5", window)
    assert (b.limit, b.window) == (5, 60.0)
    assert caplog.messages == [f"ignoring rate-limit headers limit='5' window={window!r}"]
    for _ in range(5):
        b.reserve()
    wait, _ = b.reserve()
    assert math.isfinite(wait) and wait <= 60.0  # no hour-long stall, no OverflowError


@pytest.mark.parametrize("limit", ["0", "-1", "1.5", "many", "", "1e3", "10000000000"])
def test_implausible_server_limits_are_ignored(
    limit: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    b = RateBudget(limit=120, window=60.0)
    b.observe(limit, "10")
    assert (b.limit, b.window) == (120, 60.0)
    assert caplog.messages == [f"ignoring rate-limit headers limit={limit!r} window='10'"]


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_server_limits_at_the_bounds_are_adopted(limit: int) -> None:
    b = RateBudget(limit=MAX_LIMIT, window=60.0)
    b.observe(str(limit), "120")  # a longer window than the configured one: the server's
    assert (b.limit, b.window) == (limit, 120.0)


def test_an_unanswered_probe_holds_the_others_back_for_ten_seconds_at_most() -> None:
    # PROBE_PATIENCE: a probe whose answer never comes stops holding the budget after 10 s.
    clock = Clock()
    b = budget(clock, limit=3, window=60.0)
    spend(b, 3)
    assert b.reserve() == (0.0, PROBE)
    clock.advance(9.5)
    assert b.reserve() == (POLL, RATE_LIMIT)
    clock.advance(0.5)  # exactly 10 s
    assert b.reserve() == (0.0, PROBE)  # another probe goes


def test_server_numbers_in_range_are_adopted_below_the_ceiling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    b = RateBudget(limit=120, window=60.0)
    b.observe("30", str(MAX_WINDOW))
    assert (b.limit, b.window) == (30, MAX_WINDOW)
    b.observe(" 1000000 ", "0.5")  # read, but far above the configured 120 a minute
    assert (b.limit, b.window) == (120, 60.0)
    b.observe("3", "10")  # lower than the ceiling: the server's own numbers
    assert (b.limit, b.window) == (3, 10.0)
    b.observe("3", None)  # no window header: the limit alone, over the current window
    assert (b.limit, b.window) == (3, 10.0)
    assert caplog.messages == []  # nothing was ignored


@pytest.mark.parametrize(
    ("server", "ceiling", "expected"),
    [
        ((120, 60.0), (10, 60.0), (10, 60.0)),  # rate_limit=10 holds against 120 advertised
        ((5, 60.0), (10, 60.0), (5, 60.0)),  # the server's lower figure wins
        ((30, 3600.0), (120, 60.0), (30, 3600.0)),  # a longer, stricter window: the server's
        ((300, 3600.0), (10, 60.0), (10, 3600.0)),  # longer window, more: the lower limit
        ((3, 10.0), (120, 60.0), (3, 10.0)),  # shorter and within: the server's numbers
        ((30, 10.0), (120, 60.0), (20, 10.0)),  # shorter, 180/min: 120 shared by 6 windows
        ((100, 1.0), (10, 60.0), (10, 60.0)),  # 10 cannot be shared by 60 windows
        ((1_000_000, 0.5), (120, 60.0), (120, 60.0)),  # a tie in rate: the ceiling's own
        ((30, 10.0), (100, 60.0), (16, 10.0)),  # 100 shared by 6 windows: 16 each, whole
        ((5, 10.0), (6, 60.0), (1, 10.0)),  # one a window (6 a minute) beats 5 a minute
        ((10, 40.0), (12, 60.0), (10, 60.0)),  # 6 per 40 s is less than 10 a minute
    ],
)
def test_capped_never_exceeds_the_ceiling_nor_the_server(
    server: tuple[int, float], ceiling: tuple[int, float], expected: tuple[int, float]
) -> None:
    limit, window = capped(*server, *ceiling)
    assert (limit, window) == expected
    for cap, span in (server, ceiling):  # any ``span`` is covered by ceil(span/window) windows
        assert limit * math.ceil(span / window) <= cap


def test_a_capped_budget_never_probes_past_the_ceiling() -> None:
    clock = Clock()
    b = RateBudget(limit=2, window=60.0, clock=clock, wall=clock.wall)
    b.observe("120", "60")
    spend(b, 2)
    assert b.reserve() == (60.0, RATE_LIMIT)  # not (0, PROBE): a probe would be a third


def test_a_budget_turned_off_never_waits_nor_learns() -> None:
    off = RateBudget(limit=None)
    off.observe("1", "60")
    assert off.limit is None
    assert off.answered(429, 30.0) is False
    assert off.reserve() == (0.0, "")


def test_a_second_429_within_a_second_of_the_first_rollover_is_the_same_one() -> None:
    clock = Clock()
    b = budget(clock, limit=100)
    assert b.answered(429, 4.0) is True  # the window rolls over at 104
    clock.advance(1.0)
    assert b.answered(429, 4.0) is True  # says 105: a second off, the same rollover
    assert b.reserve() == (3.0, RETRY_AFTER)
    assert b.answered(429, 4.5) is True  # says 105.5: a later rollover, waited for
    assert b.reserve() == (4.5, RETRY_AFTER)
    clock.advance(4.5)  # the hold has just ended: a 429 now is news, however short
    assert b.answered(429, 1.0) is True
    assert b.reserve() == (1.0, RETRY_AFTER)


def test_one_rollover_is_announced_once_however_many_tasks_wait_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    b = budget(clock, limit=100)
    assert b.answered(429, 5.0) is True  # every request now waits until 105
    heard: list[tuple[float, str]] = []

    async def async_pause(seconds: float) -> None:
        until = clock.monotonic + seconds
        await asyncio.sleep(0)  # the other tasks ask the budget meanwhile
        clock.monotonic = max(clock.monotonic, until)

    async def main() -> list[bool]:
        return list(await asyncio.gather(*(b.acquire_async() for _ in range(3))))

    monkeypatch.setattr(_retry, "async_pause", async_pause)
    _retry.set_backoff(True)
    try:
        with _waits.listening(lambda seconds, reason: heard.append((seconds, reason))):
            probes = asyncio.run(main())
    finally:
        _retry.set_backoff(False)
    assert probes == [False] * 3
    assert clock.monotonic == pytest.approx(105.0)  # one pause, shared
    assert heard == [(5.0, RETRY_AFTER)]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_with_waits_off_every_request_is_counted_and_none_is_a_probe(kind: str) -> None:
    # Waits are off in this suite (``no_backoff``): requests never wait, but each one still
    # takes its slot, and none is left holding the others back as an unanswered probe.
    clock = Clock()
    b = budget(clock)  # 3 per 10 s, advertised

    def take() -> bool:
        return b.acquire() if kind == "sync" else asyncio.run(b.acquire_async())

    assert [take() for _ in range(5)] == [False] * 5
    assert b.reserve() == (0.0, PROBE)  # spent by all five; a probe may go at once
    clock.advance(10.0)
    spend(b, 3)  # the window has rolled past all six


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_wait_under_a_second_is_still_waited(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    b = budget(clock, limit=1, window=0.5, advertised=False)

    async def async_pause(seconds: float) -> None:
        clock.advance(seconds)

    monkeypatch.setattr(_retry, "pause", clock.advance)
    monkeypatch.setattr(_retry, "async_pause", async_pause)
    _retry.set_backoff(True)
    try:
        for _ in range(3):
            assert (b.acquire() if kind == "sync" else asyncio.run(b.acquire_async())) is False
    finally:
        _retry.set_backoff(False)
    assert clock.monotonic == pytest.approx(101.0)  # two waits of half a second


def test_a_sliding_window_frees_its_oldest_slot_first() -> None:
    clock = Clock()
    b = budget(clock, limit=2, advertised=False)
    spend(b, 1)
    clock.advance(3.0)
    spend(b, 1)
    assert b.reserve() == (7.0, RATE_LIMIT)  # the first request leaves the window at 110
    clock.advance(7.0)
    spend(b, 1)
    assert b.reserve() == (pytest.approx(3.0), RATE_LIMIT)  # then the second, at 113


def test_a_learned_window_spent_midway_waits_for_its_own_end() -> None:
    clock = Clock(wall=1_000.5)
    b = budget(clock)  # 3 per 10 s
    assert b.answered(429, 0.5) is True  # a fractional Retry-After: exact, the window at 100.5
    clock.advance(0.5 + 2.5)  # 2.5 s into the server's window
    spend(b, 3)
    assert b.reserve() == (pytest.approx(7.5), RATE_LIMIT)
    clock.advance(7.5)
    spend(b, 3)  # the next window: the whole limit again
