"""Error responses become the documented exception classes, keeping every member."""

from __future__ import annotations

import json

import httpx
import pytest

import later_reporting as lr
from later_reporting._errors import error_from_response, parse_retry_after


def response(
    status: int,
    body: object,
    *,
    content_type: str = "application/problem+json",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(
        status,
        content=content,
        headers={"content-type": content_type, **(headers or {})},
        request=httpx.Request("GET", "https://x.test/v2/posts/performance"),
    )


@pytest.mark.parametrize(
    ("status", "type_", "extra", "expected"),
    [
        (400, "ANL_00400", {}, lr.BadRequestError),
        (400, "ANL_00400", {"validMetrics": ["engagements"]}, lr.UnsupportedMetricError),
        (400, "ANL_00422", {"validValues": ["cpe"]}, lr.InvalidSortPropertyError),
        (400, "VALIDATION_ERROR", {}, lr.BadRequestError),
        (400, "INVALID_SORT_PROPERTY", {}, lr.InvalidSortPropertyError),
        (401, "ANL_00401", {}, lr.AuthenticationError),
        (403, "ANL_00403", {}, lr.InstanceAccessDenied),
        (404, "ANL_00404", {}, lr.NotFoundError),
        (404, "RESOURCE_NOT_FOUND", {}, lr.NotFoundError),
        (429, "ANL_00429", {}, lr.RateLimitedError),
        (500, "ANL_00500", {}, lr.ServerError),
        (500, "INTERNAL_ERROR", {}, lr.ServerError),
        (403, "INTERNAL_ERROR", {}, lr.ServerError),  # the older docs' 403 edge case: type wins
        (401, "INVALID_CLIENT_CREDENTIALS", {}, lr.InvalidClientCredentials),
        (401, "CLIENT_DISABLED", {}, lr.ClientDisabled),
        (401, "NO_ACCESSIBLE_INSTANCES", {}, lr.NoAccessibleInstances),
        (403, "ANL_00403", {"code": "CLIENT_DISABLED"}, lr.ClientDisabled),
        (403, "ANL_00403", {"code": "NO_ACCESSIBLE_INSTANCES"}, lr.NoAccessibleInstances),
        (401, "ANL_00401", {"code": "INVALID_CLIENT_CREDENTIALS"}, lr.InvalidClientCredentials),
        (418, "SOMETHING_NEW", {}, lr.APIError),
        (503, "SOMETHING_NEW", {}, lr.ServerError),
        (403, "SOMETHING_NEW", {}, lr.PermissionDeniedError),
    ],
)
def test_dispatch_by_type_then_status(
    status: int, type_: str, extra: dict[str, object], expected: type[lr.APIError]
) -> None:
    error = error_from_response(
        response(status, {"type": type_, "title": "T", "detail": "D", **extra})
    )
    assert type(error) is expected
    assert (error.status_code, error.type, error.title, error.detail) == (status, type_, "T", "D")
    assert error.extensions == extra


def test_token_endpoint_403_is_an_authentication_error() -> None:
    error = error_from_response(
        response(403, {"type": "ANL_00403", "title": "Forbidden", "detail": "x"}),
        token_request=True,
    )
    assert isinstance(error, lr.AuthenticationError)


def test_members_request_id_and_helpers() -> None:
    error = error_from_response(
        response(
            400,
            {
                "type": "ANL_00400",
                "title": "Validation Error",
                "detail": "bad metric",
                "validMetrics": ["engagements", "impressions"],
                "instance": "/x",
            },
            headers={"X-Request-Id": "req-123"},
        )
    )
    assert isinstance(error, lr.UnsupportedMetricError)
    assert error.valid_metrics == ["engagements", "impressions"]
    assert error.extensions["instance"] == "/x"
    assert error.request_id == "req-123"
    assert str(error) == ("HTTP 400 ANL_00400 Validation Error: bad metric (request id req-123)")
    sort_error = error_from_response(
        response(400, {"type": "ANL_00422", "title": "t", "detail": "d", "validValues": ["cpe"]})
    )
    assert isinstance(sort_error, lr.InvalidSortPropertyError)
    assert sort_error.valid_values == ["cpe"]
    limited = error_from_response(
        response(
            429, {"type": "ANL_00429", "title": "t", "detail": "d"}, headers={"Retry-After": "7"}
        )
    )
    assert isinstance(limited, lr.RateLimitedError)
    assert limited.retry_after == 7.0


def test_html_error_page_is_described_not_parsed() -> None:
    error = error_from_response(
        response(502, b"<html>Bad Gateway</html>", content_type="text/html")
    )
    assert isinstance(error, lr.ServerError)
    assert "text/html, not problem+json" in str(error)


def test_hierarchy() -> None:
    assert issubclass(lr.ValidationError, ValueError)
    assert issubclass(lr.ConfigurationError, ValueError)
    assert issubclass(lr.QueryTooLargeError, lr.ValidationError)
    assert issubclass(lr.APITimeoutError, lr.APIConnectionError)
    for cls in (lr.InvalidClientCredentials, lr.ClientDisabled, lr.NoAccessibleInstances):
        assert issubclass(cls, lr.AuthenticationError)
    assert issubclass(lr.InstanceAccessDenied, lr.PermissionDeniedError)
    for cls in (
        lr.APIError,
        lr.ValidationError,
        lr.DriftError,
        lr.UnexpectedResponseError,
        lr.APIConnectionError,
        lr.ConfigurationError,
    ):
        assert issubclass(cls, lr.LaterReportingError)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("Thu, 01 Jan 1970 00:01:40 GMT", 60.0),  # an HTTP-date, 60 s after "now" (40)
        ("Thursday, 01-Jan-70 00:01:40 GMT", 60.0),  # the obsolete RFC 850 form
        ("Thu, 01 Jan 1970 00:00:10 GMT", 0.0),  # already past
        ("-3", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        ("Thu, 99 Foo 1970 00:00:10 GMT", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(
    value: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(value, now=40.0) == seconds


def test_retry_after_date_is_measured_from_the_clock() -> None:
    import email.utils
    import time

    value = email.utils.formatdate(time.time() + 30, usegmt=True)
    parsed = parse_retry_after(value)
    assert parsed is not None and 28 <= parsed <= 30
