"""Bad input gets its own clear error before any request leaves the machine."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting import _validation
from later_reporting._seam import OPERATIONS
from later_reporting.cli import main
from later_reporting.models import CampaignSortProperty

SENT: list[httpx.Request] = []


def refuse(request: httpx.Request) -> httpx.Response:
    SENT.append(request)
    return httpx.Response(500)


def options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Demo credentials and a transport that records and refuses, under ``kwargs``."""
    return {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": "https://api.example.test",
        "transport": httpx.MockTransport(refuse),
        **kwargs,
    }


def client(**kwargs: Any) -> lr.Client:
    return lr.Client(**options(kwargs))


def async_client(**kwargs: Any) -> lr.AsyncClient:
    return lr.AsyncClient(**options(kwargs))


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
        "end: end (2025-01-01) is before start (2025-02-01)",
    ),
    (
        "range over two years",
        lambda c: c.posts.performance(start="2024-01-01", end="2026-01-01"),
        lr.ValidationError,
        "end: the range 2024-01-01..2026-01-01 is longer than two years; "
        "the latest end for this start is 2025-12-31 (split the range into several calls)",
    ),
    (
        "not a date",
        lambda c: c.posts.performance(start="2025-13-01", end="2025-12-31"),
        lr.ValidationError,
        "start: '2025-13-01' is not a valid calendar date",
    ),
    (
        "wrong date format",
        lambda c: c.posts.performance(start="01/02/2025", end="2025-12-31"),
        lr.ValidationError,
        "start: '01/02/2025' is not a date in the format YYYY-MM-DD",
    ),
    (
        "full-width digits",
        lambda c: c.posts.performance(start="\uff12\uff10\uff12\uff15-01-01", end="2025-12-31"),
        lr.ValidationError,
        "start: '\uff12\uff10\uff12\uff15-01-01' is not a date in the format YYYY-MM-DD",
    ),
    (
        "datetime not date",
        lambda c: c.posts.performance(
            start=dt.datetime(2025, 1, 1),  # type: ignore[arg-type]
            end="2025-12-31",
        ),
        lr.ValidationError,
        "start: pass a datetime.date, not a datetime (dates are UTC days)",
    ),
    (
        "date as int",
        lambda c: c.posts.performance(start=20250101, end="2025-12-31"),  # type: ignore[arg-type]
        lr.ValidationError,
        "start: expected a datetime.date or 'YYYY-MM-DD', got int",
    ),
    (
        "51 campaign ids",
        lambda c: c.posts.performance(**D, campaign_ids=list(range(51))),
        lr.ValidationError,
        "campaign_ids: at most 50 campaign ids per request, got 51",
    ),
    (
        "campaign id not int",
        lambda c: c.posts.performance(**D, campaign_ids=["abc"]),  # type: ignore[list-item]
        lr.ValidationError,
        "campaign_ids: 'abc' is not an integer id",
    ),
    (
        "campaign id bool",
        lambda c: c.posts.performance(**D, campaign_ids=[True]),
        lr.ValidationError,
        "campaign_ids: True is not an integer id",
    ),
    (
        "empty campaign ids",
        lambda c: c.posts.performance(**D, campaign_ids=[]),
        lr.ValidationError,
        "campaign_ids: is empty; omit it to include every campaign",
    ),
    (
        "platform and content type",
        lambda c: c.posts.performance(**D, platforms=["instagram"], content_types=["tiktok"]),
        lr.ValidationError,
        "platforms: platforms and content_types cannot be combined; "
        "a platform already includes all its content types",
    ),
    (
        "unknown platform",
        lambda c: c.posts.performance(**D, platforms=["myspace"]),
        lr.ValidationError,
        "platforms: 'myspace' is not valid here; "
        "valid values are: facebook, instagram, tiktok, twitter, youtube",
    ),
    (
        "unknown content type",
        lambda c: c.posts.performance(**D, content_types=["reel"]),
        lr.ValidationError,
        "content_types: 'reel' is not valid here; "
        "valid values are: facebook_group, facebook_live, facebook_post,",
    ),
    (
        "platforms as a string",
        lambda c: c.posts.performance(**D, platforms="instagram"),
        lr.ValidationError,
        "platforms: expected a list, got str 'instagram'",
    ),
    (
        "unknown metric",
        lambda c: c.posts.performance(**D, metrics=["likez"]),
        lr.ValidationError,
        "metrics: 'likez' is not valid here; valid values are: avgWatchTime, comments, cpe,",
    ),
    (
        "metric of another report",
        lambda c: c.posts.performance(**D, metrics=["campaignsCost"]),
        lr.ValidationError,
        "metrics: 'campaignsCost' is not valid here; "
        "valid values are: avgWatchTime, comments, cpe,",
    ),
    (
        "comma inside a metric",
        lambda c: c.posts.performance(**D, metrics=["likes,comments"]),
        lr.ValidationError,
        "metrics: 'likes,comments' is not valid here; "
        "valid values are: avgWatchTime, comments, cpe,",
    ),
    (
        "empty metrics",
        lambda c: c.posts.performance(**D, metrics=[]),
        lr.ValidationError,
        "metrics: is empty; omit it to mean all, or name at least one value",
    ),
    (
        "summary without metrics",
        lambda c: c.instances.performance(**D, metrics=None),  # type: ignore[arg-type]
        lr.ValidationError,
        "metrics: is required for instances.performance; "
        "valid values are: affiliateLinksClicks, affiliateLinksConversions, affiliateLinksSales,",
    ),
    (
        "unknown sort property",
        lambda c: c.posts.performance(**D, sort_property="likes"),
        lr.ValidationError,
        "sort_property: 'likes' is not valid here; valid values are: cpe, cpm, engagementRate,",
    ),
    (
        "sort property of another report",
        lambda c: c.posts.performance(**D, sort_property="estimatedRoi"),
        lr.ValidationError,
        "sort_property: 'estimatedRoi' is not valid here; "
        "valid values are: cpe, cpm, engagementRate,",
    ),
    (
        "injection-looking sort",
        lambda c: c.posts.performance(**D, sort_property="postDate; DROP TABLE posts"),
        lr.ValidationError,
        "sort_property: 'postDate; DROP TABLE posts' is not valid here; "
        "valid values are: cpe, cpm, engagementRate,",
    ),
    (
        "unknown sort direction",
        lambda c: c.posts.performance(**D, sort_direction="up"),
        lr.ValidationError,
        "sort_direction: 'up' is not valid here; valid values are: ASC, DESC",
    ),
    (
        "unknown date basis",
        lambda c: c.posts.performance(**D, date_basis="postDate"),
        lr.ValidationError,
        "date_basis: 'postDate' is not valid here; valid values are: performance_date, post_date",
    ),
    (
        "unknown granularity",
        lambda c: c.instances.performance_over_time(**D, granularity="hour"),
        lr.ValidationError,
        "granularity: 'hour' is not valid here; valid values are: day, month, quarter, week, year",
    ),
    (
        "page size 0",
        lambda c: c.posts.performance(**D, page_size=0),
        lr.ValidationError,
        "page_size: must be a whole number from 1 to 100, got 0",
    ),
    (
        "page size 101",
        lambda c: c.posts.performance(**D, page_size=101),
        lr.ValidationError,
        "page_size: must be a whole number from 1 to 100, got 101",
    ),
    (
        "page size string",
        lambda c: c.posts.performance(**D, page_size="50"),  # type: ignore[arg-type]
        lr.ValidationError,
        "page_size: must be a whole number from 1 to 100, got '50'",
    ),
    (
        "max items 0",
        lambda c: c.posts.performance(**D, max_items=0),
        lr.ValidationError,
        "max_items: must be a whole number >= 1 or None, got 0",
    ),
    (
        "empty instance id",
        lambda c: c.posts.performance(**D, instance_ids=[""]),
        lr.ValidationError,
        "instance_ids: '' is not a non-empty string",
    ),
    (
        "control characters in id",
        lambda c: c.posts.performance(**D, instance_ids=["a\nb"]),
        lr.ValidationError,
        "instance_ids: 'a\\nb'... is not a plausible id",
    ),
    (
        "huge instance list",
        lambda c: c.posts.performance(**D, instance_ids=[f"i{n}" for n in range(10_000)]),
        lr.ValidationError,
        "instance_ids: 10000 ids is more than 500",
    ),
    (
        "instance ids as a string",
        lambda c: c.campaigns.list(instance_ids="instance_abc"),
        lr.ValidationError,
        "instance_ids: expected a list, got str 'instance_abc'",
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
        "metric not a string",
        lambda c: c.posts.performance(**D, metrics=[5]),  # type: ignore[list-item]
        lr.ValidationError,
        "metrics: 5 is not valid here; valid values are: avgWatchTime, comments, cpe,",
    ),
    (
        "sort property member of another report",
        lambda c: c.posts.performance(**D, sort_property=CampaignSortProperty.ESTIMATED_ROI),
        lr.ValidationError,
        "sort_property: 'estimatedRoi' is not valid here; valid values are: cpe, cpm,",
    ),
    (
        "metrics restricted to other content types",
        lambda c: c.posts.performance(
            **D, metrics=["avgWatchTime", "navigationTapBack", "likes"], platforms=["facebook"]
        ),
        lr.ValidationError,
        "metrics: avgWatchTime, navigationTapBack not supported for the current platform/content "
        "type filters (restricted to some content types; filter with content_types); valid "
        "metrics are: likes, comments, shares,",
    ),
    (
        "max items as a string",
        lambda c: c.posts.performance(**D, max_items="5"),  # type: ignore[arg-type]
        lr.ValidationError,
        "max_items: must be a whole number >= 1 or None, got '5'",
    ),
    (
        "max items True",
        lambda c: c.posts.performance(**D, max_items=True),
        lr.ValidationError,
        "max_items: must be a whole number >= 1 or None, got True",
    ),
    (
        "two years and more near the end of the calendar",
        lambda c: c.posts.performance(start="9997-06-01", end="9999-12-31"),
        lr.ValidationError,
        "end: the range 9997-06-01..9999-12-31 is longer than two years; the latest end for "
        "this start is 9999-05-31 (split the range into several calls)",
    ),
    (
        "instance id not a string",
        lambda c: c.posts.performance(**D, instance_ids=[7]),  # type: ignore[list-item]
        lr.ValidationError,
        "instance_ids: 7 is not a non-empty string",
    ),
    (
        "instance id too long",
        lambda c: c.posts.performance(**D, instance_ids=["abcdefghij" * 26]),
        lr.ValidationError,
        "instance_ids: 'abcdefghijabcdefghijabcdefghijabcdefghij'... is not a plausible id",
    ),
    (
        "a unit separator in an id",
        lambda c: c.posts.performance(**D, instance_ids=["a\x1fb"]),
        lr.ValidationError,
        "instance_ids: 'a\\x1fb'... is not a plausible id",
    ),
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
    with pytest.raises(error) as info:
        await run_on(kind, call)
    # The message starts with the parameter's name and says all of what is wrong.
    assert str(info.value).startswith(message), str(info.value)
    assert getattr(info.value, "parameter", None) == message.split(":")[0]
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


def empty_page(request: httpx.Request) -> httpx.Response:
    SENT.append(request)
    if request.url.path == "/oauth/token":
        return httpx.Response(200, json={"jwt": "opaque"})
    return httpx.Response(
        200,
        json={
            "data": [],
            "pagination": {"page": 1, "pageSize": 100, "totalPages": 0, "totalItems": 0},
        },
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_values_at_the_edges_are_accepted_and_sent(kind: str) -> None:
    """One day (start == end), a space inside an id (only control characters are refused),
    500 instance ids, and a per-call timeout under a second."""
    ids = ["instance abc", *(f"i{n}" for n in range(499))]
    SENT.clear()
    await run_on(
        kind,
        lambda c: c.posts.performance(
            start="2025-01-31", end="2025-01-31", instance_ids=ids, timeout=0.5
        ),
        transport=httpx.MockTransport(empty_page),
    )
    report = SENT[-1]
    assert (report.url.params["startDate"], report.url.params["endDate"]) == (
        "2025-01-31",
        "2025-01-31",
    )
    assert report.url.params.get_list("instanceIds") == ids
    assert report.extensions["timeout"]["read"] == 0.5
    SENT.clear()
    with pytest.raises(lr.ValidationError, match=r"^instance_ids: 501 ids is more than 500$"):
        await run_on(kind, lambda c: c.posts.performance(**D, instance_ids=[*ids, "one more"]))
    assert SENT == []


def test_filters_an_operation_does_not_have_are_refused_by_name() -> None:
    # The methods do not take these arguments; the one validation shared by every caller
    # still refuses them by name rather than sending them.
    with pytest.raises(
        lr.ValidationError, match=r"^sort_property: campaigns.list is not sortable$"
    ):
        _validation.report_params(OPERATIONS["campaigns.list"], sort_property="name")
    with pytest.raises(lr.ValidationError, match=r"^metrics: campaigns.list takes no metrics$"):
        _validation.report_params(OPERATIONS["campaigns.list"], metrics=["reach"])


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


CLI_ENV = {
    "LATER_REPORTING_CLIENT_ID": "demo",
    "LATER_REPORTING_CLIENT_SECRET": "x",
    "LATER_REPORTING_BASE_URL": "https://127.0.0.1:1",
}
# Options export refuses: the same one line, exit 2, as ever.
OPTION_CASES = [
    (
        ["export", "campaigns", "--start", "2025-01-01", "-o", "-"],
        "error: --start does not apply to the campaigns report",
    ),
    (
        ["export", "posts-performance", "--start", "2025-01-01", "-o", "-"],
        "error: the posts-performance report needs --start and --end (YYYY-MM-DD)",
    ),
    (
        ["export", "campaigns", "-o", "a-folder/"],
        "error: --output a-folder/ names a folder; name a file in it",
    ),
]


@pytest.mark.parametrize(("args", "line"), OPTION_CASES)
def test_bad_export_options_exit_2_with_one_line(args: list[str], line: str) -> None:
    result = CliRunner().invoke(main, args, env=CLI_ENV)
    assert result.exit_code == 2, result.output
    assert line in result.output.splitlines()


def test_bad_export_options_raise_option_error_naming_the_option() -> None:
    """What the command line reports is an ``OptionError`` (a ``ValidationError``, so also a
    ``ValueError``) whose ``parameter`` is the option's argument name."""
    from later_reporting._rows import REPORTS
    from later_reporting.export import Output, call_options, check_target, open_sink

    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: call_options(REPORTS["campaigns"], start="2025-01-01"), "start"),
        (lambda: call_options(REPORTS["posts-performance"], start="2025-01-01"), "end"),
        (
            lambda: call_options(REPORTS["campaigns"], max_items=None, granularity="day"),
            "granularity",
        ),
        (lambda: check_target("a-folder/"), "output"),
        (lambda: open_sink(Output("xlsx", None), [], contextlib.ExitStack()), "fmt"),
    ]
    for call, parameter in calls:
        with pytest.raises(lr.OptionError) as raised:
            call()
        assert raised.value.parameter == parameter
        assert isinstance(raised.value, lr.ValidationError)
        assert not str(raised.value).startswith(f"{parameter}:")  # the message is whole


def test_an_unexpected_value_error_in_a_command_is_not_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``ValueError`` from a bug is not reported as a usage error (exit 2) but goes on as
    an unexpected error, as any other exception from a bug does."""
    import later_reporting.cli._export as export_command

    def broken(*args: Any, **kwargs: Any) -> int:
        raise ValueError("invalid literal for int() with base 10: 'x'")

    monkeypatch.setattr(export_command, "export_report", broken)
    result = CliRunner().invoke(
        main, ["export", "campaigns", "-o", str(tmp_path / "c.csv")], env=CLI_ENV
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, ValueError)
    assert "error: invalid literal" not in result.output


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
