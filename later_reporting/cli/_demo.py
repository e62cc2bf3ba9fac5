"""`later-reporting demo`: every report from the embedded sandbox, with a readable summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from later_reporting._rows import REPORTS
from later_reporting.cli._common import Progress, UsageProblem, demo_client, handle_errors
from later_reporting.cli._sync import demo_sync
from later_reporting.export import Output, call_options, export_report

START, END = "2025-01-01", "2025-12-31"


def bar_chart(points: list[tuple[str, float]], width: int = 40) -> list[str]:
    peak = max((value for _, value in points), default=0) or 1
    return [
        f"  {label}  {'█' * max(1, round(value / peak * width))} {value:,.0f}"
        for label, value in points
    ]


@click.command(short_help="Export every report from the built-in sandbox (no credentials).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("later-reporting-demo"),
    show_default=True,
    help="Folder for the exported files.",
)
@handle_errors
def demo(output: Path) -> None:
    """Run the sandbox in-process and export every report to CSV and Parquet (no credentials,
    no network), then print a short summary.

    \b
    Example:
      later-reporting demo --output ./later-reporting-demo
    """
    try:
        import later_reporting.sandbox  # noqa: F401 - only to say what to install without it
    except ImportError:
        raise UsageProblem(
            "the demo needs the sandbox: pip install 'later-reporting[all]'"
        ) from None
    output.mkdir(parents=True, exist_ok=True)
    click.echo(f"Starting the sandbox and exporting {START}..{END} into {output}/ ...")
    written: list[Path] = []
    with demo_client() as client:
        for name, report in REPORTS.items():
            options = call_options(
                report,
                start=START if report.dated else None,
                end=END if report.dated else None,
                granularity="month" if report.granular else None,
            )
            paths = [output / f"{name}.csv", output / f"{name}.parquet"]
            count = export_report(
                client,
                report,
                options,
                [Output("csv", paths[0]), Output("parquet", paths[1])],
                Progress(name, quiet=False),
            )
            click.echo(f"  {name:<24} {count:>7,} {'row' if count == 1 else 'rows'}")
            written.extend(paths)
        top_campaigns = list(
            client.campaigns.performance(
                start=START,
                end=END,
                metrics=["estimatedRoi", "engagements"],
                sort_property="estimatedRoi",
                max_items=5,
            )
        )
        top_creators = list(
            client.creators.performance(
                start=START,
                end=END,
                metrics=["engagements", "impressions"],
                sort_property="engagements",
                max_items=5,
            )
        )
        trend = list(
            client.instances.performance_over_time(
                start=START, end=END, metrics=["engagements"], granularity="month"
            )
        )
    click.echo("\nTop campaigns by estimated ROI")
    for row in top_campaigns:
        click.echo(
            f"  {row.campaign_name:<32} ROI {row.metrics.estimated_roi:>6.2f}   "
            f"engagements {row.metrics.engagements:>12,.0f}"
        )
    click.echo("\nTop creators by engagements")
    for creator in top_creators:
        name = creator.creator.full_name or f"creator {creator.creator_id}"
        click.echo(f"  {name:<32} engagements {creator.metrics.engagements:>12,.0f}")
    click.echo("\nEngagements per month")
    months = [
        (
            dt.date.fromisoformat(str(b.start_date)).strftime("%b %Y"),
            float(b.metrics.engagements or 0),
        )
        for b in trend
    ]
    for line in bar_chart(months):
        click.echo(line)
    click.echo(f"\nFiles written ({len(written)}):")
    for path in written:
        click.echo(f"  {path}  ({path.stat().st_size:,} bytes)")
    demo_sync(output)
