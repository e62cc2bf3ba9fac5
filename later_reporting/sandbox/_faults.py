"""Fault injection for testing clients (all off by default, seeded)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how often, on report requests (and optionally on /oauth/token).

    Rates are shares of requests in ``[0, 1]``; the draws come from one seeded generator.

    Attributes:
        latency_ms: Added to every response, in milliseconds. Default ``0``.
        jitter_ms: A random extra delay of up to this many milliseconds. Default ``0``.
        error_rate: Share of requests answered 500. Default ``0``.
        rate_limit_rate: Share of requests answered 429. Default ``0``.
        retry_after_rate: Share of those 429s that carry ``Retry-After``. Default ``0.5``.
        drop_rate: Share of requests whose connection is dropped. Default ``0``.
        seed: Seed of the draws. Default ``0``.
        on_token_endpoint: Whether ``/oauth/token`` gets faults too. Default ``False``.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_rate: float = 0.5
    drop_rate: float = 0.0
    seed: int = 0
    on_token_endpoint: bool = False

    def __post_init__(self) -> None:
        for name in ("error_rate", "rate_limit_rate", "retry_after_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.error_rate + self.rate_limit_rate + self.drop_rate > 1.0:
            raise ValueError("error_rate + rate_limit_rate + drop_rate must not exceed 1")
        if self.latency_ms < 0 or self.jitter_ms < 0:
            raise ValueError("latency_ms and jitter_ms must not be negative")


class FaultDice:
    """Draws one outcome per request: None, 'error', 'rate_limit' or 'drop'."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)  # noqa: S311 - fault simulation, not crypto
        self._lock = threading.Lock()

    def delay(self) -> float:
        f = self.faults
        with self._lock:
            jitter = self._random.random() * f.jitter_ms if f.jitter_ms else 0.0
        return (f.latency_ms + jitter) / 1000.0

    def outcome(self) -> tuple[str | None, bool]:
        """The fault for this request, and whether a 429 carries Retry-After."""
        f = self.faults
        with self._lock:
            draw = self._random.random()
            retry_after = self._random.random() < f.retry_after_rate
        if draw < f.error_rate:
            return "error", False
        if draw < f.error_rate + f.rate_limit_rate:
            return "rate_limit", retry_after
        if draw < f.error_rate + f.rate_limit_rate + f.drop_rate:
            return "drop", False
        return None, False
