"""Debug logging (``LATER_REPORTING_LOG=debug``) with secrets redacted.

Only the method, the URL, the status and timings are logged; never request bodies (the
token request carries the client secret) nor the Authorization header.
"""

from __future__ import annotations

import logging
import os
import re

logger = logging.getLogger("later_reporting")

JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def configure_from_env() -> None:
    """Honour ``LATER_REPORTING_LOG`` (``debug`` or ``info``) once per process."""
    level = os.environ.get("LATER_REPORTING_LOG", "").strip().lower()
    if level not in ("debug", "info") or getattr(configure_from_env, "done", False):
        return
    configure_from_env.done = True  # type: ignore[attr-defined]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


def redact(text: str) -> str:
    """Remove anything that looks like a JWT from a log line."""
    return JWT_LIKE.sub("[redacted-jwt]", text)


class RedactingFilter(logging.Filter):
    """A last line of defence: rewrites JWT-looking strings in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


logger.addFilter(RedactingFilter())
