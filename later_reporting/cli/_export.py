"""`later-reporting export REPORT ...`: stream one report into CSV, JSON Lines or Parquet."""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from pathlib import Path
from typing import Any

import click

from later_reporting._client import Client
from later_reporting._rows import REPORTS, Report, columns, flatten, metric_list
from later_reporting.cli._common import Progress, UsageProblem, credentials, handle_errors
from later_reporting.export import FORMATS, open_sink, write_rows

DATED = frozenset(REPORTS) - {"campaigns"}


def split_list(values: tuple[str, ...]) -> list[str] | None:
    items = [part.strip() for value in values for part in value.split(",")]
    items = [item for item in items if item]
    return items or None


def report_rows(
    client: Client, report: Report, options: dict[str, Any], progress: Progress
) -> Generator[dict[str, Any], None, None]:
    """The report's rows as JSON dicts, streamed page by page."""
    resource_name, method_name = report.method.split(".")
    method = getattr(getattr(client, resource_name), method_name)
    if not report.paginated:
        result = method(**options)
        rows = result if isinstance(result, list) else [result]
        for count, row in enumerate(rows, start=1):
            progress.update(count, len(rows))
            yield row.to_dict()
        return
    paginator = method(**options)
    count = 0
    with contextlib.closing(paginator.dicts()) as rows:
        for row in rows:
            count += 1
            if count % 100 == 0:
                progress.update(count, paginator.total_items)
            yield row
    progress.update(count, paginator.total_items)


def call_options(
    report: Report,
    *,
    start: str | None,
    end: str | None,
    metrics: list[str] | None,
    instance_ids: list[str] | None,
    campaign_ids: list[int] | None,
    platforms: list[str] | None,
    content_types: list[str] | None,
    date_basis: str | None,
    sort_property: str | None,
    sort_direction: str | None,
    granularity: str | None,
    page_size: int | None,
    max_items: int | None,
) -> dict[str, Any]:
    """Keyword arguments of the report's SDK method; options that do not apply are errors."""

    def refuse(flag: str, value: object, allowed: bool) -> None:
        if value is not None and not allowed:
            raise UsageProblem(f"{flag} does not apply to the {report.name} report")

    dated = report.name in DATED
    refuse("--start", start, dated)
    refuse("--end", end, dated)
    if dated and (start is None or end is None):
        raise UsageProblem(f"the {report.name} report needs --start and --end (YYYY-MM-DD)")
    refuse("--metrics", metrics, report.accepts_metrics)
    refuse("--sort-property", sort_property, bool(report.sortable))
    refuse("--sort-direction", sort_direction, bool(report.sortable))
    refuse("--granularity", granularity, report.name == "timeseries")
    refuse("--campaign-id", campaign_ids, dated)
    refuse("--platform", platforms, dated)
    refuse("--content-type", content_types, dated)
    refuse("--date-basis", date_basis, dated)
    refuse("--page-size", page_size, report.paginated)
    refuse("--max-items", max_items, report.paginated)
    options: dict[str, Any] = {"instance_ids": instance_ids}
    if dated:
        options.update(
            start=start,
            end=end,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
    if report.accepts_metrics:
        options["metrics"] = list(metric_list(report, metrics))
    if report.sortable:
        options.update(sort_property=sort_property, sort_direction=sort_direction)
    if report.name == "timeseries":
        options["granularity"] = granularity
    if report.paginated:
        options["max_items"] = max_items
        if page_size is not None:
            options["page_size"] = page_size
    return options


def export_report(
    client: Client,
    report: Report,
    options: dict[str, Any],
    outputs: list[tuple[str, Path | None]],
    quiet: bool,
) -> int:
    """Write one report to every (format, path) in one pass; returns the row count."""
    cols = columns(report, options.get("metrics") or report.default_metrics)
    progress = Progress(report.name, quiet)
    with contextlib.ExitStack() as stack:
        sinks = [open_sink(fmt, path, cols, stack) for fmt, path in outputs]
        rows = stack.enter_context(
            contextlib.closing(report_rows(client, report, options, progress))
        )
        count = write_rows(flatten(rows, cols), sinks)
    progress.done()
    return count


@click.command()
@click.argument("report", type=click.Choice(sorted(REPORTS)))
@click.option("--start", help="First day, YYYY-MM-DD (inclusive, UTC).")
@click.option("--end", help="Last day, YYYY-MM-DD (inclusive, UTC; at most two years).")
@click.option("--instance-id", "instance_ids", multiple=True, help="Instance id (repeatable).")
@click.option(
    "--campaign-id",
    "campaign_ids",
    multiple=True,
    type=int,
    help="Campaign id (repeatable, at most 50).",
)
@click.option("--platform", "platforms", multiple=True, help="Platform (repeatable).")
@click.option(
    "--content-type",
    "content_types",
    multiple=True,
    help="Content type (repeatable; not with --platform).",
)
@click.option("--date-basis", type=click.Choice(["post_date", "performance_date"]))
@click.option("--metrics", multiple=True, help="Metric names, comma-separated or repeated.")
@click.option("--sort-property", help="Sort by this field.")
@click.option("--sort-direction", type=click.Choice(["ASC", "DESC"]))
@click.option(
    "--granularity",
    type=click.Choice(["day", "week", "month", "quarter", "year"]),
    help="Bucket size of the timeseries report.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", required=True, help="File to write, or - for stdout.")
@click.option("--page-size", type=int, help="Rows per request (1-100, default 100).")
@click.option("--max-items", type=int, help="Stop after this many rows.")
@click.option(
    "--concurrency", type=int, default=4, show_default=True, help="Pages fetched at once."
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 20),
    default=2,
    show_default=True,
    envvar="LATER_REPORTING_MAX_RETRIES",
    help="Retries of a failed request (429, 5xx, timeouts, dropped connections).",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    help="Read LATER_REPORTING_* settings from a KEY=VALUE file.",
)
@click.option("--base-url", help="API base URL (default: env or the public API).")
@click.option("--client-id", help="OAuth client id (default: env).")
@click.option(
    "--client-secret-stdin",
    is_flag=True,
    help="Read the client secret from standard input (never from a flag).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
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
    fmt: str,
    output: str,
    page_size: int | None,
    max_items: int | None,
    concurrency: int,
    max_retries: int,
    env_file: Path | None,
    base_url: str | None,
    client_id: str | None,
    client_secret_stdin: bool,
    quiet: bool,
) -> None:
    """Export REPORT to a file your BI tool reads (rows stream; the file appears only when
    complete)."""
    spec = REPORTS[report]
    options = call_options(
        spec,
        start=start,
        end=end,
        metrics=split_list(metrics),
        instance_ids=split_list(instance_ids),
        campaign_ids=list(campaign_ids) or None,
        platforms=split_list(platforms),
        content_types=split_list(content_types),
        date_basis=date_basis,
        sort_property=sort_property,
        sort_direction=sort_direction,
        granularity=granularity,
        page_size=page_size,
        max_items=max_items,
    )
    target = None if output == "-" else Path(output)
    if target is not None and target.is_dir():
        raise UsageProblem(f"--output {output} is a folder; name a file")
    if target is None and fmt == "parquet":
        raise UsageProblem("Parquet cannot be written to stdout; give --output PATH")
    settings = credentials(env_file, base_url, client_id, client_secret_stdin)
    with Client(concurrency=concurrency, max_retries=max_retries, **settings) as client:
        count = export_report(client, spec, options, [(fmt, target)], quiet)
    if target is not None and not quiet:
        click.echo(f"wrote {count:,} rows to {target}", err=True)
