"""DataFrames from any report: Arrow batches, pandas and polars, page by page.

Columns are exactly those of the file export: ``_rows.columns`` names them (the one flat
snake_case rule) and ``_arrow`` types them (counts and ids ``int64``, metrics ``float64``,
dates ``date32``, timestamps in UTC), so a report has the same columns in a Parquet file, a
warehouse table and a DataFrame. Only the metrics asked for (or the report's default set)
become columns; a metric that was not requested is absent, never an all-null column.

Each page becomes one ``pyarrow.RecordBatch`` as it arrives (``iter_arrow``), so a walk
holds one page of JSON at a time; ``to_arrow`` keeps only the compact Arrow batches.
``max_items`` bounds the rows as it does for ``dicts()``.

pandas and polars are optional extras (``later-reporting[pandas]``,
``later-reporting[polars]``); without one, its method raises ``ImportError`` naming the
extra to install.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any

from later_reporting._arrow import arrow_schema, batch_from_json
from later_reporting._rows import REPORTS, Column, Report, columns, metric_list

if TYPE_CHECKING:
    from later_reporting._pagination import Page, Query

INSTANCE_COLUMNS = [Column("instance_id", ("instanceId",), "str")]
"""``instances.list`` pages are bare ids: one ``instance_id`` column."""


def require(module: str, extra: str, method: str) -> Any:
    """``module`` imported, or an ``ImportError`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{method} needs {module}: pip install 'later-reporting[{extra}]'"
        ) from None


def report_of(operation: str) -> Report | None:
    """The export report of a list operation (``posts.performance``), if it has one."""
    return next((r for r in REPORTS.values() if r.method == operation), None)


def frame_columns(query: Query) -> list[Column]:
    """The export's columns for this query: its report and the metrics it asked for."""
    report = report_of(query.operation)
    if report is None:
        return INSTANCE_COLUMNS
    asked = query.params.get("metrics")
    requested = None if asked is None else [str(getattr(m, "value", m)) for m in asked]
    return columns(report, metric_list(report, requested))


def _rows_of(query: Query, items: list[Any]) -> list[Any]:
    if report_of(query.operation) is None:
        return [{"instanceId": item} for item in items]
    return items


class _Batcher:
    """Pages to record batches, stopping at ``max_items``."""

    def __init__(self, query: Query, extra: str = "parquet") -> None:
        require("pyarrow", extra, "Arrow output")
        self.query = query
        self.columns = frame_columns(query)
        self.schema = arrow_schema(self.columns)
        self.left = query.max_items

    def batch(self, page: Page[Any]) -> Any | None:
        """The page's batch, or None once ``max_items`` rows have been given."""
        if self.left is not None and self.left <= 0:
            return None
        items = page.items if self.left is None else page.items[: self.left]
        if self.left is not None:
            self.left -= len(items)
        return batch_from_json(_rows_of(self.query, items), self.columns, self.schema)


def iter_arrow(
    query: Query, pages: Generator[Page[Any], None, None], extra: str = "parquet"
) -> Iterator[Any]:
    """One ``pyarrow.RecordBatch`` per page of a walk of ``dicts()`` pages."""
    batcher = _Batcher(query, extra)
    try:
        for page in pages:
            batch = batcher.batch(page)
            if batch is None:
                return
            yield batch
    finally:
        pages.close()  # stop in-flight page fetches now, not at garbage collection


async def aiter_arrow(
    query: Query, pages: AsyncGenerator[Page[Any], None], extra: str = "parquet"
) -> AsyncIterator[Any]:
    """The async twin of :func:`iter_arrow`."""
    batcher = _Batcher(query, extra)
    try:
        async for page in pages:
            batch = batcher.batch(page)
            if batch is None:
                return
            yield batch
    finally:
        await pages.aclose()


def table(query: Query, batches: list[Any]) -> Any:
    """One ``pyarrow.Table`` of the batches, with the export's schema even when empty."""
    pa = require("pyarrow", "parquet", "Arrow output")
    return pa.Table.from_batches(batches, schema=arrow_schema(frame_columns(query)))


def to_arrow(query: Query, pages: Generator[Page[Any], None, None], extra: str = "parquet") -> Any:
    return table(query, list(iter_arrow(query, pages, extra)))


async def ato_arrow(
    query: Query, pages: AsyncGenerator[Page[Any], None], extra: str = "parquet"
) -> Any:
    return table(query, [batch async for batch in aiter_arrow(query, pages, extra)])


def pandas_of(arrow: Any) -> Any:
    """A pandas DataFrame of an Arrow table: counts and ids stay whole (``Int64``) with
    gaps; metrics ``float64``; timestamps ``datetime64[ms, UTC]``; dates ``datetime.date``."""
    pd = require("pandas", "pandas", "to_pandas()")
    pa = require("pyarrow", "pandas", "to_pandas()")
    return arrow.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def polars_of(arrow: Any) -> Any:
    """A polars DataFrame of an Arrow table (the same types: Int64, Float64, Date, ...)."""
    pl = require("polars", "polars", "to_polars()")
    return pl.from_arrow(arrow)


def to_pandas(query: Query, pages: Generator[Page[Any], None, None]) -> Any:
    require("pandas", "pandas", "to_pandas()")
    return pandas_of(to_arrow(query, pages, "pandas"))


def to_polars(query: Query, pages: Generator[Page[Any], None, None]) -> Any:
    require("polars", "polars", "to_polars()")
    return polars_of(to_arrow(query, pages, "polars"))


async def ato_pandas(query: Query, pages: AsyncGenerator[Page[Any], None]) -> Any:
    require("pandas", "pandas", "to_pandas()")
    return pandas_of(await ato_arrow(query, pages, "pandas"))


async def ato_polars(query: Query, pages: AsyncGenerator[Page[Any], None]) -> Any:
    require("polars", "polars", "to_polars()")
    return polars_of(await ato_arrow(query, pages, "polars"))
