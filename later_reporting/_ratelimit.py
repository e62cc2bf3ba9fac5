"""One client-side request budget, shared by every thread and task of a client.

Until the server says more, a sliding window: at most ``limit`` requests in any ``window``
seconds, which is safe against any server. The server's ``X-Ratelimit-Limit`` and
``X-Ratelimit-Window`` headers replace the configured numbers when they arrive (numbers
outside :data:`MAX_LIMIT` / :data:`MAX_WINDOW`, zero, negative or unreadable are ignored),
but only below them: the configured numbers are a ceiling never exceeded, whatever the
server advertises (:func:`capped`); a lower figure from the server wins.

Servers usually count fixed windows aligned to the clock, which a sliding window cannot
see: it waits a whole window from its first request, where the server would have taken
more at the next boundary. So once the budget is spent against a server that advertised
its numbers, one request goes ahead as a probe. A 429 with ``Retry-After`` then says where
the server's window ends: every worker holds until then (one pause, however many workers),
and from then on the budget counts the server's own windows, ``limit`` a window, from that
phase. A 429 without ``Retry-After`` teaches nothing: the sliding window stays.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable

from later_reporting import _retry, _waits
from later_reporting._logging import logger

MAX_WINDOW = 3600.0
"""Seconds: a longer advertised window (milliseconds sent as seconds, ``inf``) is ignored."""
MAX_LIMIT = 1_000_000_000
PROBE_PATIENCE = 10.0
"""Seconds after which an unanswered probe no longer holds the other requests back."""
POLL = 0.05
"""Seconds between looks at the budget while a probe is in flight."""
ALIGN_MARGIN = 0.02
"""Seconds after a clock-aligned boundary that the budget resumes: a request landing a few
milliseconds early (thread scheduling, the trip to the server) would count in the old window."""
RATE_LIMIT = "rate limit"
RETRY_AFTER = "Retry-After"
PROBE = "probe"

Clock = Callable[[], float]


def server_limit(value: str | None) -> int | None:
    """An ``X-Ratelimit-Limit`` worth adopting: a whole number from 1 to :data:`MAX_LIMIT`."""
    if value is None:
        return None
    try:
        limit = int(value.strip())
    except ValueError:
        return None
    return limit if 0 < limit <= MAX_LIMIT else None


def server_window(value: str | None) -> float | None:
    """An ``X-Ratelimit-Window`` worth adopting: finite seconds, above 0, at most an hour."""
    if value is None:
        return None
    try:
        window = float(value.strip())
    except ValueError:
        return None
    return window if math.isfinite(window) and 0 < window <= MAX_WINDOW else None


def capped(
    limit: int, window: float, ceiling_limit: int, ceiling_window: float
) -> tuple[int, float]:
    """The server's numbers held under the configured ceiling (``rate_limit`` per minute).

    The result never lets more than ``limit`` requests through in any ``window`` (the
    server's figure wins when lower) nor more than ``ceiling_limit`` in any
    ``ceiling_window``, whatever the server advertises:

    - a server window at least as long as the ceiling's: ``min`` of the limits, over the
      server's window;
    - a shorter server window: either the server's window with the ceiling shared among
      the server windows one ceiling window can touch, or the ceiling's window with the
      lower limit, whichever lets more through (the ceiling's numbers on a tie).
    """
    if window >= ceiling_window:
        return min(limit, ceiling_limit), window
    per_window = min(limit, ceiling_limit // math.ceil(ceiling_window / window))
    whole = min(limit, ceiling_limit)
    if per_window >= 1 and per_window / window > whole / ceiling_window:
        return per_window, window
    return whole, ceiling_window


def clock_aligned(until_wall: float, window: float, whole_seconds: bool) -> float:
    """Where the server's window most likely ends, given ``now + Retry-After`` on the wall clock.

    A whole-second ``Retry-After`` is rounded up, so the boundary lies in the second before
    ``until_wall``; servers that count fixed windows align them to the clock, so when a
    multiple of ``window`` falls in that second, the boundary is there (plus
    :data:`ALIGN_MARGIN`). Otherwise (or for a fractional ``Retry-After``, which is exact)
    ``until_wall`` itself.
    """
    if not whole_seconds:
        return until_wall
    candidate = math.floor(until_wall / window) * window
    if until_wall - 1.0 < candidate <= until_wall:
        return min(candidate + ALIGN_MARGIN, until_wall)
    return until_wall


class RateBudget:
    """Requests per window, shared by threads and tasks; ``limit=None`` turns it off."""

    def __init__(
        self,
        limit: int | None = 120,
        window: float = 60.0,
        follow_server: bool = True,
        *,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.limit = limit
        self.window = window
        self.follow_server = follow_server and limit is not None
        self.ceiling = (limit, window)  # configured: never exceeded, whatever the server says
        self._clock, self._wall = clock, wall
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self._advertised = False  # the server sent its own numbers
        self._teaches = True  # no 429 without Retry-After seen yet
        self._probe_since: float | None = None
        self._boundary: float | None = None  # start of a server window, once learned
        self._align = True  # clock alignment not yet contradicted by the server
        self._index = 0
        self._count = 0
        self._hold_until = 0.0
        self._announced_until = 0.0

    @property
    def phase_known(self) -> bool:
        """Whether the budget counts the server's fixed windows (learned from a 429)."""
        return self._boundary is not None

    def reserve(self, force: bool = False) -> tuple[float, str]:
        """Take a slot now (``(0, "")``, or ``(0, PROBE)`` for the probe) or say how long to
        wait, and why, before asking again.

        ``force`` takes the slot whatever the budget says (waits are off in tests).
        """
        if self.limit is None:
            return 0.0, ""
        now = self._clock()
        with self._lock:
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if force:
                self._take(now)
                return 0.0, ""
            if now < self._hold_until:
                return self._hold_until - now, RETRY_AFTER
            if self._boundary is not None:
                index = math.floor((now - self._boundary) / self.window)
                if index != self._index:
                    self._index, self._count = index, 0
                if self._count < self.limit:
                    self._take(now)
                    return 0.0, ""
                return self._boundary + (index + 1) * self.window - now, RATE_LIMIT
            if len(self._sent) < self.limit:
                self._take(now)
                return 0.0, ""
            probing = self._probe_since is not None and now - self._probe_since < PROBE_PATIENCE
            if self._advertised and self._teaches and not probing:
                self._probe_since = now
                self._take(now)
                return 0.0, PROBE
            wait = self._sent[0] + self.window - now
            return (min(wait, POLL) if probing else wait), RATE_LIMIT

    def _take(self, now: float) -> None:
        self._sent.append(now)
        self._count += 1

    def _announce(self, wait: float, reason: str) -> None:
        """Announce a wait once, however many threads and tasks share it."""
        until = self._clock() + wait
        with self._lock:
            if until <= self._announced_until + 1.0:
                return
            self._announced_until = until
        _waits.announce(wait, reason)

    def acquire(self) -> bool:
        """Wait for a slot; True when this request is the probe (see :meth:`answered`)."""
        if not _retry.backoff_enabled():
            self.reserve(force=True)
            return False
        while True:
            wait, reason = self.reserve()
            if wait <= 0:
                return reason == PROBE
            self._announce(wait, reason)
            _retry.pause(wait)

    async def acquire_async(self) -> bool:
        if not _retry.backoff_enabled():
            self.reserve(force=True)
            return False
        while True:
            wait, reason = self.reserve()
            if wait <= 0:
                return reason == PROBE
            self._announce(wait, reason)
            await _retry.async_pause(wait)

    def observe(self, limit: str | None, window: str | None) -> None:
        """Adopt the server's numbers (from the rate-limit headers of a response)."""
        if not self.follow_server:
            return
        new_limit, new_window = server_limit(limit), server_window(window)
        if (limit is not None and new_limit is None) or (window is not None and new_window is None):
            logger.debug("ignoring rate-limit headers limit=%r window=%r", limit, window)
        if new_limit is None:
            return
        server = (new_limit, new_window or self.window)
        ceiling_limit, ceiling_window = self.ceiling
        assert ceiling_limit is not None  # follow_server is off without a budget
        with self._lock:
            self.limit, self.window = capped(*server, ceiling_limit, ceiling_window)
            # The probe (one request past a spent budget, to learn the server's phase) is
            # for the server's own numbers only: past a lower ceiling it would break it.
            self._advertised = (self.limit, self.window) == server

    def answered(self, status: int | None, retry_after: float | None, probe: bool = False) -> bool:
        """Learn from an answer (``status`` None: none came; ``probe``: the answer to the
        probe). True when the budget now holds every request until the server's window
        rolls over (a retry then waits in :meth:`acquire`, not on its own)."""
        if self.limit is None:
            return False
        now, wall = self._clock(), self._wall()  # read together: their offset maps the boundary
        with self._lock:
            if probe:
                self._probe_since = None
            if status != 429:
                return False
            if retry_after is None:
                self._teaches, self._boundary = False, None  # keep the sliding window
                return False
            if retry_after > self.window:
                return False  # not the window rolling over: the request's own timeout decides
            if now < self._hold_until and abs(now + retry_after - self._hold_until) <= 1.0:
                return True  # the same rollover, heard again from another request
            if self._boundary is not None:
                self._align = False  # a 429 inside a learned window: trust only Retry-After
            until = now + retry_after
            if self._align:
                aligned = clock_aligned(wall + retry_after, self.window, retry_after.is_integer())
                until = now + (aligned - wall)
            self._boundary, self._index, self._count = until, 0, 0
            self._hold_until = until
            return until > now
