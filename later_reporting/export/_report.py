"""One report, from the SDK to one or more files in one pass.

The command line's ``export`` and ``demo`` both call :func:`export_report`; the command
line only parses flags into :func:`call_options`.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from later_reporting._client import Client
from later_reporting._errors import OptionError
from later_reporting._rows import Column, Report, Row, columns, flatten, value_at
from later_reporting.export._targets import FORMATS, open_target
from later_reporting.export._writers import (
    CsvSink,
    JsonlSink,
    ParquetSink,
    Sink,
    text_stream,
)

__all__ = ["ExportOptions", "Output", "call_options", "export_report", "open_sink", "write_rows"]

Warn = Callable[[str], None]


class ProgressLike(Protocol):
    def update(self, rows: int, total: int | None) -> None: ...
    def done(self) -> None: ...


class _NoProgress:
    def update(self, rows: int, total: int | None) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass(frozen=True)
class Output:
    """One file to write: its format and path (None: standard output)."""

    fmt: str
    path: Path | None


@dataclass
class ExportOptions:
    """How values are written (not what is fetched)."""

    dotted_names: bool = False  # the older ``creatorProfile.fullName`` column names
    csv_formulas: str = "escape"  # or "keep"; see ``export._writers.FORMULA_START``
    warn: Warn = field(default=lambda message: print(f"warning: {message}", file=sys.stderr))


def call_options(
    report: Report,
    *,
    start: str | None = None,
    end: str | None = None,
    metrics: list[str] | None = None,
    instance_ids: list[str] | None = None,
    campaign_ids: list[int] | None = None,
    platforms: list[str] | None = None,
    content_types: list[str] | None = None,
    date_basis: str | None = None,
    sort_property: str | None = None,
    sort_direction: str | None = None,
    granularity: str | None = None,
    page_size: int | None = None,
    max_items: int | None = None,
) -> dict[str, Any]:
    """Keyword arguments of the report's SDK method; options that do not apply are errors.

    Every option defaults to ``None`` (not given), as when its flag is absent.

    Raises:
        OptionError: An option the report does not take, or a dated report without
            ``start`` and ``end``; the message names the command line's flag.
    """

    def refuse(parameter: str, flag: str, value: object, allowed: bool) -> None:
        if value is not None and not allowed:
            raise OptionError(parameter, f"{flag} does not apply to the {report.name} report")

    dated = report.dated
    refuse("start", "--start", start, dated)
    refuse("end", "--end", end, dated)
    if dated and (start is None or end is None):
        raise OptionError(
            "start" if start is None else "end",
            f"the {report.name} report needs --start and --end (YYYY-MM-DD)",
        )
    refuse("metrics", "--metrics", metrics, report.accepts_metrics)
    refuse("sort_property", "--sort-property", sort_property, bool(report.sortable))
    refuse("sort_direction", "--sort-direction", sort_direction, bool(report.sortable))
    refuse("granularity", "--granularity", granularity, report.granular)
    refuse("campaign_ids", "--campaign-id", campaign_ids, dated)
    refuse("platforms", "--platform", platforms, dated)
    refuse("content_types", "--content-type", content_types, dated)
    refuse("date_basis", "--date-basis", date_basis, dated)
    refuse("page_size", "--page-size", page_size, report.paginated)
    refuse("max_items", "--max-items", max_items, report.paginated)
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
        options["metrics"] = list(metrics if metrics is not None else report.default_metrics)
    if report.sortable:
        options.update(sort_property=sort_property, sort_direction=sort_direction)
    if report.granular:
        options["granularity"] = granularity
    if report.paginated:
        options["max_items"] = max_items
        if page_size is not None:
            options["page_size"] = page_size
    return options


def filter_context(options: dict[str, Any]) -> dict[str, Any]:
    """The filter a single-row report was computed for, as its ``filter_*`` columns."""
    ids = options.get("instance_ids")
    return {
        "start": options.get("start"),
        "end": options.get("end"),
        "dateBasis": options.get("date_basis") or "post_date",  # the API's default
        "instanceIds": ",".join(ids) if ids else None,  # null: every instance of the client
    }


def report_rows(
    client: Client, report: Report, options: dict[str, Any], progress: ProgressLike
) -> Generator[Row, None, None]:
    """The report's rows as JSON dicts, streamed page by page."""
    resource_name, method_name = report.method.split(".")
    method = getattr(getattr(client, resource_name), method_name)
    context = {"filter": filter_context(options)} if report.single_row else {}
    if not report.paginated:
        result = method(**options)
        rows = result if isinstance(result, list) else [result]
        for count, row in enumerate(rows, start=1):
            progress.update(count, len(rows))
            yield {**row.to_dict(), **context}
        return
    paginator = method(**options)
    count = 0
    with contextlib.closing(paginator.dicts()) as pages:
        for row in pages:
            count += 1
            if count % 100 == 0:
                progress.update(count, paginator.total_items)
            yield row
    progress.update(count, paginator.total_items)


def open_sink(
    output: Output,
    cols: list[Column],
    stack: contextlib.ExitStack,
    settings: ExportOptions | None = None,
    name_row: Callable[[list[Any]], str] | None = None,
) -> Sink:
    """A sink writing ``output`` (atomically where the target allows; see ``_targets``)."""
    settings = settings or ExportOptions()
    if output.fmt not in FORMATS:
        raise OptionError(
            "fmt", f"unknown format {output.fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    if output.path is None:
        if output.fmt == "parquet":
            raise OptionError("output", "Parquet cannot be written to stdout; give --output PATH")
        sys.stdout.flush()
        binary = sys.stdout.buffer
    else:
        binary = stack.enter_context(open_target(output.path))
    if output.fmt == "parquet":
        sink = ParquetSink(binary, cols, name_row)
        stack.callback(sink.abandon)  # before the stream closes, whatever happened
        return sink
    stream = text_stream(binary)
    stack.callback(_release, stream)
    if output.fmt == "csv":
        return CsvSink(stream, cols, settings.csv_formulas)
    return JsonlSink(stream, cols)


def _release(stream: Any) -> None:
    # Leaves the binary stream to its owner; data was flushed by the sink's close() on
    # success, and after a failure nothing more is worth an error of its own.
    with contextlib.suppress(OSError, ValueError):
        stream.detach()


def write_rows(rows: Iterator[list[Any]], sinks: list[Sink]) -> int:
    count = 0
    for values in rows:
        for sink in sinks:
            sink.write(values)
        count += 1
    for sink in sinks:
        sink.close()
    return count


def dotted(cols: list[Column], metrics: int) -> list[Column]:
    """The deprecated ``--dotted-names``: each column named by its path joined with dots
    (``creatorProfile.fullName``, ``filter.start``), a metric by its name alone
    (``postsCount``); ``metrics`` is how many metric columns end ``cols``."""
    first_metric = len(cols) - metrics
    return [
        Column(c.path[-1] if i >= first_metric else ".".join(c.path), c.path, c.kind)
        for i, c in enumerate(cols)
    ]


def row_key(report: Report, row: Row) -> str:
    """How messages name a row: ``postId=123``, or ``the summary row`` without a key."""
    if not report.key:
        return "the summary row"
    return ", ".join(f"{name}={value_at(row, (name,))}" for name in report.key)


def export_report(
    client: Client,
    report: Report,
    options: dict[str, Any],
    outputs: list[Output],
    progress: ProgressLike | None = None,
    settings: ExportOptions | None = None,
) -> int:
    """Write one report to every output in one pass; returns the row count.

    Nothing is written (not even a CSV header on stdout) until the first page has been
    fetched, so a rejected query or bad credentials leave no output at all.
    """
    settings = settings or ExportOptions()
    progress = progress or _NoProgress()
    metrics = options.get("metrics") or report.default_metrics
    cols = columns(report, metrics)
    if settings.dotted_names:
        cols = dotted(cols, len(metrics))
    replaced: list[str] = []

    def on_replaced(row: Row, column: Column) -> None:
        if not replaced:
            settings.warn(
                f"{report.name}, {row_key(report, row)}, field {column.name}: text the server "
                "sent is not valid Unicode; the invalid characters were replaced with U+FFFD"
            )
        replaced.append(column.name)

    key_index = [i for i, c in enumerate(cols) if c.path in {(k,) for k in report.key}]

    def name_row(values: list[Any]) -> str:
        if not key_index:
            return "the summary row"
        return "row " + ", ".join(f"{cols[i].name}={values[i]}" for i in key_index)

    with contextlib.ExitStack() as stack:
        rows = stack.enter_context(
            contextlib.closing(report_rows(client, report, options, progress))
        )
        flat = flatten(rows, cols, on_replaced)
        first = next(flat, None)  # the first page: auth and validation have passed
        sinks = [open_sink(output, cols, stack, settings, name_row) for output in outputs]
        count = write_rows(itertools.chain([] if first is None else [first], flat), sinks)
    progress.done()
    return count
