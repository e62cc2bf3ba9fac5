"""Error responses become the documented exception classes, keeping every member."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

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
        (500, "SOMETHING_NEW", {}, lr.ServerError),  # 500 itself is a server error
        # the type says "unsupported metric" whatever the status
        (422, "ANL_00400", {"validMetrics": ["reach"]}, lr.UnsupportedMetricError),
        (422, "VALIDATION_ERROR", {"validMetrics": ["reach"]}, lr.UnsupportedMetricError),
        # an unknown type: validMetrics on a 400 still means it, on another status it does not
        (400, "SOMETHING_NEW", {"validMetrics": ["reach"]}, lr.UnsupportedMetricError),
        (409, "SOMETHING_NEW", {"validMetrics": ["reach"]}, lr.APIError),
        # a code member that names nothing known: the type decides
        (404, "ANL_00404", {"code": "SOMETHING_NEW"}, lr.NotFoundError),
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
        response(502, b"<html>Bad Gateway</html>", content_type="text/html; charset=utf-8")
    )
    assert isinstance(error, lr.ServerError)
    assert str(error) == "HTTP 502 Bad Gateway: the response body is text/html, not problem+json"
    assert (error.title, error.type, error.code) == ("Bad Gateway", None, None)


def test_an_error_without_a_body_or_a_known_reason_is_still_described() -> None:
    bare = httpx.Response(599, request=httpx.Request("GET", "https://x.test/v2/campaigns"))
    error = error_from_response(bare)
    assert type(error) is lr.ServerError
    assert str(error) == "HTTP 599 Error: the response body is no content type, not problem+json"


def test_a_json_body_that_is_not_an_object_is_not_a_problem() -> None:
    error = error_from_response(response(400, [{"type": "ANL_00404"}]))
    assert type(error) is lr.BadRequestError
    assert error.type is None and error.extensions == {}
    assert str(error).endswith("the response body is application/problem+json, not problem+json")


def test_problem_members_that_are_not_text_are_left_out() -> None:
    error = error_from_response(response(400, {"type": 7, "title": 5, "detail": ["why"]}))
    assert type(error) is lr.BadRequestError
    assert (error.type, error.code, error.title, error.detail) == (None, None, None, None)
    assert str(error) == "HTTP 400"


def test_hierarchy() -> None:
    assert issubclass(lr.ValidationError, ValueError)
    assert issubclass(lr.ConfigurationError, ValueError)
    assert issubclass(lr.QueryTooLargeError, lr.ValidationError)
    assert issubclass(lr.OptionError, lr.ValidationError)
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


# --- .code: the one code to branch on, by a stated rule --------------------------------------

TOKEN = "https://x.test/oauth/token"


@pytest.mark.parametrize(
    ("status", "body", "token_request", "code", "expected"),
    [
        (400, {"type": "ANL_00400"}, False, "ANL_00400", lr.BadRequestError),
        (
            400,
            {"type": "ANL_00400", "validMetrics": ["reach"]},
            False,
            "ANL_00400",
            lr.UnsupportedMetricError,
        ),
        (400, {"type": "ANL_00422"}, False, "ANL_00422", lr.InvalidSortPropertyError),
        (401, {"type": "ANL_00401"}, False, "ANL_00401", lr.AuthenticationError),
        (
            401,
            {"type": "ANL_00401", "code": "INVALID_CLIENT_CREDENTIALS"},
            True,
            "ANL_00401",
            lr.InvalidClientCredentials,
        ),
        # ANL_00403 on the token endpoint: the client is disabled or has no instances
        (
            403,
            {"type": "ANL_00403", "code": "CLIENT_DISABLED"},
            True,
            "ANL_00403",
            lr.ClientDisabled,
        ),
        (
            403,
            {"type": "ANL_00403", "code": "NO_ACCESSIBLE_INSTANCES"},
            True,
            "ANL_00403",
            lr.NoAccessibleInstances,
        ),
        (403, {"type": "ANL_00403"}, True, "ANL_00403", lr.AuthenticationError),
        # ANL_00403 on a report: an instance outside the client's set
        (403, {"type": "ANL_00403"}, False, "ANL_00403", lr.InstanceAccessDenied),
        (404, {"type": "ANL_00404"}, False, "ANL_00404", lr.NotFoundError),
        (429, {"type": "ANL_00429"}, False, "ANL_00429", lr.RateLimitedError),
        (500, {"type": "ANL_00500"}, False, "ANL_00500", lr.ServerError),
        # older deployments: the type name is the code
        (400, {"type": "VALIDATION_ERROR"}, False, "VALIDATION_ERROR", lr.BadRequestError),
        (
            400,
            {"type": "INVALID_SORT_PROPERTY"},
            False,
            "INVALID_SORT_PROPERTY",
            lr.InvalidSortPropertyError,
        ),
        (404, {"type": "RESOURCE_NOT_FOUND"}, False, "RESOURCE_NOT_FOUND", lr.NotFoundError),
        (500, {"type": "INTERNAL_ERROR"}, False, "INTERNAL_ERROR", lr.ServerError),
        (401, {"type": "CLIENT_DISABLED"}, True, "CLIENT_DISABLED", lr.ClientDisabled),
        # a token problem with only its code member
        (
            401,
            {"code": "NO_ACCESSIBLE_INSTANCES"},
            True,
            "NO_ACCESSIBLE_INSTANCES",
            lr.NoAccessibleInstances,
        ),
        # no code at all: the class comes from the status
        (502, {}, False, None, lr.ServerError),
        # a code member that is not text is no code: the older type name is
        (
            400,
            {"type": "VALIDATION_ERROR", "code": 42},
            False,
            "VALIDATION_ERROR",
            lr.BadRequestError,
        ),
        # the token endpoint: a 401 or 403 is about the credentials whatever its type says;
        # other statuses keep their own class (a wrong base URL is not a credentials problem)
        (401, {"type": "ANL_00404"}, True, "ANL_00404", lr.AuthenticationError),
        (403, {"type": "SOMETHING_NEW"}, True, "SOMETHING_NEW", lr.AuthenticationError),
        (404, {"type": "ANL_00404"}, True, "ANL_00404", lr.NotFoundError),
        (500, {"type": "ANL_00500"}, True, "ANL_00500", lr.ServerError),
    ],
)
def test_code_rule_and_class(
    status: int,
    body: dict[str, object],
    token_request: bool,
    code: str | None,
    expected: type[lr.APIError],
) -> None:
    error = error_from_response(
        response(status, {"title": "T", "detail": "D", **body}, headers={"x-request-id": "r-9"}),
        token_request=token_request,
    )
    assert type(error) is expected
    assert error.code == code
    assert (error.status_code, error.request_id) == (status, "r-9")


def test_readme_error_table_names_every_api_error_class_and_code() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- error-table -->")[1]
    for cls in _tree(lr.APIError):
        assert f"`{cls.__name__}`" in table, cls
    for code in (
        "ANL_00400",
        "ANL_00401",
        "ANL_00403",
        "ANL_00404",
        "ANL_00422",
        "ANL_00429",
        "ANL_00500",
        "CLIENT_DISABLED",
        "NO_ACCESSIBLE_INSTANCES",
        "INVALID_CLIENT_CREDENTIALS",
        "VALIDATION_ERROR",
        "INTERNAL_ERROR",
    ):
        assert f"`{code}`" in table, code
    assert table.count("`ANL_00403`") >= 2  # its two meanings, one row each


# --- every error class pickles as itself, fields and all, with no secret ---------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"
CLIENT_SECRET = "s3cr3t-value-never-shown"


def _tree(root: type[Exception]) -> list[type[Exception]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_tree(sub))
    return sorted(set(found), key=lambda c: c.__name__)


def _instance(cls: type[lr.LaterReportingError]) -> lr.LaterReportingError:
    sent = httpx.Request(
        "POST",
        TOKEN,
        headers={"Authorization": f"Bearer {JWT}"},
        json={"clientId": "id", "clientSecret": CLIENT_SECRET},
    )
    answer = httpx.Response(
        403,
        json={
            "type": "ANL_00403",
            "title": "T",
            "detail": "D",
            "code": "CLIENT_DISABLED",
            "validMetrics": ["reach"],
            "validValues": ["cpe"],
        },
        headers={"x-request-id": "r-1", "retry-after": "3"},
        request=sent,
    )
    if issubclass(cls, lr.APIError):
        return cls(answer, json.loads(answer.content))
    if issubclass(cls, lr.ValidationError):
        return cls("metrics", "unknown metric 'x'")
    if issubclass(cls, lr.UnexpectedResponseError):
        return cls("not JSON", answer)
    return cls("something went wrong")


def _fields(error: BaseException) -> dict[str, object]:
    found = {k: v for k, v in vars(error).items() if k != "response"}
    response = getattr(error, "response", None)
    if response is not None:
        found["response"] = (
            response.status_code,
            response.content,
            list(response.headers.items()),
            str(response.request.url),
        )
    for name in (
        "code",
        "status_code",
        "request_id",
        "valid_metrics",
        "valid_values",
        "retry_after",
    ):
        if hasattr(error, name):
            found[name] = getattr(error, name)
    return found


@pytest.mark.parametrize("cls", _tree(lr.LaterReportingError), ids=lambda c: c.__name__)
def test_every_error_class_pickles_as_itself_without_secrets(
    cls: type[lr.LaterReportingError],
) -> None:
    error = _instance(cls)
    data = pickle.dumps(error)
    assert JWT.encode() not in data
    assert CLIENT_SECRET.encode() not in data
    copy = pickle.loads(data)  # noqa: S301 - our own bytes
    assert type(copy) is cls
    assert (str(copy), copy.args) == (str(error), error.args)
    assert _fields(copy) == _fields(error)
    if isinstance(error, lr.APIError):
        assert isinstance(copy, lr.APIError)
        assert (copy.code, copy.status_code, copy.request_id) == ("ANL_00403", 403, "r-1")


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


# --- the response an error keeps: a copy without credentials ---------------------------------


def test_the_kept_response_has_the_body_and_headers_but_no_credentials() -> None:
    sent = httpx.Request(
        "GET",
        "https://x.test/v2/campaigns",
        headers={
            "Authorization": f"Bearer {JWT}",
            "Proxy-Authorization": "Basic cHJveHk6cHc=",
            "Cookie": "session=1",
            "X-Trace": "t-1",
        },
    )
    body = {"type": "ANL_00404", "title": "Not Found", "detail": "no such campaign"}
    answer = httpx.Response(
        404,
        json=body,
        headers={"x-request-id": "r-2"},
        request=sent,
        extensions={
            "http_version": b"HTTP/2",
            "reason_phrase": b"Nowhere",
            "network_stream": object(),
        },
    )
    kept = error_from_response(answer).response
    assert kept.json() == body and kept.content == answer.content
    assert kept.headers["x-request-id"] == "r-2"
    assert kept.request.headers["x-trace"] == "t-1"
    for name in ("authorization", "proxy-authorization", "cookie"):
        assert name not in kept.request.headers
    assert (kept.http_version, kept.reason_phrase) == ("HTTP/2", "Nowhere")
    assert set(kept.extensions) == {"http_version", "reason_phrase"}  # no live connection


def test_unexpected_response_keeps_a_scrubbed_copy() -> None:
    sent = httpx.Request(
        "GET", "https://x.test/v2/campaigns", headers={"Authorization": f"Bearer {JWT}"}
    )
    answer = httpx.Response(200, content=b'{"data": 1}', request=sent)
    error = lr.UnexpectedResponseError("data is not a list", answer)
    assert str(error) == "data is not a list"
    assert error.response is not None and error.response is not answer
    assert error.response.content == b'{"data": 1}'  # a report's body is kept to debug
    assert "authorization" not in error.response.request.headers
    assert lr.UnexpectedResponseError("no response").response is None


def test_a_successful_token_answer_loses_its_body() -> None:
    sent = httpx.Request("POST", TOKEN, json={"clientId": "id", "clientSecret": CLIENT_SECRET})
    answer = httpx.Response(200, json={"jwt": JWT}, request=sent)
    error = lr.UnexpectedResponseError("jwt missing", answer)
    assert error.response is not None
    assert error.response.content == b""
    assert error.response.request.content == b""  # nor the secret the request carried


def test_a_response_not_read_or_without_a_request_is_kept_as_it_can_be() -> None:
    unread = httpx.Response(200, stream=httpx.ByteStream(b"never read"))
    error = lr.UnexpectedResponseError("too large", unread)
    assert error.response is not None and error.response.content == b""
    by_hand = lr.UnexpectedResponseError("odd", httpx.Response(502, content=b"odd"))
    assert by_hand.response is not None and by_hand.response.content == b"odd"
    with pytest.raises(RuntimeError):  # like the original: no request to show
        _ = by_hand.response.request


def test_a_validation_error_names_its_parameter() -> None:
    error = lr.ValidationError("campaign_ids", "at most 50 campaign ids per request, got 51")
    assert error.parameter == "campaign_ids"
    assert str(error) == "campaign_ids: at most 50 campaign ids per request, got 51"


def test_a_retry_after_date_without_a_zone_is_gmt(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    # -0000 is RFC 5322's "zone unknown"; an HTTP-date is GMT, whatever the local zone.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 -0000", now=40.0) == 60.0
    finally:
        monkeypatch.undo()
        time.tzset()
