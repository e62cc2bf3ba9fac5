"""DataFrames from any report: the export's columns and types, page by page, sync and async."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from later_reporting import AsyncClient, Client
from later_reporting._rows import REPORTS, flat_name
from later_reporting.export import Output, call_options, export_report

from .helpers import BOTH

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
START, END = "2025-01-01", "2025-01-31"
METRICS = ["impressions", "engagementRate", "likes"]


def run(kind: str, url: str, call: Callable[[Any], Any], how: str) -> Any:
    """``call(client)`` (a paginator) read with ``how`` on a ``kind`` client.

    ``how`` is ``to_arrow``, ``to_pandas``, ``to_polars`` or ``iter_arrow`` (a list of
    batches).
    """
    options: dict[str, Any] = {"base_url": url, "rate_limit": None, **DEMO}
    if kind == "sync":
        with Client(**options) as client:
            paginator = call(client)
            return (
                list(paginator.iter_arrow()) if how == "iter_arrow" else getattr(paginator, how)()
            )

    async def go() -> Any:
        async with AsyncClient(**options) as client:
            paginator = call(client)
            if how == "iter_arrow":
                return [batch async for batch in paginator.iter_arrow()]
            return await getattr(paginator, how)()

    return asyncio.run(go())


def posts(client: Any, **extra: Any) -> Any:
    return client.posts.performance(start=START, end=END, metrics=METRICS, **extra)


@BOTH
def test_to_arrow_has_exactly_the_parquet_exports_columns_and_rows(
    kind: str, sandbox_url: str, tmp_path: Path
) -> None:
    report = REPORTS["posts-performance"]
    options = call_options(
        report,
        start=START,
        end=END,
        metrics=METRICS,
        instance_ids=None,
        campaign_ids=None,
        platforms=None,
        content_types=None,
        date_basis=None,
        sort_property=None,
        sort_direction=None,
        granularity=None,
        page_size=None,
        max_items=None,
    )
    target = tmp_path / "posts.parquet"
    with Client(base_url=sandbox_url, rate_limit=None, **DEMO) as client:
        export_report(client, report, options, [Output("parquet", target)])
    exported = pq.read_table(target)

    table = run(kind, sandbox_url, posts, "to_arrow")

    assert isinstance(table, pa.Table)
    assert table.num_rows > 0
    assert table.schema == exported.schema
    assert table.equals(exported)


@BOTH
def test_columns_are_flat_snake_case_with_pinned_types_and_only_requested_metrics(
    kind: str, sandbox_url: str
) -> None:
    schema = run(kind, sandbox_url, lambda c: posts(c, max_items=3), "to_arrow").schema

    assert schema.field("post_id").type == pa.int64()
    assert schema.field("campaign_id").type == pa.int64()
    assert schema.field("post_date").type == pa.timestamp("ms", "UTC")
    assert schema.field("creator_profile_full_name").type == pa.string()
    assert schema.field("impressions").type == pa.int64()  # a count
    assert schema.field("likes").type == pa.int64()
    assert schema.field("engagement_rate").type == pa.float64()  # a rate
    # Metrics that were not asked for are not columns at all (not all-null ones).
    assert "engagements" not in schema.names
    assert "reach" not in schema.names
    assert not [name for name in schema.names if "." in name or name != name.lower()]


@BOTH
def test_timeseries_dates_are_date32(kind: str, sandbox_url: str) -> None:
    table = run(
        kind,
        sandbox_url,
        lambda c: c.instances.performance_over_time(
            start=START, end=END, metrics=["postsCount", "engagementRate"]
        ),
        "to_arrow",
    )

    assert table.schema.field("start_date").type == pa.date32()
    assert table.schema.field("posts_count").type == pa.int64()
    assert table.schema.field("engagement_rate").type == pa.float64()
    assert table.column("start_date")[0].as_py() == dt.date(2025, 1, 1)


@BOTH
@pytest.mark.parametrize(("max_items", "rows"), [(25, [10, 10, 5]), (21, [10, 10, 1])])
def test_iter_arrow_gives_one_batch_per_page_and_stops_at_max_items(
    kind: str, max_items: int, rows: list[int], sandbox_url: str
) -> None:
    batches = run(
        kind, sandbox_url, lambda c: posts(c, page_size=10, max_items=max_items), "iter_arrow"
    )

    assert [b.num_rows for b in batches] == rows
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert len({b.schema for b in batches}) == 1
    # The rows are the first ones of the whole table, every value kept.
    whole = run(kind, sandbox_url, posts, "to_arrow")
    assert pa.Table.from_batches(batches).equals(whole.slice(0, max_items))


@BOTH
def test_to_pandas_keeps_the_types(kind: str, sandbox_url: str) -> None:
    frame = run(kind, sandbox_url, lambda c: posts(c, max_items=30), "to_pandas")

    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 30
    assert str(frame["post_id"].dtype) == "Int64"
    assert str(frame["impressions"].dtype) == "Int64"
    assert str(frame["engagement_rate"].dtype) == "float64"
    assert str(frame["post_date"].dtype) == "datetime64[ms, UTC]"
    assert "engagements" not in frame.columns
    # The values are the Arrow table's, row for row.
    table = run(kind, sandbox_url, lambda c: posts(c, max_items=30), "to_arrow")
    for name in ("post_id", "impressions", "engagement_rate", "creator_profile_full_name"):
        assert frame[name].tolist() == table.column(name).to_pylist(), name


@BOTH
def test_to_polars_keeps_the_types(kind: str, sandbox_url: str) -> None:
    frame = run(kind, sandbox_url, lambda c: posts(c, max_items=30), "to_polars")

    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 30
    assert frame.schema["post_id"] == pl.Int64
    assert frame.schema["likes"] == pl.Int64
    assert frame.schema["engagement_rate"] == pl.Float64
    assert frame.schema["post_date"] == pl.Datetime("ms", "UTC")
    # The values are the Arrow table's, row for row.
    table = run(kind, sandbox_url, lambda c: posts(c, max_items=30), "to_arrow")
    assert frame.to_arrow().to_pylist() == table.to_pylist()


@BOTH
def test_an_empty_result_still_has_the_columns(kind: str, sandbox_url: str) -> None:
    table = run(
        kind,
        sandbox_url,
        lambda c: c.posts.performance(start="2019-01-01", end="2019-01-02", metrics=METRICS),
        "to_arrow",
    )

    assert table.num_rows == 0
    assert {"post_id", "impressions", "engagement_rate", "likes"} <= set(table.schema.names)


@BOTH
def test_instance_ids_become_one_column(kind: str, sandbox_url: str) -> None:
    table = run(kind, sandbox_url, lambda c: c.instances.list(), "to_arrow")

    assert table.schema.names == ["instance_id"]
    assert table.num_rows > 0
    assert all(isinstance(v, str) for v in table.column("instance_id").to_pylist())


@BOTH
@pytest.mark.parametrize(
    ("method", "missing", "message"),
    [
        ("to_pandas", "pandas", "to_pandas() needs pandas: pip install 'later-reporting[pandas]'"),
        ("to_polars", "polars", "to_polars() needs polars: pip install 'later-reporting[polars]'"),
        (
            "to_arrow",
            "pyarrow",
            "Arrow output needs pyarrow: pip install 'later-reporting[parquet]'",
        ),
        (
            "iter_arrow",
            "pyarrow",
            "Arrow output needs pyarrow: pip install 'later-reporting[parquet]'",
        ),
        (
            "to_pandas",
            "pyarrow",
            "Arrow output needs pyarrow: pip install 'later-reporting[pandas]'",
        ),
        (
            "to_polars",
            "pyarrow",
            "Arrow output needs pyarrow: pip install 'later-reporting[polars]'",
        ),
    ],
    ids=["pandas", "polars", "arrow", "batches", "pandas-pyarrow", "polars-pyarrow"],
)
def test_a_missing_extra_is_named(
    kind: str,
    method: str,
    missing: str,
    message: str,
    sandbox_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # importing it now fails

    with pytest.raises(ImportError) as raised:
        run(kind, sandbox_url, lambda c: posts(c, max_items=1), method)
    assert str(raised.value) == message


@BOTH
def test_without_metrics_the_reports_default_metrics_are_the_columns(
    kind: str, sandbox_url: str
) -> None:
    table = run(
        kind,
        sandbox_url,
        lambda c: c.posts.performance(start=START, end=END, max_items=5),
        "to_arrow",
    )
    defaults = REPORTS["posts-performance"].default_metrics
    assert table.schema.names[-len(defaults) :] == [flat_name((m,)) for m in defaults]
    assert table.num_rows == 5
