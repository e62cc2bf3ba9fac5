"""Client settings from arguments and the environment, checked before anything is sent."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from later_reporting._errors import ConfigurationError

DEFAULT_BASE_URL = "https://reporting.api.later.com"
ENV_CLIENT_ID = "LATER_REPORTING_CLIENT_ID"
ENV_CLIENT_SECRET = "LATER_REPORTING_CLIENT_SECRET"  # noqa: S105 - a variable name
ENV_BASE_URL = "LATER_REPORTING_BASE_URL"
API_VERSION_PREFIX = "/v2"  # every operation path starts with it


class Secret:
    """A string that never shows itself in a repr, a str or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unparseable URL>"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def check_base_url(url: str) -> str:
    """``https://`` only, except for loopback hosts (the sandbox); no user name or password.

    A trailing ``/v2`` is dropped: every operation path already starts with ``/v2`` and the
    token endpoint ``/oauth/token`` sits beside it, so ``https://host/v2`` means ``https://host``.
    """
    shown = repr(redact_url(url))
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        raise ConfigurationError(f"base URL {shown} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise ConfigurationError(
            f"base URL {shown} is not an http(s) URL with a host, e.g. {DEFAULT_BASE_URL}"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"base URL {shown} carries a user name or password; remove it (the API "
            "authenticates with client_id and client_secret, and a password in a URL "
            "ends up in logs)"
        )
    if parts.scheme == "http" and not is_loopback(hostname):
        raise ConfigurationError(
            f"base URL {shown} uses http:// to a non-local host; use https:// "
            "(plain http is allowed only for loopback hosts such as the sandbox)"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"base URL {shown} must not carry a query or fragment")
    path = parts.path.rstrip("/")
    if path.lower().endswith(API_VERSION_PREFIX):
        path = path[: -len(API_VERSION_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


DriftPolicy = Literal["raise", "warn"]
"""What a walk does when ``totalItems`` changes: raise ``DriftError`` or warn."""


@dataclass(frozen=True)
class Settings:
    """A client's configuration, resolved once from its arguments and the environment."""

    client_id: str
    client_secret: Secret
    base_url: str
    timeout: httpx.Timeout
    total_timeout: float
    max_retries: int
    concurrency: int
    rate_limit: int | None
    on_drift: DriftPolicy = "raise"


def resolve(
    *,
    client_id: str | None,
    client_secret: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    concurrency: int,
    rate_limit: int | None,
    on_drift: str = "raise",
) -> Settings:
    """Every client argument checked, the environment filling the gaps (both clients)."""
    cid = client_id if client_id is not None else os.environ.get(ENV_CLIENT_ID)
    secret = client_secret if client_secret is not None else os.environ.get(ENV_CLIENT_SECRET)
    if not cid or not cid.strip():
        raise ConfigurationError(f"no client ID: pass client_id= or set {ENV_CLIENT_ID}")
    if not secret:
        raise ConfigurationError(
            f"no client secret: pass client_secret= or set {ENV_CLIENT_SECRET}"
        )
    url = check_base_url(base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
    if isinstance(timeout, httpx.Timeout):
        http_timeout = timeout
        total = max(v for v in (timeout.read, timeout.connect, 30.0) if v is not None)
    else:
        if (
            not isinstance(timeout, int | float)
            or isinstance(timeout, bool)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise ConfigurationError(
                f"timeout must be a finite positive number of seconds, got {timeout!r}"
            )
        http_timeout = httpx.Timeout(float(timeout), connect=min(10.0, float(timeout)))
        total = float(timeout)
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be a whole number >= 0, got {max_retries!r}")
    if (
        not isinstance(concurrency, int)
        or isinstance(concurrency, bool)
        or not 1 <= concurrency <= 64
    ):
        raise ConfigurationError(f"concurrency must be between 1 and 64, got {concurrency!r}")
    if rate_limit is not None and (
        not isinstance(rate_limit, int) or isinstance(rate_limit, bool) or rate_limit < 1
    ):
        raise ConfigurationError(
            "rate_limit must be a positive number of requests per minute, or None; "
            f"got {rate_limit!r}"
        )
    if on_drift not in ("raise", "warn"):
        raise ConfigurationError(f"on_drift must be 'raise' or 'warn', got {on_drift!r}")
    return Settings(
        client_id=cid.strip(),
        client_secret=Secret(secret),
        base_url=url,
        timeout=http_timeout,
        total_timeout=total,
        max_retries=max_retries,
        concurrency=concurrency,
        rate_limit=rate_limit,
        on_drift="raise" if on_drift == "raise" else "warn",
    )
