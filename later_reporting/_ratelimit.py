"""One client-side request budget, shared by every thread and task of a client.

A sliding window: at most ``limit`` requests in any ``window`` seconds. The server's
``X-Ratelimit-Limit`` and ``X-Ratelimit-Window`` headers replace the configured numbers
when they arrive, so concurrency never turns into a storm of 429s.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time

from later_reporting import _retry


class RateBudget:
    """Sliding-window budget; ``limit=None`` turns it off."""

    def __init__(
        self, limit: int | None = 120, window: float = 60.0, follow_server: bool = True
    ) -> None:
        self.limit = limit
        self.window = window
        self.follow_server = follow_server and limit is not None
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a slot now (return 0) or say how long to wait before asking again."""
        if self.limit is None:
            return 0.0
        now = time.monotonic()
        with self._lock:
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return 0.0
            return self._sent[0] + self.window - now

    def acquire(self) -> None:
        while (wait := self._reserve()) > 0:
            time.sleep(wait) if _retry.backoff_enabled() else self._drop_oldest()

    async def acquire_async(self) -> None:
        while (wait := self._reserve()) > 0:
            if _retry.backoff_enabled():
                await asyncio.sleep(wait)
            else:
                self._drop_oldest()

    def _drop_oldest(self) -> None:
        with self._lock:
            if self._sent:
                self._sent.popleft()

    def observe(self, limit: str | None, window: str | None) -> None:
        """Adopt the server's numbers (from the rate-limit headers of a response)."""
        if not self.follow_server or limit is None:
            return
        try:
            new_limit = int(limit)
            new_window = float(window) if window is not None else self.window
        except ValueError:
            return
        if new_limit > 0 and new_window > 0:
            with self._lock:
                self.limit, self.window = new_limit, new_window
