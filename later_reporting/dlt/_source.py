"""The ``later_reporting`` dlt source: one resource per report, Arrow tables, merge keys.

Every HTTP call goes through :class:`later_reporting.Client` (auth, the shared rate budget,
retries, page concurrency). Rows become one Arrow table per batch of pages, with the column
names and types of the export (``_rows`` for the columns, ``_arrow`` for the Arrow types),
so dlt loads them without row-by-row normalisation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dlt
import httpx
from dlt.common.data_types import TDataType
from dlt.common.schema.typing import TColumnSchema, TWriteDispositionConfig
from dlt.extract import DltResource

from later_reporting._arrow import arrow_schema, batch_from_json
from later_reporting._client import Client
from later_reporting._errors import OptionError
from later_reporting._rows import REPORTS, Column, Report, columns, flat_name, metric_list
from later_reporting.dlt import _windows as w

SOURCE_NAME = "later_reporting"
BATCH_ROWS = 5_000
MAX_SLICE_MONTHS = 24  # a slice of whole months from any day stays within two years
DLT_TYPES: dict[str, TDataType] = {
    "int": "bigint",
    "float": "double",
    "str": "text",
    "json": "text",
    "date": "date",
    "datetime": "timestamp",
}
PERIOD = (
    Column("period_start", ("periodStart",), "date"),
    Column("period_end", ("periodEnd",), "date"),
)


@dataclass(frozen=True)
class Table:
    """How one report lands in the warehouse."""

    report: str
    kind: str  # "posts" (by post date), "series" (by performance date), "period", "snapshot"
    key: tuple[str, ...]  # the API fields that identify a row (besides the period)

    @property
    def name(self) -> str:
        return self.report.replace("-", "_")


TABLES: dict[str, Table] = {
    t.report: t
    for t in (
        Table("instances-performance", "period", ()),
        Table("timeseries", "series", ("startDate",)),
        Table("campaigns", "snapshot", ("campaignId",)),
        Table("campaigns-performance", "period", ("campaignId",)),
        Table("platforms-performance", "period", ("contentType",)),
        Table("platforms-roi", "period", ("platform",)),
        Table("creators-performance", "period", ("creatorId",)),
        Table("posts-performance", "posts", ("postId",)),
    )
}
REPORT_NAMES = tuple(TABLES)


class RequestCounter(httpx.BaseTransport):
    """Counts every HTTP request sent (tokens, retries and pages alike)."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport(
            verify=True, limits=httpx.Limits(max_connections=64)
        )
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def as_date(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise OptionError(name.lstrip("-"), f"{name} must be a date (YYYY-MM-DD), not {value!r}")


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def table_columns(table: Table, metrics: Sequence[str]) -> list[Column]:
    """The report's export columns, named by the one flat rule, with the period first."""
    report = REPORTS[table.report]
    cols = [dataclasses.replace(c, name=flat_name(c.path)) for c in columns(report, metrics)]
    return [*PERIOD, *cols] if table.kind == "period" else cols


def primary_key(table: Table) -> list[str]:
    return (["period_start"] if table.kind == "period" else []) + [
        flat_name((field,)) for field in table.key
    ]


def column_hints(table: Table, cols: Sequence[Column]) -> dict[str, TColumnSchema]:
    """Declared types: integers as bigint, metrics as double, dates as date; keys not null."""
    keys = set(primary_key(table))
    return {
        c.name: {"name": c.name, "data_type": DLT_TYPES[c.kind], "nullable": c.name not in keys}
        for c in cols
    }


def write_disposition(table: Table) -> TWriteDispositionConfig:
    """Re-read rows replace their earlier copies by key; the campaign list is a snapshot."""
    if table.kind == "snapshot":
        return "replace"
    return {"disposition": "merge", "strategy": "delete-insert"}


@dataclass
class Plan:
    """The settings every resource of one source shares."""

    client: Client | Callable[[], Client]  # an open client, or how to open one when first used
    start: dt.date
    end: dt.date
    lookback_days: int
    slice_months: int
    max_slices: int | None
    granularity: str
    instance_ids: list[str] | None
    metrics: Mapping[str, Sequence[str]]
    page_size: int

    def open(self) -> Client:
        """The client, opened on first use (so building the source needs no credentials)."""
        if not isinstance(self.client, Client):
            client = self.client()
            # Closed when the source (and so every resource's plan) is gone.
            weakref.finalize(self, client.close)
            self.client = client
        return self.client

    def call(self, report: Report) -> Callable[..., Any]:
        resource_name, method_name = report.method.split(".")
        method: Callable[..., Any] = getattr(getattr(self.open(), resource_name), method_name)
        return method


def table_schema(cols: Sequence[Column], keys: Sequence[str]) -> Any:
    """The Arrow schema of the shared column mapping, as the warehouse wants it.

    Key columns are not nullable (as dlt makes primary keys), and timestamps carry
    microseconds, the warehouses' default precision (DuckDB cannot keep both a time zone and
    another precision); the values are the same.
    """
    import pyarrow as pa

    schema = arrow_schema(cols)
    for index, arrow_field in enumerate(schema):
        if pa.types.is_timestamp(arrow_field.type):
            schema = schema.set(index, arrow_field.with_type(pa.timestamp("us", "UTC")))
        if arrow_field.name in keys:
            schema = schema.set(index, schema.field(index).with_nullable(False))
    return schema


def arrow_tables(
    rows: Iterator[dict[str, Any]], cols: Sequence[Column], schema: Any
) -> Iterator[Any]:
    """One Arrow table per ``BATCH_ROWS`` rows (and one empty table for no rows at all)."""
    import pyarrow as pa

    batch: list[dict[str, Any]] = []
    sent = False
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield pa.Table.from_batches([batch_from_json(batch, cols, schema)])
            sent = True
            batch = []
    if batch or not sent:
        yield pa.Table.from_batches([batch_from_json(batch, cols, schema)])


def report_rows(plan: Plan, report: Report, options: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The report's rows as the JSON dicts the API sent (models only where unpaginated)."""
    method = plan.call(report)
    if not report.paginated:
        result = method(**options)
        for row in result if isinstance(result, list) else [result]:
            yield row.to_dict()
        return
    paginator = method(**options)
    with contextlib.closing(paginator.dicts()) as rows:
        yield from rows


def options_for(plan: Plan, table: Table, first: dt.date, last: dt.date) -> dict[str, Any]:
    report = REPORTS[table.report]
    options: dict[str, Any] = {"instance_ids": plan.instance_ids}
    if table.kind != "snapshot":
        options.update(start=first, end=last)
        options["date_basis"] = "performance_date" if table.kind == "series" else "post_date"
    if report.accepts_metrics:
        options["metrics"] = list(metric_list(report, plan.metrics.get(table.report)))
    if table.kind == "series":
        options["granularity"] = plan.granularity
    if report.paginated:
        options["page_size"] = plan.page_size
    return options


def read_slice(
    plan: Plan, table: Table, part: w.Slice, cols: Sequence[Column], schema: Any
) -> Iterator[Any]:
    """The Arrow tables of one slice of a dated report."""
    report = REPORTS[table.report]
    if table.kind == "period":
        for period in w.periods(part, plan.start, plan.end):
            rows = (
                {**row, "periodStart": period.first, "periodEnd": period.last}
                for row in report_rows(
                    plan, report, options_for(plan, table, period.first, period.last)
                )
            )
            yield from arrow_tables(rows, cols, schema)
        return
    first = part.first
    if table.kind == "series":
        first = max(plan.start, w.bucket_start(first, plan.granularity))
    yield from arrow_tables(
        report_rows(plan, report, options_for(plan, table, first, part.last)), cols, schema
    )


def resource_rows(plan: Plan, table: Table, cols: Sequence[Column], schema: Any) -> Iterator[Any]:
    """A resource's data for this run; its bookmark advances after each slice it read."""
    if table.kind == "snapshot":
        yield from arrow_tables(
            report_rows(
                plan, REPORTS[table.report], options_for(plan, table, plan.start, plan.end)
            ),
            cols,
            schema,
        )
        return
    state = dlt.current.resource_state(table.name)
    read_through = stored_date(state.get("read_through"))
    resume = state.get("resume")
    resume_at = (
        stored_date(resume.get("next"))
        if isinstance(resume, dict) and resume.get("end") == plan.end.isoformat()
        else None
    )
    first = w.run_start(plan.start, read_through, plan.lookback_days, resume_at)
    for count, part in enumerate(w.slices(first, plan.end, plan.slice_months)):
        if plan.max_slices is not None and count >= plan.max_slices:
            # The rest of this run's window is read by the next load of the same day.
            state["resume"] = {"end": plan.end.isoformat(), "next": part.first.isoformat()}
            return
        yield from read_slice(plan, table, part, cols, schema)
        if read_through is None or part.last > read_through:
            state["read_through"] = part.last.isoformat()
            read_through = part.last
    state.pop("resume", None)


def stored_date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def make_resource(plan: Plan, table: Table) -> DltResource:
    report = REPORTS[table.report]
    cols = table_columns(table, metric_list(report, plan.metrics.get(table.report)))
    keys = primary_key(table)
    schema = table_schema(cols, keys)

    def rows() -> Iterator[Any]:
        yield from resource_rows(plan, table, cols, schema)

    resource: DltResource = dlt.resource(
        rows(),
        name=table.name,
        table_name=table.name,
        write_disposition=write_disposition(table),
        primary_key=keys,
        merge_key=["period_start"] if table.kind == "period" else (),
        columns=column_hints(table, cols),
    )
    return resource


def check_reports(reports: Sequence[str] | None) -> list[str]:
    if reports is None:
        return list(REPORT_NAMES)
    chosen = list(dict.fromkeys(reports))
    unknown = [r for r in chosen if r not in TABLES]
    if unknown or not chosen:
        raise OptionError(
            "reports",
            f"unknown report(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(REPORT_NAMES)}",
        )
    return chosen


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def later_reporting(
    client_id: str | None = dlt.config.value,
    client_secret: str | None = dlt.secrets.value,
    base_url: str | None = dlt.config.value,
    reports: list[str] | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    lookback_days: int = w.DEFAULT_LOOKBACK_DAYS,
    granularity: str = "day",
    slice_months: int = w.DEFAULT_SLICE_MONTHS,
    max_slices: int | None = None,
    instance_ids: list[str] | None = None,
    metrics: dict[str, list[str]] | None = None,
    page_size: int = 100,
    rate_limit: int | None = 120,
    concurrency: int = 4,
    max_retries: int = 2,
    client: Any = None,
) -> Any:
    """Later Influence reports as warehouse tables, loaded incrementally.

    Credentials come from the arguments, dlt's configuration
    (``[sources.later_reporting]`` in ``.dlt/secrets.toml``, or
    ``SOURCES__LATER_REPORTING__CLIENT_SECRET``), or ``LATER_REPORTING_*`` variables. Pass an
    open ``client`` (a :class:`later_reporting.Client`) to share its rate budget; otherwise
    the source opens its own.

    ``start`` is the first day of the backfill (default: two years before ``end``), ``end``
    the last day to read (default: today, UTC). Posts published in the last
    ``lookback_days`` before the bookmark (and the time-series buckets and aggregate months
    of those days) are re-read and merged. ``max_slices`` limits how many slices of
    ``slice_months`` months each resource reads in one run (None: all).
    """
    last = as_date(end, "end") or utc_today()
    first = as_date(start, "start") or w.add_years(last, -2) + dt.timedelta(days=1)
    if first > last:
        raise OptionError("start", f"start ({first}) must not be after end ({last})")
    if not 0 <= lookback_days <= w.MAX_LOOKBACK_DAYS:
        raise OptionError(
            "lookback_days", f"lookback_days must be between 0 and {w.MAX_LOOKBACK_DAYS}"
        )
    if not 1 <= slice_months <= MAX_SLICE_MONTHS:
        raise OptionError(
            "slice_months",
            f"slice_months must be between 1 and {MAX_SLICE_MONTHS} (the API's range)",
        )
    if max_slices is not None and max_slices < 1:
        raise OptionError("max_slices", "max_slices must be at least 1 (or None for all)")
    w.bucket_start(first, granularity)  # validates the granularity
    chosen = check_reports(reports)
    unknown_metrics = sorted(set(metrics or {}) - set(chosen))
    if unknown_metrics:
        raise OptionError(
            "metrics", f"metrics given for reports not loaded: {', '.join(unknown_metrics)}"
        )
    if client is not None and not isinstance(client, Client):
        raise TypeError("client must be a later_reporting.Client")
    opener = functools.partial(
        Client,
        client_id=client_id,
        client_secret=client_secret,
        base_url=base_url,
        rate_limit=rate_limit,
        concurrency=concurrency,
        max_retries=max_retries,
    )
    plan = Plan(
        client=client if client is not None else opener,
        start=first,
        end=last,
        lookback_days=lookback_days,
        slice_months=slice_months,
        max_slices=max_slices,
        granularity=granularity,
        instance_ids=instance_ids,
        metrics=metrics or {},
        page_size=page_size,
    )
    return [make_resource(plan, TABLES[name]) for name in chosen]
