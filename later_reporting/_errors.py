"""Every error the SDK raises, and how an error response becomes one.

```
LaterReportingError
├── ConfigurationError (also ValueError)     missing credentials, http:// to a non-loopback host
├── ValidationError (also ValueError)        bad input found before any network call
│   ├── QueryTooLargeError                   past the 500-page cap where splitting is unsafe
│   └── OptionError                          an export or sync option that does not apply or fit
├── DriftError                               totalItems changed during one iteration
├── IncompleteResultError                    rows missing: short page, totals mismatch, cursor cycle
├── ClientClosedError (also RuntimeError)    a call on a client after close()
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
the older names, the token ``code`` member), then from the HTTP status. Every ``APIError``
has ``.code`` (see ``problem_code``), ``.status_code`` and ``.request_id``; the README's
error table maps codes to classes, including the two meanings of ``ANL_00403``.

No secret is in reach of an error: the response an error carries is a copy whose request
has no ``Authorization`` (or other credential) header and no body (the token request's body
holds the client secret), and a successful token answer's body (the JWT) is dropped. Every
error pickles as the same class with the same fields (``__reduce__`` skips ``__init__``).
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
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password


def _restore(cls: type[LaterReportingError], args: tuple[Any, ...]) -> LaterReportingError:
    error = cls.__new__(cls)
    error.args = args
    return error


class LaterReportingError(Exception):
    """Base of every error raised by later-reporting.

    ``except LaterReportingError`` catches everything the SDK raises on purpose. Every
    error pickles as the same class with the same fields (for multiprocessing and task
    queues), and none carries a secret.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild without __init__ (whose arguments differ per class); the fields follow.
        return (_restore, (type(self), self.args), dict(self.__dict__))


def scrubbed(response: httpx.Response) -> httpx.Response:
    """A copy of ``response`` safe to keep on an error: see the module docstring."""
    try:
        sent: httpx.Request | None = response.request
    except RuntimeError:  # a response built by hand, with no request
        sent = None
    request = None
    if sent is not None:
        headers = [
            (k, v) for k, v in sent.headers.raw if k.lower().decode() not in CREDENTIAL_HEADERS
        ]
        request = httpx.Request(sent.method, sent.url, headers=headers)
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    if sent is not None and sent.url.path.endswith(TOKEN_PATH) and response.is_success:
        content = b""
    copy = httpx.Response(
        response.status_code,
        headers=response.headers,
        request=request,
        extensions={
            k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")
        },
    )
    copy._content = content  # already decoded: not decoded again by the copy
    return copy


class ConfigurationError(LaterReportingError, ValueError):
    """The client's configuration cannot work (credentials, base URL, limits).

    Raised by the ``Client`` / ``AsyncClient`` constructor, before anything is sent: no
    client ID or secret (argument or environment), a base URL that is not ``https://`` (or
    loopback ``http://``) or that carries a password, a timeout, ``max_retries``,
    ``concurrency`` or ``rate_limit`` out of range, or more than one of ``transport``,
    ``proxy`` and ``http_client``. Also a ``ValueError``.
    """


class ValidationError(LaterReportingError, ValueError):
    """An argument of a call is invalid; raised before any request is sent.

    The message names the parameter and what would be valid (``metrics: 'likez' is not
    valid here; valid values are: ...``). Also a ``ValueError``.

    Args:
        parameter: The name of the offending argument (``"metrics"``, ``"end"``, ...).
        message: What is wrong with it, and what would be valid.

    Attributes:
        parameter: The name of the offending argument.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class OptionError(ValidationError):
    """An option of an export or a warehouse sync that the report does not take, or that is
    out of range; raised before any request is sent.

    Raised by ``later_reporting.export`` (an option the report does not take, a dated
    report without its dates, an unknown format, an output that cannot be written) and by
    the ``later_reporting.dlt`` source (an unknown report, a bad date, a range out of
    bounds). The message is one sentence naming the option as the caller spelled it (the
    command line's flag, or the source's argument). A ``ValidationError``, so
    ``except ValidationError`` and ``except ValueError`` both catch it.

    Args:
        parameter: The option's argument name (``"start"``, ``"slice_months"``, ...).
        message: The whole message: what is wrong, and what would be valid.

    Attributes:
        parameter: The option's argument name.
    """

    def __init__(self, parameter: str, message: str) -> None:
        LaterReportingError.__init__(self, message)  # the message names the option itself
        self.parameter = parameter


class QueryTooLargeError(ValidationError):
    """The query needs more than the server's 500 pages and cannot be split safely.

    Posts by post date are split by date range automatically; other reports (or a single
    day still past the cap) raise this. Narrow the date range or the filters (instances,
    campaigns, platforms). ``parameter`` is ``"query"``.
    """


class DriftError(LaterReportingError):
    """The result changed while it was being read (``totalItems`` moved).

    Rows may be duplicated or missing, so the walk stops; re-run the query. With the
    client's ``on_drift="warn"`` a ``RuntimeWarning`` is issued instead and the walk goes on.
    """


class IncompleteResultError(LaterReportingError):
    """The rows read do not add up to the result the server described: a short page in the
    middle, a row count other than ``totalItems``, a full page with no way to the next one, or
    a ``nextCursor`` that repeats. Rows would be missing or repeated, so the walk stops."""


class ClientClosedError(LaterReportingError, RuntimeError):
    """The client (or the ``http_client`` it was given) was closed before this call.

    Create a new client, or make the calls inside its ``with`` block. Also a
    ``RuntimeError``.
    """


class APIConnectionError(LaterReportingError):
    """The request could not be completed: connection refused, reset or dropped.

    Raised after the retries (``max_retries``) are spent; GET requests are retried.
    """


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout, after the retries.

    The timeout is the client's ``timeout=`` or the call's; a body that keeps arriving past
    it counts as a timeout too.
    """


class UnexpectedResponseError(LaterReportingError):
    """The server answered with something that is not the documented response.

    Not JSON, the wrong content type, a body that breaks the schema (the message names the
    operation and the field), a truncated or corrupt compressed body, an unasked-for
    content coding, or a body past the 64 MiB cap.

    Args:
        message: What was wrong with the response.
        response: The response, if there was one; kept as a copy without credentials.

    Attributes:
        response: That copy (its request has no ``Authorization`` header and no body), or
            ``None``.
    """

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = scrubbed(response) if response is not None else None


class APIError(LaterReportingError):
    """An error response from the API, with every member of its problem body.

    The class is chosen from the problem ``type`` first (the ``ANL_`` codes), then the HTTP
    status; catch a subclass for one case, or ``APIError`` for all. ``str(error)`` reads
    ``HTTP 403 ANL_00403 Forbidden: ... (request id ...)``.

    Args:
        response: The error response.
        problem: Its parsed problem+json body (``{}`` when it has none).

    Attributes:
        status_code: The HTTP status.
        type: The problem ``type`` (``"ANL_00403"``), if any.
        title: The problem ``title``, if any.
        detail: The problem ``detail``, if any.
        extensions: Every other member of the problem body (``validMetrics``, ...).
        request_id: The server's request id (``X-Request-Id`` and similar headers), to quote
            to support, if any.
        response: A copy of the response without credentials (see ``LaterReportingError``).
    """

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = scrubbed(response)
        self.status_code = response.status_code
        self.type: str | None = _str(problem.get("type"))
        self.code: str | None = problem_code(self.type, problem.get("code"))
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
    """400: the query was rejected (see ``detail`` for why)."""


class UnsupportedMetricError(BadRequestError):
    """400: a metric is not available for the filters; ``valid_metrics`` lists those that are."""

    @property
    def valid_metrics(self) -> list[str]:
        """The metrics valid for these filters (the problem's ``validMetrics``)."""
        return [str(m) for m in self.extensions.get("validMetrics") or []]


class InvalidSortPropertyError(BadRequestError):
    """400 (``ANL_00422``): the sort property is not supported; see ``valid_values``."""

    @property
    def valid_values(self) -> list[str]:
        """The sort properties this operation accepts (the problem's ``validValues``)."""
        return [str(v) for v in self.extensions.get("validValues") or []]


class AuthenticationError(APIError):
    """401, or the token exchange failed.

    A 401 on a report is first answered by fetching a new token and replaying the request
    once; this is raised when that does not help, or when ``/oauth/token`` refuses the
    credentials (a subclass says why, when the server does).
    """


class InvalidClientCredentials(AuthenticationError):
    """The client ID or secret is wrong (``INVALID_CLIENT_CREDENTIALS``)."""


class ClientDisabled(AuthenticationError):
    """The OAuth client has been disabled (``CLIENT_DISABLED``); ask your Later account
    team."""


class NoAccessibleInstances(AuthenticationError):
    """The OAuth client has no instance associations (``NO_ACCESSIBLE_INSTANCES``)."""


class PermissionDeniedError(APIError):
    """403: the credentials are valid but the scope is not accessible."""


class InstanceAccessDenied(PermissionDeniedError):
    """403 ``ANL_00403``: an instance is not bound to these credentials."""


class NotFoundError(APIError):
    """404: the resource does not exist (``ANL_00404``)."""


class RateLimitedError(APIError):
    """429, after the retries: ``retry_after`` is the server's advice in seconds, if any."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (its ``Retry-After``), or ``None``."""
        return parse_retry_after(self.response.headers.get("retry-after"))


class ServerError(APIError):
    """5xx, after the retries (``max_retries``)."""


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


def problem_code(type_: str | None, code_member: object) -> str | None:
    """The code a program branches on (``APIError.code``).

    The documented ``ANL_…`` code when the problem ``type`` is one; else the token problem's
    ``code`` member (``INVALID_CLIENT_CREDENTIALS``, ``CLIENT_DISABLED``,
    ``NO_ACCESSIBLE_INSTANCES``); else the older type name (``VALIDATION_ERROR``, ...);
    ``None`` when the response carried no code at all (the class then comes from the status).
    """
    if type_ is not None and type_.startswith("ANL_"):
        return type_
    if isinstance(code_member, str) and code_member:
        return code_member
    return type_


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
