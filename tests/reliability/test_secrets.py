"""The client secret and every issued JWT never reach logs, output, errors or files."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import re
import subprocess
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from later_reporting._errors import error_from_response
from later_reporting._logging import RedactingFilter
from later_reporting.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    Faults,
    SandboxApp,
    SandboxClient,
    SandboxConfig,
    serve_in_thread,
)
from tests.reliability.processes import cli_command
from tests.unit.helpers import BASE, jwt, problem

SECRET = "x7-very-secret-client-value-91"
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.")


def leaks(text: str, tokens: list[str]) -> list[str]:
    found = [t[:12] + "..." for t in tokens if t in text]
    if SECRET in text:
        found.append("client secret")
    found += JWT_SHAPE.findall(text)
    return found


def test_full_export_with_refreshes_and_errors_leaks_nothing(tmp_path: Path) -> None:
    app = SandboxApp(
        SandboxConfig(
            rate_limit=None,
            token_lifetime=2.0,
            clients=(SandboxClient("leak-test", SECRET, ("instance_abc", "instance_def")),),
            faults=Faults(error_rate=0.1, drop_rate=0.02, latency_ms=5, seed=2),
        )
    )
    target = tmp_path / "posts.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATER_REPORTING_")}
    with serve_in_thread(app) as url:
        env.update(
            LATER_REPORTING_CLIENT_ID="leak-test",
            LATER_REPORTING_CLIENT_SECRET=SECRET,
            LATER_REPORTING_BASE_URL=url,
            LATER_REPORTING_LOG="debug",
            LATER_REPORTING_MAX_RETRIES="8",
        )
        ok = subprocess.run(
            cli_command(
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-02-10",  # under the default 120 requests/minute: no budget wait
                "-o",
                str(target),
                "--concurrency",
                "4",
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        failed = subprocess.run(
            cli_command(
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-01-31",
                "--instance-id",
                "instance_xyz",
                "-o",
                str(tmp_path / "denied.csv"),
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        wrong = subprocess.run(
            cli_command("auth", "check"),
            env={**env, "LATER_REPORTING_CLIENT_SECRET": SECRET + "x"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert (failed.returncode, wrong.returncode) == (3, 3)
    assert len(app.tokens.issued) >= 2  # the token was refreshed during the export
    assert "GET " in ok.stderr  # debug logging was on
    outputs = [
        ok.stdout,
        ok.stderr,
        failed.stdout,
        failed.stderr,
        wrong.stdout,
        wrong.stderr,
        target.read_text(encoding="utf-8"),
    ]
    for text in outputs:
        assert leaks(text, app.tokens.issued) == []


def test_reprs_errors_and_tracebacks_do_not_show_secrets(
    sandbox_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    with lr.Client(
        base_url=sandbox_url, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET
    ) as client:
        client.authenticate()
        token = client._tokens.current
        assert token is not None
        texts = [repr(client), str(client.__dict__), repr(token), repr(client._settings)]
        with pytest.raises(lr.InstanceAccessDenied) as info:
            list(
                client.posts.performance(
                    start="2025-01-01", end="2025-01-02", instance_ids=["instance_xyz"]
                )
            )
        texts += [str(info.value), repr(info.value), info.getrepr(showlocals=True).__str__()]
        texts += [r.getMessage() for r in caplog.records]
        for text in texts:
            assert DEMO_CLIENT_SECRET not in text
            assert token.value not in text


def test_redacting_filter_rewrites_jwt_shaped_strings() -> None:
    record = logging.LogRecord(
        "later_reporting",
        logging.DEBUG,
        __file__,
        1,
        "sent %s",
        ("Bearer eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln",),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "sent Bearer [redacted-jwt]"


# --- no secret in reach of an error: captured locals, attached requests, pickles -----------

CALLS = pytest.mark.parametrize("call", ["authenticate", "report"])
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


def make(kind: str, router: respx.Router, **options: Any) -> lr.Client | lr.AsyncClient:
    """A client holding ``SECRET``; this frame is gone before any request is sent."""
    settings: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": SECRET,
        "base_url": BASE,
        "rate_limit": None,
        "max_retries": 0,
        **options,
    }
    if kind == "sync":
        return lr.Client(transport=httpx.MockTransport(router.handler), **settings)
    return lr.AsyncClient(transport=httpx.MockTransport(router.handler), **settings)


def raised(kind: str, router: respx.Router, call: str) -> lr.LaterReportingError:
    """The error a first call raises (``authenticate()`` or a report), sync or async."""
    client = make(kind, router)
    if isinstance(client, lr.Client):
        with client:
            try:
                client.authenticate() if call == "authenticate" else list(client.instances.list())
            except lr.LaterReportingError as error:
                return error
        raise AssertionError("no error was raised")

    async def main(client: lr.AsyncClient) -> lr.LaterReportingError:
        async with client:
            try:
                if call == "authenticate":
                    await client.authenticate()
                else:
                    [i async for i in client.instances.list()]
            except lr.LaterReportingError as error:
                return error
        raise AssertionError("no error was raised")

    return asyncio.run(main(client))


def within_reach(error: BaseException) -> list[str]:
    """Every text a debugger, a test runner or an error tracker could show of ``error``."""
    texts = [
        str(error),
        repr(error),
        "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format()),
        repr(pickle.dumps(error)),
    ]
    response = getattr(error, "response", None)
    if response is not None:
        texts += [repr(response.request.headers), repr(response.request.content)]
    return texts


def rejected_credentials() -> respx.Router:
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(
        return_value=problem(401, "ANL_00401", "bad credentials", code="INVALID_CLIENT_CREDENTIALS")
    )
    return router


@KINDS
@CALLS
def test_a_rejected_token_request_keeps_the_secret_out_of_reach(kind: str, call: str) -> None:
    error = raised(kind, rejected_credentials(), call)
    assert type(error) is lr.InvalidClientCredentials
    assert error.response.request.url.path == "/oauth/token"  # still says what was sent
    for text in within_reach(error):
        assert SECRET not in text


@KINDS
def test_a_token_request_failing_inside_a_report_keeps_the_secret_out_of_reach(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=problem(500, "ANL_00500", "down"))
    error = raised(kind, router, "report")
    assert type(error) is lr.ServerError
    for text in within_reach(error):
        assert SECRET not in text


@KINDS
def test_a_report_error_keeps_the_jwt_out_of_reach(kind: str) -> None:
    token = jwt(nonce=77)
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": token}))
    router.get("/v2/instances").mock(return_value=problem(503, "ANL_00500", "busy"))
    error = raised(kind, router, "report")
    assert type(error) is lr.ServerError
    assert error.response.request.url.path == "/v2/instances"
    assert "authorization" not in error.response.request.headers
    for text in within_reach(error):
        assert token not in text
        assert SECRET not in text


@KINDS
def test_a_malformed_token_answer_keeps_the_jwt_out_of_reach(kind: str) -> None:
    token = jwt(nonce=78)
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(
        return_value=httpx.Response(200, text=f'{{"jwt": "{token}"', headers=JSON)
    )
    error = raised(kind, router, "authenticate")
    assert type(error) is lr.UnexpectedResponseError
    for text in within_reach(error):
        assert token not in text


JSON = {"content-type": "application/json"}


def response_for(status: int, body: dict[str, Any], **headers: str) -> httpx.Response:
    request = httpx.Request(
        "GET", f"{BASE}/v2/instances", headers={"Authorization": "Bearer eyJx.eyJy.sig"}
    )
    return httpx.Response(status, json=body, headers=headers, request=request)


ERRORS: list[lr.LaterReportingError] = [
    error_from_response(
        response_for(400, {"type": "ANL_00400", "title": "Bad", "validMetrics": ["reach"]})
    ),
    error_from_response(response_for(400, {"type": "ANL_00422", "validValues": ["postDate"]})),
    error_from_response(response_for(429, {"type": "ANL_00429"}, **{"retry-after": "7"})),
    error_from_response(response_for(403, {"type": "ANL_00403"}, **{"x-request-id": "r-1"})),
    error_from_response(response_for(401, {"code": "CLIENT_DISABLED"}), token_request=True),
    error_from_response(response_for(500, {"type": "ANL_00500", "detail": "boom"})),
    lr.UnexpectedResponseError("not JSON", response_for(200, {"data": 1})),
    lr.UnexpectedResponseError("no response"),
    lr.ValidationError("page_size", "must be 1..100"),
    lr.QueryTooLargeError("end", "too many pages"),
    lr.ConfigurationError("no client ID"),
    lr.DriftError("totalItems moved"),
    lr.APITimeoutError("timed out"),
    lr.ClientClosedError("closed"),
]


def fields(error: BaseException) -> dict[str, Any]:
    found = {k: v for k, v in vars(error).items() if k != "response"}
    response = getattr(error, "response", None)
    if response is not None:
        found["response"] = (
            response.status_code,
            response.content,
            list(response.headers.items()),
            response.request.method,
            str(response.request.url),
        )
    for name in ("valid_metrics", "valid_values", "retry_after"):
        if hasattr(error, name):
            found[name] = getattr(error, name)
    return found


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_pickles_as_itself_without_the_jwt(error: lr.LaterReportingError) -> None:
    data = pickle.dumps(error)
    assert b"eyJx.eyJy" not in data
    copy = pickle.loads(data)  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert (str(copy), copy.args) == (str(error), error.args)
    assert fields(copy) == fields(error)
