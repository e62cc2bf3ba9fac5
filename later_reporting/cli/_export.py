"""`later-reporting export REPORT ...`: flags in, one report out (the work is in `export/`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from later_reporting import _catalog as cat
from later_reporting import _waits
from later_reporting._client import Client
from later_reporting._rows import REPORTS, Report
from later_reporting._validation import api_metric_name
from later_reporting.cli._common import (
    ChoiceWithHints,
    Progress,
    UsageProblem,
    client_options,
    credential_options,
    credentials,
    handle_errors,
    rate_limit_option,
    suggest,
    warn,
)
from later_reporting.export import (
    FORMATS,
    FORMULA_MODES,
    ExportOptions,
    Output,
    call_options,
    check_target,
    export_report,
    format_for,
)


def split_list(flag: str, values: tuple[str, ...]) -> list[str] | None:
    """Comma-separated or repeated values; an empty one is refused, never dropped.

    ``--instance-id ""`` (say, an unset shell variable) would otherwise silently widen the
    export to every instance, and ``--metrics ,,`` would fall back to the defaults.
    """
    if not values:
        return None
    items = [part.strip() for value in values for part in value.split(",")]
    if not all(items):
        shown = ",".join(values) if any(values) else '""'
        raise UsageProblem(
            f"{flag} {shown}: an empty value (an unset shell variable?); "
            f"name at least one value, or leave {flag} out"
        )
    return items


def check_names(flag: str, given: list[str] | None, valid: tuple[str, ...], what: str) -> None:
    """Refuse an unknown name before any request, with the nearest valid ones."""
    for name in given or ():
        if name not in valid:
            raise UsageProblem(
                f"{flag}: {name!r} is not valid{' ' + what if what else ''}"
                f"{suggest(name, valid)}; valid: {', '.join(valid)}"
            )


def check_dates(start: str | None) -> None:
    """Warn when the whole range is in the future: the result can only be empty."""
    if start is None:
        return
    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        return  # the SDK's check names the problem
    today = dt.datetime.now(dt.UTC).date()
    if first > today:
        warn(f"--start {start} is after today ({today} UTC): the report will be empty")


EXPORT_HELP = (
    """Export REPORT to CSV, JSON Lines or Parquet for a BI tool or warehouse.

Rows stream from the API to the file. The format follows the file name (.csv, .jsonl or
.ndjson, .parquet); use --format with -o - (stdout). A regular file is replaced only when
complete; devices, FIFOs and /dev/fd/N are written in place. Exit codes: 0 done,
2 bad input, 3 credentials or access, 4 API or data error, 130 interrupted,
141 the reader of stdout went away (as in `| head`).

REPORT is one of: """
    + ", ".join(sorted(REPORTS))
    + """.

\b
Example:
  later-reporting export posts-performance --start 2025-01-01 --end 2025-01-31 \\
      --metrics impressions,engagements -o posts.parquet
"""
)


@click.command(help=EXPORT_HELP, short_help="Export one report to CSV, JSON Lines or Parquet.")
@click.argument("report", type=ChoiceWithHints(sorted(REPORTS)), metavar="REPORT")
@click.option("--start", help="First day, YYYY-MM-DD (inclusive, UTC).")
@click.option("--end", help="Last day, YYYY-MM-DD (inclusive, UTC; at most two years).")
@click.option(
    "--instance-id",
    "instance_ids",
    multiple=True,
    help="Instance id (repeatable or comma-separated; default: every instance).",
)
@click.option(
    "--campaign-id",
    "campaign_ids",
    multiple=True,
    type=int,
    help="Campaign id (repeatable, at most 50).",
)
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    help=f"Platform (repeatable): {', '.join(cat.PLATFORM_CONTENT_TYPES)}.",
)
@click.option(
    "--content-type",
    "content_types",
    multiple=True,
    help="Content type (repeatable; not with --platform), e.g. instagram_reel.",
)
@click.option(
    "--date-basis",
    type=ChoiceWithHints(["post_date", "performance_date"]),
    help="Filter by publication day (post_date, the default) or by day of performance.",
)
@click.option(
    "--metrics", multiple=True, help="Metric names, comma-separated or repeated (default set)."
)
@click.option("--sort-property", help="Sort by this field (sortable reports only).")
@click.option(
    "--sort-direction", type=ChoiceWithHints(["ASC", "DESC"]), help="Sort order (default DESC)."
)
@click.option(
    "--granularity",
    type=ChoiceWithHints(["day", "week", "month", "quarter", "year"]),
    help="Bucket size of the timeseries report.",
)
@click.option(
    "--format",
    "fmt",
    type=ChoiceWithHints(FORMATS),
    help="csv, jsonl or parquet (default: from the file name, else csv).",
)
@click.option(
    "--output", "-o", required=True, help="File to write, or - for stdout (CSV or JSON Lines)."
)
@click.option(
    "--csv-formulas",
    type=ChoiceWithHints(FORMULA_MODES),
    default="escape",
    show_default=True,
    help="Text cells starting with = + - @ tab or CR: prefix ' so spreadsheets show them as "
    "text (escape), or write them unchanged (keep). Numbers are never changed.",
)
@click.option(
    "--dotted-names",
    is_flag=True,
    help="Deprecated: the older column names (creatorProfile.fullName, postsCount) instead "
    "of creator_profile_full_name, posts_count. Goes away in the next release.",
)
@click.option("--page-size", type=int, help="Rows per request (1-100, default 100).")
@click.option("--max-items", type=int, help="Stop after this many rows.")
@client_options
@rate_limit_option
@credential_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no waits, no summary.")
@handle_errors
def export(
    report: str,
    start: str | None,
    end: str | None,
    instance_ids: tuple[str, ...],
    campaign_ids: tuple[int, ...],
    platforms: tuple[str, ...],
    content_types: tuple[str, ...],
    date_basis: str | None,
    metrics: tuple[str, ...],
    sort_property: str | None,
    sort_direction: str | None,
    granularity: str | None,
    fmt: str | None,
    output: str,
    csv_formulas: str,
    dotted_names: bool,
    page_size: int | None,
    max_items: int | None,
    concurrency: int,
    max_retries: int,
    rate_limit: int,
    env_file: Path | None,
    base_url: str | None,
    client_id: str | None,
    client_secret_stdin: bool,
    quiet: bool,
) -> None:
    spec = REPORTS[report]
    options = call_options(
        spec,
        start=start,
        end=end,
        metrics=checked_metrics(spec, split_list("--metrics", metrics)),
        instance_ids=split_list("--instance-id", instance_ids),
        campaign_ids=list(campaign_ids) or None,
        platforms=split_list("--platform", platforms),
        content_types=split_list("--content-type", content_types),
        date_basis=date_basis,
        sort_property=sort_property,
        sort_direction=sort_direction,
        granularity=granularity,
        page_size=page_size,
        max_items=max_items,
    )
    check_names("--platform", options.get("platforms"), tuple(cat.PLATFORM_CONTENT_TYPES), "")
    check_names("--content-type", options.get("content_types"), cat.CONTENT_TYPES, "")
    if sort_property is not None:
        check_names("--sort-property", [sort_property], spec.sortable, f"for {spec.name}")
    kind = format_for(output, fmt)
    target = check_target(output)
    if target is None and kind == "parquet":
        raise UsageProblem("Parquet cannot be written to stdout; give --output PATH")
    check_dates(start)
    if dotted_names:
        warn("--dotted-names is deprecated and goes away in the next release")
    settings = credentials(env_file, base_url, client_id, client_secret_stdin)
    progress = Progress(spec.name, quiet)
    with (
        _waits.listening(progress.waiting),
        Client(
            concurrency=concurrency,
            max_retries=max_retries,
            rate_limit=rate_limit or None,
            **settings,
        ) as client,
    ):
        count = export_report(
            client,
            spec,
            options,
            [Output(kind, target)],
            progress,
            ExportOptions(dotted_names=dotted_names, csv_formulas=csv_formulas, warn=warn),
        )
    if target is not None and not quiet:
        click.echo(f"wrote {count:,} {'row' if count == 1 else 'rows'} to {target}", err=True)


def checked_metrics(report: Report, metrics: list[str] | None) -> list[str] | None:
    """The metrics as the API names them; snake_case (``engagement_rate``) is accepted too."""
    if metrics is not None and report.accepts_metrics:
        for given in metrics:
            if api_metric_name(given) not in report.metrics:
                check_names("--metrics", [given], report.metrics, f"for the {report.name} report")
        return [api_metric_name(name) for name in metrics]
    return metrics
