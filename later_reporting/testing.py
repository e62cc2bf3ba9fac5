"""Helpers for testing code that uses later-reporting.

``no_backoff()`` turns retry and rate-budget sleeps off (the decisions stay the same), so
tests of retry paths run instantly:

```python
with later_reporting.testing.no_backoff():
    ...
```

To test code against the API itself, without credentials, serve the sandbox
(``later_reporting.sandbox.serve_in_thread``) and point the client at it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from later_reporting import _retry

__all__ = ["no_backoff", "set_backoff"]


def set_backoff(enabled: bool) -> None:
    """Turn retry and rate-budget sleeps on or off for the whole process.

    Prefer ``no_backoff``, which restores the previous setting.

    Args:
        enabled: ``False`` makes every wait return at once (the decisions to retry, and the
            rate budget's accounting, stay the same); ``True`` restores real waits.
    """
    _retry.set_backoff(enabled)


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries and the rate budget do not sleep; the setting before the
    block is restored after it.

    Example:
        ```python
        with no_backoff():
            client.campaigns.list().to_list()  # 429s and 5xx retried without waiting
        ```
    """
    previous = _retry.backoff_enabled()
    _retry.set_backoff(False)
    try:
        yield
    finally:
        _retry.set_backoff(previous)
