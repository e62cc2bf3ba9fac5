"""Bad input gets its own clear error before any request leaves the machine."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting.cli import main

SENT: list[httpx.Request] = []


def refuse(request: httpx.Request) -> httpx.Response:
    SENT.append(request)
    return httpx.Response(500)


def client(**kwargs: Any) -> lr.Client:
    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": "https://api.example.test",
    }
    options.update(kwargs)
    return lr.Client(transport=httpx.MockTransport(refuse), **options)


def async_client(**kwargs: Any) -> lr.AsyncClient:
    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": "https://api.example.test",
    }
    options.update(kwargs)
    return lr.AsyncClient(transport=httpx.MockTransport(refuse), **options)


D = {"start": "2025-01-01", "end": "2025-01-31"}
# The same call on a Client or an AsyncClient (their methods take the same arguments).
Call = Callable[[Any], object]


def consume(result: object) -> None:
    if isinstance(result, lr.Paginator):
        list(result)


async def consume_async(result: object) -> None:
    if isinstance(result, lr.AsyncPaginator):
        _ = [row async for row in result]
    elif inspect.isawaitable(result):
        await result


async def run_on(kind: str, call: Call, **kwargs: Any) -> None:
    """``call(client)`` on a sync or an async client, read to the end."""
    if kind == "sync":
        with client(**kwargs) as c:
            consume(call(c))
        return
    async with async_client(**kwargs) as ac:
        await consume_async(call(ac))


SDK_CASES: list[tuple[str, Call, type[Exception], str]] = [
    (
        "start after end",
        lambda c: c.posts.performance(start="2025-02-01", end="2025-01-01"),
        lr.ValidationError,
        "before start",
    ),
    (
        "range over two years",
        lambda c: c.posts.performance(start="2024-01-01", end="2026-01-01"),
        lr.ValidationError,
        "longer than two years",
    ),
    (
        "not a date",
        lambda c: c.posts.performance(start="2025-13-01", end="2025-12-31"),
        lr.ValidationError,
        "not a valid calendar date",
    ),
    (
        "wrong date format",
        lambda c: c.posts.performance(start="01/02/2025", end="2025-12-31"),
        lr.ValidationError,
        "YYYY-MM-DD",
    ),
    (
        "full-width digits",
        lambda c: c.posts.performance(start="\uff12\uff10\uff12\uff15-01-01", end="2025-12-31"),
        lr.ValidationError,
        "YYYY-MM-DD",
    ),
    (
        "datetime not date",
        lambda c: c.posts.performance(
            start=dt.datetime(2025, 1, 1),  # type: ignore[arg-type]
            end="2025-12-31",
        ),
        lr.ValidationError,
        "not a datetime",
    ),
    (
        "date as int",
        lambda c: c.posts.performance(start=20250101, end="2025-12-31"),  # type: ignore[arg-type]
        lr.ValidationError,
        "expected a datetime.date",
    ),
    (
        "51 campaign ids",
        lambda c: c.posts.performance(**D, campaign_ids=list(range(51))),
        lr.ValidationError,
        "at most 50",
    ),
    (
        "campaign id not int",
        lambda c: c.posts.performance(**D, campaign_ids=["abc"]),  # type: ignore[list-item]
        lr.ValidationError,
        "not an integer",
    ),
    (
        "campaign id bool",
        lambda c: c.posts.performance(**D, campaign_ids=[True]),
        lr.ValidationError,
        "not an integer",
    ),
    (
        "empty campaign ids",
        lambda c: c.posts.performance(**D, campaign_ids=[]),
        lr.ValidationError,
        "is empty",
    ),
    (
        "platform and content type",
        lambda c: c.posts.performance(**D, platforms=["instagram"], content_types=["tiktok"]),
        lr.ValidationError,
        "cannot be combined",
    ),
    (
        "unknown platform",
        lambda c: c.posts.performance(**D, platforms=["myspace"]),
        lr.ValidationError,
        "'myspace' is not valid",
    ),
    (
        "unknown content type",
        lambda c: c.posts.performance(**D, content_types=["reel"]),
        lr.ValidationError,
        "'reel' is not valid",
    ),
    (
        "platforms as a string",
        lambda c: c.posts.performance(**D, platforms="instagram"),
        lr.ValidationError,
        "expected a list",
    ),
    (
        "unknown metric",
        lambda c: c.posts.performance(**D, metrics=["likez"]),
        lr.ValidationError,
        "'likez' is not valid",
    ),
    (
        "metric of another report",
        lambda c: c.posts.performance(**D, metrics=["campaignsCost"]),
        lr.ValidationError,
        "'campaignsCost' is not valid",
    ),
    (
        "comma inside a metric",
        lambda c: c.posts.performance(**D, metrics=["likes,comments"]),
        lr.ValidationError,
        "not valid",
    ),
    (
        "empty metrics",
        lambda c: c.posts.performance(**D, metrics=[]),
        lr.ValidationError,
        "is empty",
    ),
    (
        "summary without metrics",
        lambda c: c.instances.performance(**D, metrics=None),  # type: ignore[arg-type]
        lr.ValidationError,
        "is required",
    ),
    (
        "unknown sort property",
        lambda c: c.posts.performance(**D, sort_property="likes"),
        lr.ValidationError,
        "'likes' is not valid",
    ),
    (
        "sort property of another report",
        lambda c: c.posts.performance(**D, sort_property="estimatedRoi"),
        lr.ValidationError,
        "'estimatedRoi' is not valid",
    ),
    (
        "injection-looking sort",
        lambda c: c.posts.performance(**D, sort_property="postDate; DROP TABLE posts"),
        lr.ValidationError,
        "not valid",
    ),
    (
        "unknown sort direction",
        lambda c: c.posts.performance(**D, sort_direction="up"),
        lr.ValidationError,
        "'up' is not valid",
    ),
    (
        "unknown date basis",
        lambda c: c.posts.performance(**D, date_basis="postDate"),
        lr.ValidationError,
        "'postDate' is not valid",
    ),
    (
        "unknown granularity",
        lambda c: c.instances.performance_over_time(**D, granularity="hour"),
        lr.ValidationError,
        "'hour' is not valid",
    ),
    (
        "page size 0",
        lambda c: c.posts.performance(**D, page_size=0),
        lr.ValidationError,
        "from 1 to 100",
    ),
    (
        "page size 101",
        lambda c: c.posts.performance(**D, page_size=101),
        lr.ValidationError,
        "from 1 to 100",
    ),
    (
        "page size string",
        lambda c: c.posts.performance(**D, page_size="50"),  # type: ignore[arg-type]
        lr.ValidationError,
        "from 1 to 100",
    ),
    (
        "max items 0",
        lambda c: c.posts.performance(**D, max_items=0),
        lr.ValidationError,
        "max_items",
    ),
    (
        "empty instance id",
        lambda c: c.posts.performance(**D, instance_ids=[""]),
        lr.ValidationError,
        "non-empty string",
    ),
    (
        "control characters in id",
        lambda c: c.posts.performance(**D, instance_ids=["a\nb"]),
        lr.ValidationError,
        "plausible id",
    ),
    (
        "huge instance list",
        lambda c: c.posts.performance(**D, instance_ids=[f"i{n}" for n in range(10_000)]),
        lr.ValidationError,
        "more than 500",
    ),
    (
        "instance ids as a string",
        lambda c: c.campaigns.list(instance_ids="instance_abc"),
        lr.ValidationError,
        "expected a list",
    ),
]

TIMEOUTS: list[object] = [-1, "5", float("inf"), float("nan"), 0, True]


def with_timeout(kind: str, value: object) -> Call:
    def call(c: lr.Client) -> object:
        if kind == "paginated report":
            return c.posts.performance(**D, timeout=value)  # type: ignore[arg-type]
        return c.instances.performance(**D, metrics=["reach"], timeout=value)  # type: ignore[arg-type]

    return call


SDK_CASES += [
    (
        f"per-call timeout {value!r} on a {kind}",
        with_timeout(kind, value),
        lr.ValidationError,
        f"timeout: must be a finite number of seconds > 0, or None for the client's; got {value!r}",
    )
    for value in TIMEOUTS
    for kind in ("paginated report", "single report")
]
SDK_CASES += [
    (
        "a year past 9999",
        lambda c: c.posts.performance(start="9999-06-01", end="10000-01-01"),
        lr.ValidationError,
        "end: '10000-01-01': years past 9999 are not supported",
    ),
]

CONFIG_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("http to a public host", {"base_url": "http://reporting.api.later.com"}, "https://"),
    ("http to a private address", {"base_url": "http://10.0.0.5:8000"}, "https://"),
    ("ftp URL", {"base_url": "ftp://example.com"}, "http(s) URL"),
    ("not a URL", {"base_url": "reporting.api.later.com"}, "http(s) URL"),
    ("URL with query", {"base_url": "https://x.test/?a=1"}, "query"),
    ("no client id", {"client_id": ""}, "no client ID"),
    ("no client secret", {"client_secret": ""}, "no client secret"),
    ("negative timeout", {"timeout": -1}, "timeout"),
    ("infinite timeout", {"timeout": float("inf")}, "finite positive number of seconds"),
    (
        "password in the URL",
        {"base_url": "https://u:pa55@x.test"},
        "x.test' carries a user name or password",
    ),
    (
        "user in the URL",
        {"base_url": "https://u@x.test/v2"},
        "x.test/v2' carries a user name or password",
    ),
    ("negative retries", {"max_retries": -1}, "max_retries"),
    ("zero concurrency", {"concurrency": 0}, "concurrency"),
    ("zero rate limit", {"rate_limit": 0}, "rate_limit"),
    ("bad drift policy", {"on_drift": "ignore"}, "on_drift"),
]


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(
    ("label", "call", "error", "message"), SDK_CASES, ids=[c[0] for c in SDK_CASES]
)
async def test_sdk_rejects_before_sending(
    kind: str, label: str, call: Call, error: type[Exception], message: str
) -> None:
    SENT.clear()
    with pytest.raises(error, match=re.escape(message)):
        await run_on(kind, call)
    assert SENT == []


@pytest.mark.parametrize(
    ("label", "kwargs", "message"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_configuration_errors(
    label: str, kwargs: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LATER_REPORTING_CLIENT_ID", "LATER_REPORTING_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        lr.ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        client(**kwargs)


def test_a_password_in_the_base_url_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATER_REPORTING_BASE_URL", "https://reporter:pa55word@x.test/v2")
    with pytest.raises(lr.ConfigurationError) as info:
        lr.Client(client_id="demo", client_secret="secret")
    assert "pa55word" not in str(info.value)
    result = CliRunner().invoke(
        main,
        ["auth", "check"],
        env={"LATER_REPORTING_CLIENT_ID": "demo", "LATER_REPORTING_CLIENT_SECRET": "x"},
    )
    assert result.exit_code == 2, result.output
    assert "https://***@x.test/v2' carries a user name or password" in result.output
    assert "pa55word" not in result.output


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_start_near_the_end_of_the_calendar_is_a_valid_range(kind: str) -> None:
    SENT.clear()
    with pytest.raises(lr.ServerError):
        await run_on(
            kind, lambda c: c.posts.performance(start="9998-06-01", end="9999-12-31"), max_retries=0
        )
    assert [r.url.path for r in SENT] == ["/oauth/token"]  # validation passed; the mock refused


def test_loopback_http_is_allowed() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:9", "http://[::1]:8000"):
        with client(base_url=url) as c:
            assert c.base_url == url


def test_injection_looking_values_are_encoded_not_interpreted() -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(
            200,
            json={
                "data": [],
                "pagination": {"page": 1, "pageSize": 100, "totalPages": 0, "totalItems": 0},
            },
        )

    with lr.Client(
        client_id="d",
        client_secret="s",
        base_url="https://x.test",
        transport=httpx.MockTransport(reply),
    ) as c:
        list(c.posts.performance(**D, instance_ids=["abc&instanceIds=xyz", "ü😀"]))
    query = seen[-1].url.params
    assert query.get_list("instanceIds") == ["abc&instanceIds=xyz", "ü😀"]
    assert b"abc%26instanceIds%3Dxyz" in seen[-1].url.raw_path


CLI_CASES: list[tuple[str, list[str], str]] = [
    (
        "bad date",
        ["export", "posts-performance", "--start", "2025-1-1", "--end", "2025-01-31", "-o", "-"],
        "YYYY-MM-DD",
    ),
    (
        "missing end",
        ["export", "posts-performance", "--start", "2025-01-01", "-o", "-"],
        "needs --start and --end",
    ),
    (
        "unknown report",
        ["export", "followers", "--start", "2025-01-01", "--end", "2025-01-31", "-o", "-"],
        "Invalid value",
    ),
    ("unknown format", ["export", "campaigns", "--format", "xlsx", "-o", "-"], "Invalid value"),
    ("parquet to stdout", ["export", "campaigns", "--format", "parquet", "-o", "-"], "stdout"),
    (
        "metric of another report",
        [
            "export",
            "posts-performance",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--metrics",
            "campaignsCost",
            "-o",
            "-",
        ],
        "'campaignsCost' is not valid",
    ),
    (
        "both platform and content type",
        [
            "export",
            "posts-performance",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--platform",
            "instagram",
            "--content-type",
            "tiktok",
            "-o",
            "-",
        ],
        "cannot be combined",
    ),
    (
        "granularity on posts",
        [
            "export",
            "posts-performance",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--granularity",
            "week",
            "-o",
            "-",
        ],
        "does not apply",
    ),
    (
        "page size 500",
        [
            "export",
            "posts-performance",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--page-size",
            "500",
            "-o",
            "-",
        ],
        "from 1 to 100",
    ),
    (
        "http to a public host",
        ["export", "campaigns", "--base-url", "http://example.com", "-o", "-"],
        "https://",
    ),
]


@pytest.mark.parametrize(("label", "args", "message"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input_exits_2_with_one_line(label: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        main,
        args,
        env={
            "LATER_REPORTING_CLIENT_ID": "demo",
            "LATER_REPORTING_CLIENT_SECRET": "x",
            "LATER_REPORTING_BASE_URL": "https://127.0.0.1:1",
        },
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_missing_credentials(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["export", "campaigns", "-o", str(tmp_path / "c.csv")],
        env={"LATER_REPORTING_CLIENT_ID": "", "LATER_REPORTING_CLIENT_SECRET": ""},
    )
    assert result.exit_code == 2
    assert "no client ID" in result.output
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("LATER_REPORTING_CLIENT_ID demo\n", "line 1: expected KEY=VALUE"),
        ("# ok\nLATER_REPORTING_CLIENT_SECRET='unterminated\n", "line 2: unterminated quote"),
    ],
)
def test_cli_malformed_env_file(tmp_path: Path, content: str, message: str) -> None:
    env_file = tmp_path / "creds.env"
    env_file.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["export", "campaigns", "--env-file", str(env_file), "-o", "-"]
    )
    assert result.exit_code == 2
    assert message in result.output
