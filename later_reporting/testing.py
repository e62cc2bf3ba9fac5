"""Helpers for testing code that uses later-reporting.

``no_backoff()`` turns retry and rate-budget sleeps off (the decisions stay the same), so
tests of retry paths run instantly::

    with later_reporting.testing.no_backoff():
        ...
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from later_reporting import _retry

__all__ = ["no_backoff", "set_backoff"]

set_backoff = _retry.set_backoff


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries and the rate budget do not sleep."""
    previous = _retry.backoff_enabled()
    _retry.set_backoff(False)
    try:
        yield
    finally:
        _retry.set_backoff(previous)
