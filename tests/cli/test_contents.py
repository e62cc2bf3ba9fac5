"""What lands in the files: CSV every reader parses, spreadsheet-safe cells, one JSON record
per line, clean column names and types, and server text that cannot break any of it.

The server here is a stub (``httpx.MockTransport``) that sends the awkward values a real
server may send; the exporter under test is the real one.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import later_reporting as lr
import later_reporting.cli._export as export_command
from later_reporting._rows import COUNT_METRICS, REPORTS, columns, metric_kind
from later_reporting.cli import main

ENV = {
    "LATER_REPORTING_CLIENT_ID": "stub",
    "LATER_REPORTING_CLIENT_SECRET": "stub-secret",
    "LATER_REPORTING_BASE_URL": "https://stub.test",
}
AWKWARD = [
    "carriage\rreturn",
    "line\nfeed",
    "both\r\nends",
    'a "quoted" word',
    "comma, separated",
    "nul\x00byte",
    "trailing\r",
    "ünïcödé 😀",
]
FORMULAS = ['=HYPERLINK("http://x.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def campaign(campaign_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "campaignId": campaign_id,
        "campaignName": name,
        "instanceId": "instance_abc",
        "description": extra.get("description"),
        "status": "live",
        "startDate": "2025-01-01T00:00:00.000Z",
        "firstPostDate": "2025-01-02T00:00:00.000Z",
        "lastPostDate": "2025-01-03T00:00:00.000Z",
    }


def page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": rows,
        "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": len(rows)},
    }


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], None]:
    """``serve(body)``: every report request answers 200 with ``body`` (raw JSON bytes)."""
    holder: dict[str, bytes] = {}

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(
            200, content=holder["body"], headers={"Content-Type": "application/json"}
        )

    monkeypatch.setattr(
        export_command,
        "Client",
        functools.partial(lr.Client, transport=httpx.MockTransport(reply), rate_limit=None),
    )
    return lambda body: holder.__setitem__("body", body)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["export", *args, "--quiet"], env=ENV)


def test_csv_with_awkward_text_round_trips_through_every_reader(
    serve: Callable[[bytes], None], tmp_path: Path
) -> None:
    serve(json.dumps(page([campaign(i + 1, v) for i, v in enumerate(AWKWARD)])).encode())
    target = tmp_path / "c.csv"
    result = run("campaigns", "-o", str(target))
    assert result.exit_code == 0, result.output
    with open(target, encoding="utf-8", newline="") as handle:
        python = [row[1] for row in list(csv.reader(handle))[1:]]
    arrow = (
        pacsv.read_csv(target, parse_options=pacsv.ParseOptions(newlines_in_values=True))
        .column("campaign_name")
        .to_pylist()
    )
    duck = [
        r[0]
        for r in duckdb.execute(
            "select campaign_name from read_csv(?, header=true) order by campaign_id",
            [str(target)],
        ).fetchall()
    ]
    assert python == AWKWARD
    assert arrow == AWKWARD
    assert duck == AWKWARD


@pytest.mark.parametrize(("mode", "escaped"), [(None, True), ("escape", True), ("keep", False)])
def test_formula_cells_are_escaped_by_default_and_numbers_never(
    mode: str | None, escaped: bool, serve: Callable[[bytes], None], tmp_path: Path
) -> None:
    metrics = {
        "valueOfLikes": -12.5,
        "valueOfComments": -3,
        "valueOfShares": 1,
        "valueOfImpressions": 2,
        "valueGenerated": 3,
        "estimatedContentCost": 4,
        "returnOnInvestment": -0.5,
        "paidAdSpend": 0,
        "paidReturnOnAdSpend": None,
    }
    rows = [{"platform": "instagram", "metrics": metrics}]
    serve(json.dumps({"data": rows}).encode())
    target = tmp_path / "roi.csv"
    flags = [] if mode is None else ["--csv-formulas", mode]
    result = run(
        "platforms-roi", "--start", "2025-01-01", "--end", "2025-01-31", *flags, "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    record = next(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert record["value_of_likes"] == "-12.5"  # a negative number stays a number
    assert record["value_of_comments"] == "-3"
    assert record["return_on_investment"] == "-0.5"

    campaigns = [campaign(i + 1, v, description="-5") for i, v in enumerate(FORMULAS)]
    serve(json.dumps(page(campaigns)).encode())
    result = run("campaigns", *flags, "-o", str(target))
    assert result.exit_code == 0, result.output
    with open(target, encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    names = [r["campaign_name"] for r in records]
    assert names == (["'" + v for v in FORMULAS] if escaped else FORMULAS)
    assert {r["description"] for r in records} == {"-5"}  # text that is a plain number


def test_jsonl_has_one_record_per_line_for_every_reader(
    serve: Callable[[bytes], None], tmp_path: Path
) -> None:
    names = ["para\u2029graph", "line\u2028sep", "next\u0085line", "plain"]
    serve(json.dumps(page([campaign(i + 1, v) for i, v in enumerate(names)])).encode())
    target = tmp_path / "c.jsonl"
    result = run("campaigns", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines()  # Python splits on U+2028, U+2029 and U+0085 too
    assert len(lines) == len(names)
    assert [json.loads(line)["campaign_name"] for line in lines] == names


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_unencodable_text_is_replaced_with_one_warning(
    fmt: str, serve: Callable[[bytes], None], tmp_path: Path
) -> None:
    body = json.dumps(page([campaign(7, "PLACEHOLDER"), campaign(8, "PLACEHOLDER")]))
    serve(body.replace("PLACEHOLDER", "bad \\ud800 text").encode())
    target = tmp_path / f"c.{fmt}"
    result = run("campaigns", "-o", str(target))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "campaigns" in warnings[0]
    assert "campaignId=7" in warnings[0] and "campaign_name" in warnings[0]
    if fmt == "parquet":
        values = pq.read_table(target).column("campaign_name").to_pylist()
    elif fmt == "csv":
        values = [r["campaign_name"] for r in csv.DictReader(io.StringIO(target.read_text()))]
    else:
        values = [json.loads(x)["campaign_name"] for x in target.read_text().splitlines()]
    assert values == ["bad \ufffd text"] * 2


def test_an_invalid_date_in_parquet_is_exit_4_naming_field_and_row(
    serve: Callable[[bytes], None], tmp_path: Path
) -> None:
    buckets = [
        {"startDate": "2025-01-01", "endDate": "2025-01-31", "metrics": {"engagements": 1}},
        {"startDate": "2025-02-01", "endDate": "2025-02-30", "metrics": {"engagements": 2}},
    ]
    serve(json.dumps(page(buckets)).encode())
    target = tmp_path / "t.parquet"
    result = run("timeseries", "--start", "2025-01-01", "--end", "2025-02-28", "-o", str(target))
    assert result.exit_code == 4, result.output
    assert "for end_date in row start_date=2025-02-01," in result.output
    assert "'2025-02-30'" in result.output
    assert not target.exists()


def test_counts_are_integers_and_rates_money_and_ratios_floats() -> None:
    assert {"likes", "comments", "impressions", "postsCount", "influencersCount"} <= COUNT_METRICS
    for name in ("engagementRate", "cpe", "cpm", "estimatedRoi", "impressionsPerPost"):
        assert metric_kind(name) == "float"
    assert metric_kind("postsCount") == "int"
    report = REPORTS["campaigns-performance"]
    kinds = {c.name: c.kind for c in columns(report, report.default_metrics)}
    assert kinds["posts_count"] == "int" and kinds["influencers_count"] == "int"
    assert kinds["engagement_rate"] == "float" and kinds["estimated_roi"] == "float"


def test_parquet_counts_are_int64_and_names_have_no_dots(tmp_path: Path, sandbox_url: str) -> None:
    env = {**ENV, "LATER_REPORTING_CLIENT_ID": "demo-client"}
    env.update(LATER_REPORTING_CLIENT_SECRET="demo-secret", LATER_REPORTING_BASE_URL=sandbox_url)
    target = tmp_path / "c.parquet"
    dates = ["--start", "2025-01-01", "--end", "2025-01-31"]
    result = CliRunner().invoke(
        main, ["export", "campaigns-performance", *dates, "-o", str(target)], env=env
    )
    assert result.exit_code == 0, result.output
    schema = pq.read_schema(target)
    assert str(schema.field("posts_count").type) == "int64"
    assert str(schema.field("influencers_count").type) == "int64"
    assert str(schema.field("engagements").type) == "int64"
    assert str(schema.field("estimated_roi").type) == "double"
    posts = tmp_path / "p.csv"
    result = CliRunner().invoke(
        main, ["export", "posts-performance", *dates, "--max-items", "5", "-o", str(posts)], env=env
    )
    assert result.exit_code == 0, result.output
    header = posts.read_text().splitlines()[0].split(",")
    assert "creator_profile_full_name" in header
    assert not [name for name in header if "." in name or name != name.lower()]
    dotted = tmp_path / "d.csv"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "posts-performance",
            *dates,
            "--max-items",
            "5",
            "--dotted-names",
            "-o",
            str(dotted),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "creatorProfile.fullName" in dotted.read_text().splitlines()[0].split(",")
    assert "warning: --dotted-names is deprecated" in result.output


def test_single_row_reports_carry_their_filter(tmp_path: Path, sandbox_url: str) -> None:
    env = {
        "LATER_REPORTING_CLIENT_ID": "demo-client",
        "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        "LATER_REPORTING_BASE_URL": sandbox_url,
    }
    target = tmp_path / "summary.parquet"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "instances-performance",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-31",
            "--instance-id",
            "instance_abc",
            "--date-basis",
            "performance_date",
            "-o",
            str(target),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    row = pq.read_table(target).to_pylist()[0]
    assert str(row["filter_start"]) == "2025-01-01" and str(row["filter_end"]) == "2025-01-31"
    assert row["filter_date_basis"] == "performance_date"
    assert row["filter_instance_ids"] == "instance_abc"
    assert str(pq.read_schema(target).field("filter_start").type) == "date32[day]"
