"""Waits the SDK makes on purpose (rate budget, ``Retry-After``, backoff), made visible.

Every deliberate wait goes through :func:`announce`. A wait longer than
:data:`VISIBLE_AFTER` seconds is logged at INFO with its reason and length, and passed to
every listener registered with :func:`listening` (the command line shows it on its progress
bar, or as one line on stderr off a terminal).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from later_reporting._logging import logger

VISIBLE_AFTER = 2.0
"""Seconds: shorter waits are not worth a log line or a progress message."""

Listener = Callable[[float, str], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def announce(seconds: float, reason: str) -> None:
    """Say that the SDK is about to wait ``seconds`` for ``reason`` (e.g. ``rate limit``)."""
    if seconds <= VISIBLE_AFTER:
        return
    logger.info("waiting %.1f s: %s", seconds, reason)
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(seconds, reason)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Within the block, ``listener(seconds, reason)`` hears every visible wait."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
