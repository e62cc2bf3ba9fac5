"""Every error the SDK raises, and how an error response becomes one.

```
LaterReportingError
├── ConfigurationError (also ValueError)     missing credentials, http:// to a non-loopback host
├── ValidationError (also ValueError)        bad input found before any network call
│   └── QueryTooLargeError                   past the 500-page cap where splitting is unsafe
├── DriftError                               totalItems changed during one iteration
├── APIConnectionError                       refused, reset or dropped connections
│   └── APITimeoutError
├── UnexpectedResponseError                  not JSON, wrong content type, truncated, too large
└── APIError                                 an error response (problem+json or not)
    ├── BadRequestError                      400
    │   ├── UnsupportedMetricError           .valid_metrics
    │   └── InvalidSortPropertyError         .valid_values (ANL_00422)
    ├── AuthenticationError                  401, and failures of the token exchange
    │   ├── InvalidClientCredentials
    │   ├── ClientDisabled
    │   └── NoAccessibleInstances
    ├── PermissionDeniedError                403
    │   └── InstanceAccessDenied             ANL_00403 on a report
    ├── NotFoundError                        404
    ├── RateLimitedError                     429, .retry_after
    └── ServerError                          5xx
```

``error_from_response`` picks the class from the problem ``type`` first (the ``ANL_`` codes,
the older names, the token ``code`` member), then from the HTTP status.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import time
from typing import Any

import httpx

REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid", "request-id", "x-correlation-id")


class LaterReportingError(Exception):
    """Base of every error raised by later-reporting."""


class ConfigurationError(LaterReportingError, ValueError):
    """The client's configuration cannot work (credentials, base URL, limits)."""


class ValidationError(LaterReportingError, ValueError):
    """An argument is invalid; raised before any request is sent."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class QueryTooLargeError(ValidationError):
    """The query needs more than the server's 500 pages and cannot be split safely."""


class DriftError(LaterReportingError):
    """The result changed while it was being read (``totalItems`` moved)."""


class APIConnectionError(LaterReportingError):
    """The request could not be completed: connection refused, reset or dropped."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""


class UnexpectedResponseError(LaterReportingError):
    """The server answered with something that is not the documented response."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class APIError(LaterReportingError):
    """An error response from the API, with every member of its problem body."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = response
        self.status_code = response.status_code
        self.type: str | None = _str(problem.get("type"))
        self.title: str | None = _str(problem.get("title"))
        self.detail: str | None = _str(problem.get("detail"))
        self.extensions: dict[str, Any] = {
            k: v for k, v in problem.items() if k not in ("type", "title", "detail")
        }
        self.request_id = next(
            (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None
        )
        parts = [f"HTTP {self.status_code}"]
        if self.type:
            parts.append(self.type)
        text = " ".join(parts)
        if self.title:
            text += f" {self.title}"
        if self.detail:
            text += f": {self.detail}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        super().__init__(text)


class BadRequestError(APIError):
    """400: the query was rejected."""


class UnsupportedMetricError(BadRequestError):
    """400: a metric is not available for the filters; ``valid_metrics`` lists those that are."""

    @property
    def valid_metrics(self) -> list[str]:
        return [str(m) for m in self.extensions.get("validMetrics") or []]


class InvalidSortPropertyError(BadRequestError):
    """400 (``ANL_00422``): the sort property is not supported; see ``valid_values``."""

    @property
    def valid_values(self) -> list[str]:
        return [str(v) for v in self.extensions.get("validValues") or []]


class AuthenticationError(APIError):
    """401, or the token exchange failed."""


class InvalidClientCredentials(AuthenticationError):
    """The client ID or secret is wrong."""


class ClientDisabled(AuthenticationError):
    """The OAuth client has been disabled."""


class NoAccessibleInstances(AuthenticationError):
    """The OAuth client has no instance associations."""


class PermissionDeniedError(APIError):
    """403: the credentials are valid but the scope is not accessible."""


class InstanceAccessDenied(PermissionDeniedError):
    """403 ``ANL_00403``: an instance is not bound to these credentials."""


class NotFoundError(APIError):
    """404."""


class RateLimitedError(APIError):
    """429, after the retries: ``retry_after`` is the server's advice in seconds, if any."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.response.headers.get("retry-after"))


class ServerError(APIError):
    """5xx, after the retries."""


BY_TYPE: dict[str, type[APIError]] = {
    "ANL_00422": InvalidSortPropertyError,
    "INVALID_SORT_PROPERTY": InvalidSortPropertyError,
    "ANL_00401": AuthenticationError,
    "INVALID_CLIENT_CREDENTIALS": InvalidClientCredentials,
    "CLIENT_DISABLED": ClientDisabled,
    "NO_ACCESSIBLE_INSTANCES": NoAccessibleInstances,
    "ANL_00404": NotFoundError,
    "RESOURCE_NOT_FOUND": NotFoundError,
    "ANL_00429": RateLimitedError,
    "ANL_00500": ServerError,
    "INTERNAL_ERROR": ServerError,
}
BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitedError,
}


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date.

    A date in the past is 0; a negative, non-finite or unreadable value is ``None`` (no
    advice). ``now`` (epoch seconds) is the moment a date is measured from.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP-date is always GMT
            when = when.replace(tzinfo=dt.UTC)
        reference = time.time() if now is None else now
        return max(when.timestamp() - reference, 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem body of an error response, or ``{}`` when it has none we can read."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def error_from_response(response: httpx.Response, *, token_request: bool = False) -> APIError:
    """The typed error for an error response: by problem ``type`` first, then HTTP status."""
    problem = problem_of(response)
    if not problem:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        problem = {
            "title": response.reason_phrase or "Error",
            "detail": f"the response body is {kind}, not problem+json",
        }
    status = response.status_code
    type_ = problem.get("type")
    code = problem.get("code")
    cls: type[APIError] | None = None
    if isinstance(code, str) and code in BY_TYPE:
        cls = BY_TYPE[code]
    elif isinstance(type_, str) and type_ in BY_TYPE:
        cls = BY_TYPE[type_]
    elif type_ in ("ANL_00400", "VALIDATION_ERROR") and problem.get("validMetrics"):
        cls = UnsupportedMetricError
    elif type_ in ("ANL_00403",):
        cls = AuthenticationError if token_request else InstanceAccessDenied
    if cls is None:
        if status >= 500:
            cls = ServerError
        elif problem.get("validMetrics") and status == 400:
            cls = UnsupportedMetricError
        else:
            cls = BY_STATUS.get(status, APIError)
    if token_request and status in (401, 403) and not issubclass(cls, AuthenticationError):
        cls = AuthenticationError
    return cls(response, problem)
