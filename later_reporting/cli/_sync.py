"""`later-reporting sync`: load every report into a warehouse, incrementally (DuckDB by default).

The first run backfills from ``--start`` one checkpointed slice at a time; later runs re-read
only what can still change (the lookback) and merge it by key. See the README section
"Loading into a warehouse".
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import click

from later_reporting._client import Client
from later_reporting._errors import LaterReportingError
from later_reporting.cli._common import (
    EXIT_API,
    UsageProblem,
    client_options,
    credential_options,
    credentials,
    demo_client,
    fail,
    handle_errors,
    rate_limit_option,
)
from later_reporting.cli._process import keep_imports

DEFAULT_DUCKDB = Path("later_reporting.duckdb")


def require_dlt() -> Any:
    try:
        import dlt

        import later_reporting.dlt as source
    except ImportError:
        raise UsageProblem("sync needs dlt: pip install 'later-reporting[dlt]'") from None
    return dlt, source


def root_cause(error: BaseException) -> BaseException:
    """The error a dlt pipeline step wraps (ours, an interrupt), or the error itself."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, LaterReportingError | KeyboardInterrupt):
            return current
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__
    return error


def check_duckdb_file(path: Path) -> None:
    """A usage error naming ``path`` when DuckDB cannot open it (not a database, locked by
    another process), before any request; a file that does not exist yet is created by the
    first load."""
    if not path.exists():
        return
    import duckdb

    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        raise UsageProblem(f"--duckdb-file {path}: {first_line(exc)}") from None


def make_pipeline(
    destination: str,
    duckdb_file: Path,
    dataset: str,
    pipeline_name: str,
    pipelines_dir: Path | None,
) -> tuple[Any, str]:
    """The dlt pipeline and a description of where it loads."""
    dlt, _ = require_dlt()
    if destination == "duckdb":
        check_duckdb_file(duckdb_file)
        target: Any = dlt.destinations.duckdb(str(duckdb_file))
        where = f"DuckDB {duckdb_file} (dataset {dataset})"
    else:
        target = destination  # configured the dlt way (.dlt/secrets.toml or environment)
        where = f"{destination} (dataset {dataset})"
    from dlt.common.exceptions import DltException

    try:
        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name,
            destination=target,
            dataset_name=dataset,
            pipelines_dir=str(pipelines_dir) if pipelines_dir else None,
        )
    except DltException as exc:
        raise UsageProblem(f"--destination {destination}: {first_line(exc)}") from None
    return pipeline, where


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def run_sync(
    pipeline: Any,
    client: Client,
    reports: list[str] | None,
    options: dict[str, Any],
    full_refresh: bool,
    quiet: bool,
) -> Any:
    _, source = require_dlt()
    started = time.monotonic()

    def on_load(loads: int, rows: dict[str, int]) -> None:
        if not quiet:
            click.echo(
                f"  load {loads}: {sum(rows.values()):,} rows so far "
                f"({time.monotonic() - started:.1f}s)",
                err=True,
            )

    try:
        return source.sync(
            pipeline,
            client=client,
            reports=reports,
            full_refresh=full_refresh,
            on_load=on_load,
            **options,
        )
    except Exception as exc:
        cause = root_cause(exc)
        if cause is not exc:
            raise cause from None
        from dlt.common.exceptions import DltException

        if isinstance(exc, DltException):  # the destination or dlt itself: one line, exit 4
            fail(f"the load failed: {first_line(exc)}", EXIT_API)
        raise


@click.command(short_help="Load the reports into a warehouse, incrementally.")
@click.option(
    "--destination",
    default="duckdb",
    show_default=True,
    help="A dlt destination name (bigquery, snowflake, postgres, ...), configured the dlt way.",
)
@click.option(
    "--duckdb-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_DUCKDB,
    show_default=True,
    help="The DuckDB database file (with --destination duckdb).",
)
@click.option(
    "--dataset", default="later", show_default=True, help="Dataset (schema) to load into."
)
@click.option(
    "--pipeline-name",
    default="later_reporting",
    show_default=True,
    help="dlt pipeline name: its state (bookmarks, checkpoints) is kept under this name.",
)
@click.option(
    "--pipelines-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where dlt keeps the pipeline's local state (default: dlt's own).",
)
@click.option("--reports", multiple=True, help="Reports to load, comma-separated (default: all).")
@click.option("--start", help="First day of the backfill, YYYY-MM-DD (default: two years ago).")
@click.option("--end", help="Last day to read, YYYY-MM-DD (default: today, UTC).")
@click.option(
    "--lookback-days",
    type=click.IntRange(0, 365),
    default=60,
    show_default=True,
    help="Days before the bookmark re-read each run (how long metrics keep changing).",
)
@click.option(
    "--granularity",
    type=click.Choice(["day", "week", "month", "quarter", "year"]),
    default="day",
    show_default=True,
    help="Bucket size of the timeseries table.",
)
@click.option(
    "--slice-months",
    type=click.IntRange(1, 24),
    default=12,  # later_reporting.dlt.DEFAULT_SLICE_MONTHS (not imported: dlt is optional)
    show_default=True,
    help="Months per checkpointed slice of a backfill.",
)
@click.option("--full-refresh", is_flag=True, help="Drop the tables and bookmarks, load anew.")
@client_options
@rate_limit_option
@credential_options
@click.option("--quiet", "-q", is_flag=True, help="Only the final summary.")
@handle_errors
def sync(
    destination: str,
    duckdb_file: Path,
    dataset: str,
    pipeline_name: str,
    pipelines_dir: Path | None,
    reports: tuple[str, ...],
    start: str | None,
    end: str | None,
    lookback_days: int,
    granularity: str,
    slice_months: int,
    full_refresh: bool,
    concurrency: int,
    max_retries: int,
    rate_limit: int,
    env_file: Path | None,
    base_url: str | None,
    client_id: str | None,
    client_secret_stdin: bool,
    quiet: bool,
) -> None:
    """Load every report into a warehouse incrementally (DuckDB at ./later_reporting.duckdb
    by default): a backfill first, then only what can still change.

    \b
    Example:
      later-reporting sync --env-file later.env --start 2024-01-01
    """
    _, source = require_dlt()
    keep_imports()  # dlt's modules stay for the whole run: the collector need not walk them
    chosen = [part.strip() for value in reports for part in value.split(",") if part.strip()]
    selected = source.check_reports(chosen or None)
    first = source.as_date(start, "--start")
    last = source.as_date(end, "--end")
    if first is not None and last is not None and first > last:
        raise UsageProblem(f"--start ({first}) must not be after --end ({last})")
    if destination == "duckdb":
        if not duckdb_file.parent.is_dir():
            raise UsageProblem(f"the folder of --duckdb-file {duckdb_file} does not exist")
        if duckdb_file.stem == dataset:
            # DuckDB names the catalog after the file; a schema of the same name is ambiguous.
            raise UsageProblem(
                f"--dataset {dataset} has the name of the DuckDB file; choose another dataset"
            )
    settings = credentials(env_file, base_url, client_id, client_secret_stdin)
    pipeline, where = make_pipeline(destination, duckdb_file, dataset, pipeline_name, pipelines_dir)
    counter = source.RequestCounter()
    started = time.monotonic()
    with Client(
        concurrency=concurrency,
        max_retries=max_retries,
        rate_limit=rate_limit or None,
        transport=counter,
        **settings,
    ) as client:
        if not quiet:
            click.echo(f"Syncing {', '.join(selected)} into {where} ...", err=True)
        result = run_sync(
            pipeline,
            client,
            selected,
            {
                "start": first,
                "end": last,
                "lookback_days": lookback_days,
                "granularity": granularity,
                "slice_months": slice_months,
            },
            full_refresh,
            quiet,
        )
    elapsed = time.monotonic() - started
    click.echo(f"Loaded into {where} in {elapsed:.1f}s ({result.loads} loads):", err=True)
    for table in sorted(result.rows):
        count = result.rows[table]
        click.echo(f"  {table:<24} {count:>9,} {'row' if count == 1 else 'rows'}", err=True)
    click.echo(f"  {'requests used':<24} {counter.requests:>9,}", err=True)


DEMO_START, DEMO_END = "2025-12-01", "2025-12-31"
DEMO_QUERY = """SELECT creator_profile_full_name AS creator,
       count(*) AS posts,
       sum(engagements) AS engagements
FROM later.posts_performance
GROUP BY 1 ORDER BY engagements DESC LIMIT 5"""


def demo_sync(output: Path) -> None:
    """The demo's last part: a sync into DuckDB from the sandbox, and one SQL query over it."""
    try:
        import duckdb

        import later_reporting.dlt as source
    except ImportError:
        click.echo("\n(Install 'later-reporting[dlt]' to also see a sync into DuckDB.)")
        return
    database = output / "later_reporting.duckdb"
    click.echo(f"\nSyncing {DEMO_START}..{DEMO_END} into {database} (DuckDB) ...")
    pipeline, _ = make_pipeline(
        "duckdb", database, "later", "later_reporting_demo", output / ".dlt"
    )
    counter = source.RequestCounter()
    with demo_client(as_of=dt.date.fromisoformat(DEMO_END), transport=counter) as client:
        result = source.sync(
            pipeline, client=client, start=DEMO_START, end=DEMO_END, full_refresh=True
        )
    for table in sorted(result.rows):
        count = result.rows[table]
        click.echo(f"  {table:<24} {count:>7,} {'row' if count == 1 else 'rows'}")
    click.echo(f"  ({counter.requests} requests; the next daily run re-reads only the lookback)")
    click.echo(f"\n{DEMO_QUERY}\n")
    with duckdb.connect(str(database)) as con:
        for creator, posts, engagements in con.sql(DEMO_QUERY).fetchall():
            click.echo(f"  {creator:<32} {posts:>4} posts  {engagements:>12,.0f} engagements")
