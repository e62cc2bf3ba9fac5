"""Every command against the sandbox: files read back equal what the SDK returns."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting._rows import REPORTS, columns, flatten, metric_list
from later_reporting.cli import main

START, END = "2025-01-01", "2025-01-31"
PINNED = {
    "instances-performance": [
        "filter_start",
        "filter_end",
        "filter_date_basis",
        "filter_instance_ids",
        "engagements",
        "impressions",
        "engagement_rate",
        "posts_count",
        "reach",
        "views",
        "estimated_value_generated",
        "estimated_content_cost",
        "campaigns_cost",
        "return_on_investment",
        "cpe",
        "cpm",
        "paid_engagements",
        "paid_impressions",
        "paid_engagement_rate",
        "paid_posts_count",
        "paid_views",
        "paid_ad_spend",
        "paid_return_on_ad_spend",
        "paid_cpe",
        "paid_cpm",
        "tracking_links_clicks",
        "tracking_links_conversions",
        "tracking_links_conversion_value",
        "affiliate_links_clicks",
        "affiliate_links_conversions",
        "affiliate_links_sales",
    ],
    "timeseries": [
        "start_date",
        "end_date",
        "clicks",
        "comments",
        "cpe",
        "cpm",
        "engagement_rate",
        "engagements",
        "estimated_value_generated",
        "impressions",
        "likes",
        "paid_comments",
        "paid_engagement_rate",
        "paid_engagements",
        "paid_impressions",
        "paid_likes",
        "paid_shares",
        "shares",
    ],
    "campaigns": [
        "campaign_id",
        "campaign_name",
        "instance_id",
        "description",
        "status",
        "start_date",
        "first_post_date",
        "last_post_date",
    ],
    "campaigns-performance": [
        "campaign_id",
        "campaign_name",
        "instance_id",
        "description",
        "status",
        "start_date",
        "first_post_date",
        "last_post_date",
        "engagements",
        "impressions",
        "reach",
        "engagement_rate",
        "posts_count",
        "influencers_count",
        "estimated_value_generated",
        "estimated_content_cost",
        "estimated_roi",
        "cpe",
        "cpm",
        "paid_impressions",
        "paid_engagements",
        "paid_ad_spend",
        "paid_return_on_ad_spend",
    ],
    "platforms-performance": [
        "platform",
        "content_type",
        "engagements",
        "impressions",
        "reach",
        "views",
        "engagement_rate",
        "posts_count",
        "impressions_per_post",
        "engagements_per_post",
        "estimated_value_generated",
        "cpe",
        "cpm",
        "paid_impressions",
        "paid_engagements",
        "paid_ad_spend",
        "paid_return_on_ad_spend",
    ],
    "platforms-roi": [
        "filter_start",
        "filter_end",
        "filter_date_basis",
        "filter_instance_ids",
        "platform",
        "value_of_likes",
        "value_of_comments",
        "value_of_shares",
        "value_of_impressions",
        "value_generated",
        "estimated_content_cost",
        "return_on_investment",
        "paid_ad_spend",
        "paid_return_on_ad_spend",
    ],
    "creators-performance": [
        "creator_id",
        "creator_full_name",
        "creator_profile_picture_url",
        "creator_profiles",
        "engagements",
        "impressions",
        "reach",
        "engagement_rate",
        "posts_count",
        "estimated_value_generated",
        "estimated_content_cost",
        "estimated_roi",
        "cpe",
        "cpm",
        "paid_engagements",
        "paid_impressions",
        "affiliate_links_sales",
    ],
    "posts-performance": [
        "post_id",
        "post_date",
        "campaign_id",
        "creator_id",
        "instance_id",
        "content_type",
        "content_url",
        "content_image_url",
        "creator_profile_content_type",
        "creator_profile_full_name",
        "creator_profile_handle_name",
        "creator_profile_profile_image",
        "creator_profile_profile_link",
        "cpe",
        "cpm",
        "engagement_rate",
        "engagements",
        "estimated_value_generated",
        "impressions",
        "paid_cpe",
        "paid_cpm",
        "paid_engagement_rate",
        "paid_engagements",
        "paid_impressions",
    ],
}


@pytest.fixture
def env(sandbox_url: str) -> dict[str, str]:
    return {
        "LATER_REPORTING_CLIENT_ID": "demo-client",
        "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        "LATER_REPORTING_BASE_URL": sandbox_url,
    }


def args_for(report: str) -> list[str]:
    return [] if report == "campaigns" else ["--start", START, "--end", END]


def expected_rows(client: lr.Client, report: str) -> list[list[Any]]:
    """The same report through the SDK, flattened the same way."""
    spec = REPORTS[report]
    resource, method = spec.method.split(".")
    kwargs: dict[str, Any] = {} if report == "campaigns" else {"start": START, "end": END}
    if spec.accepts_metrics:
        kwargs["metrics"] = list(metric_list(spec, None))
    result = getattr(getattr(client, resource), method)(**kwargs)
    items = (
        result
        if isinstance(result, list)
        else [result]
        if not isinstance(result, lr.Paginator)
        else list(result)
    )
    context = (
        {"filter": {"start": START, "end": END, "dateBasis": "post_date", "instanceIds": None}}
        if spec.single_row
        else {}
    )
    return list(
        flatten(({**i.to_dict(), **context} for i in items), columns(spec, metric_list(spec, None)))
    )


def normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def from_csv(text: str) -> tuple[list[str], list[list[Any]]]:
    reader = list(csv.reader(text.splitlines()))
    return reader[0], [[None if v == "" else v for v in row] for row in reader[1:]]


def typed(rows: list[list[Any]], header: list[str], report: str) -> list[list[Any]]:
    kinds = {c.name: c.kind for c in columns(REPORTS[report], metric_list(REPORTS[report], None))}
    out = []
    for row in rows:
        converted = []
        for name, value in zip(header, row, strict=True):
            if value is not None and kinds[name] in ("int", "float"):
                value = float(value)
            converted.append(normal(value))
        out.append(converted)
    return out


@pytest.mark.parametrize("report", sorted(REPORTS))
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_reads_back_equal_to_the_sdk(
    report: str, fmt: str, tmp_path: Path, env: dict[str, str], client: lr.Client
) -> None:
    target = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(
        main,
        ["export", report, *args_for(report), "--format", fmt, "-o", str(target), "--quiet"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        header, rows = from_csv(target.read_text(encoding="utf-8"))
    elif fmt == "jsonl":
        lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        header = list(lines[0])
        rows = [list(line.values()) for line in lines]
    else:
        table = pq.read_table(target)
        header = table.column_names
        rows = [list(r.values()) for r in table.to_pylist()]
    assert header == PINNED[report]
    expected = expected_rows(client, report)
    assert rows
    assert typed(rows, header, report) == [[normal(v) for v in r] for r in expected]


def test_parquet_keeps_types(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "posts.parquet"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "posts-performance",
            *args_for("x"),
            "--format",
            "parquet",
            "-o",
            str(target),
            "--metrics",
            "views,impressions,engagementRate",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    schema = pq.read_schema(target)
    assert str(schema.field("post_id").type) == "int64"
    assert str(schema.field("post_date").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("views").type) == "int64"  # a count
    assert str(schema.field("engagement_rate").type) == "double"
    assert schema.names[-3:] == ["views", "impressions", "engagement_rate"]  # order requested
    views = pq.read_table(target).column("views").to_pylist()
    assert None in views  # not available for photos: null, not 0
    assert len(views) > 1000
    series = tmp_path / "ts.parquet"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "timeseries",
            *args_for("x"),
            "--granularity",
            "week",
            "--format",
            "parquet",
            "-o",
            str(series),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    buckets = pq.read_table(series)
    assert str(buckets.schema.field("start_date").type) == "date32[day]"
    assert str(buckets.schema.field("end_date").type) == "date32[day]"
    assert str(buckets.schema.field("engagements").type) == "int64"  # a count
    assert str(buckets.schema.field("engagement_rate").type) == "double"
    starts = buckets.column("start_date").to_pylist()
    # A partial first week from the start date, then one bucket a week.
    assert starts[0].isoformat() == START and len(starts) > 2
    assert all((b - a).days == 7 for a, b in itertools.pairwise(starts[1:]))


def test_empty_result_still_has_its_header(tmp_path: Path, env: dict[str, str]) -> None:
    for fmt in ("csv", "parquet"):
        target = tmp_path / f"empty.{fmt}"
        result = CliRunner().invoke(
            main,
            [
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-01-01",
                "--campaign-id",
                "999999",
                "--format",
                fmt,
                "-o",
                str(target),
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
        if fmt == "csv":
            assert target.read_text().strip() == ",".join(PINNED["posts-performance"])
        else:
            assert pq.read_schema(target).names == PINNED["posts-performance"]
            assert pq.read_table(target).num_rows == 0


def test_stdout_gets_only_data(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        main, ["export", "campaigns", "--format", "jsonl", "-o", "-"], env=env
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(json.loads(line)["campaign_id"] for line in lines)


def test_a_failure_mid_stream_leaves_no_file_and_the_earlier_file(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "posts.csv"
    target.write_text("yesterday\n")
    import later_reporting.export._report as export_module

    real = export_module.flatten

    def explode(rows: Any, cols: Any, on_replaced: Any = None) -> Any:
        for n, values in enumerate(real(rows, cols, on_replaced)):
            if n == 250:
                raise lr.APIConnectionError("connection dropped")
            yield values

    monkeypatch.setattr(export_module, "flatten", explode)
    result = CliRunner().invoke(
        main, ["export", "posts-performance", *args_for("x"), "-o", str(target)], env=env
    )
    assert result.exit_code == 4
    assert "connection dropped" in result.output
    assert target.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.csv"]


def test_api_errors_exit_codes(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "x.csv"
    denied = CliRunner().invoke(
        main,
        [
            "export",
            "posts-performance",
            *args_for("x"),
            "--instance-id",
            "instance_xyz",
            "-o",
            str(target),
        ],
        env=env,
    )
    assert denied.exit_code == 3
    assert "ANL_00403" in denied.output
    restricted = CliRunner().invoke(
        main,
        [
            "export",
            "posts-performance",
            *args_for("x"),
            "--metrics",
            "avgWatchTime",
            "-o",
            str(target),
        ],
        env=env,
    )
    # Refused before any request: the SDK knows which metrics the filters restrict.
    assert restricted.exit_code == 2
    assert restricted.output.lower().count("valid metrics") == 1  # listed once
    assert "valid metrics are:" in restricted.output and "impressions" in restricted.output
    wrong = CliRunner().invoke(
        main, ["auth", "check"], env={**env, "LATER_REPORTING_CLIENT_SECRET": "wrong"}
    )
    assert wrong.exit_code == 3
    assert "ANL_00401" in wrong.output
    assert not target.exists()


def test_auth_check_never_shows_the_token(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["auth", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "instance_abc, instance_def" in result.output
    assert "Token expires:" in result.output
    assert "eyJ" not in result.output and "demo-secret" not in result.output


def test_env_file_and_secret_from_stdin(tmp_path: Path, sandbox_url: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"# creds\nexport LATER_REPORTING_CLIENT_ID=demo-client\n"
        f"LATER_REPORTING_CLIENT_SECRET='demo-secret'\n"
        f"LATER_REPORTING_BASE_URL={sandbox_url}\n"
    )
    clean = {
        "LATER_REPORTING_CLIENT_ID": "",
        "LATER_REPORTING_CLIENT_SECRET": "",
        "LATER_REPORTING_BASE_URL": "",
    }
    assert (
        CliRunner()
        .invoke(main, ["auth", "check", "--env-file", str(env_file)], env=clean)
        .exit_code
        == 0
    )
    piped = CliRunner().invoke(
        main,
        [
            "auth",
            "check",
            "--client-id",
            "demo-client",
            "--base-url",
            sandbox_url,
            "--client-secret-stdin",
        ],
        input="demo-secret\n",
        env=clean,
    )
    assert piped.exit_code == 0, piped.output


def test_demo_writes_every_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for report in REPORTS:
        assert (tmp_path / f"{report}.csv").stat().st_size > 0
        assert pq.read_schema(tmp_path / f"{report}.parquet").names == PINNED[report]
    assert "Top campaigns by estimated ROI" in result.output
    assert "█" in result.output


@pytest.mark.parametrize("command", ["export", "sync"])
@pytest.mark.parametrize(
    ("flags", "env", "budget"),
    [
        pytest.param([], {}, 120, id="default"),
        pytest.param(["--rate-limit", "30"], {}, 30, id="flag"),
        pytest.param([], {"LATER_REPORTING_RATE_LIMIT": "0"}, None, id="env-0-is-none"),
    ],
)
def test_rate_limit_sets_the_clients_request_budget(
    sandbox_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    flags: list[str],
    env: dict[str, str],
    budget: int | None,
) -> None:
    from later_reporting.cli import _export, _sync
    from tests.reliability.processes import cli_env

    budgets: list[int | None] = []

    class Recording(lr.Client):
        def __init__(self, **kwargs: Any) -> None:
            budgets.append(kwargs.get("rate_limit", "not given"))
            super().__init__(**kwargs)

    monkeypatch.setattr(_export, "Client", Recording)
    monkeypatch.setattr(_sync, "Client", Recording)
    args = (
        ["export", "campaigns", "-o", str(tmp_path / "c.csv")]
        if command == "export"
        else [
            "sync", "--reports", "campaigns", "--duckdb-file", str(tmp_path / "w.duckdb"),
            "--pipelines-dir", str(tmp_path / "state"), "--quiet",
        ]
    )  # fmt: skip
    result = CliRunner().invoke(main, [*args, *flags], env=cli_env(sandbox_url, **env))
    assert result.exit_code == 0, result.output
    assert budgets == [budget]
