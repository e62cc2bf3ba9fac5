"""The first load of a table the destination does not hold is appended; every other merges.

A first load has nothing to merge with, so it skips dlt's staging copy and delete-insert;
the table keeps its primary key, and later loads merge by it again. A table that already
exists (loaded by another pipeline into the same dataset) is merged even on this pipeline's
first run, so nothing is duplicated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

from later_reporting.dlt import sync
from later_reporting.dlt._run import unique_keys
from tests.warehouse import helpers as h

START = dt.date(2025, 1, 1)
TODAY = dt.date(2025, 2, 10)
REPORTS = ["posts-performance", "creators-performance"]


def schemas(database: Path) -> set[str]:
    with duckdb.connect(str(database)) as con:
        rows = con.sql("SELECT schema_name FROM information_schema.schemata").fetchall()
    return {name for (name,) in rows}


def test_a_first_load_appends_and_the_next_merges_by_the_same_key(tmp_path: Path) -> None:
    with h.sandbox(TODAY) as (clock, url), h.client(url) as c:
        pipeline = h.pipeline(tmp_path)
        database = h.database(tmp_path)
        sync(pipeline, client=c, reports=REPORTS, start=START, end=TODAY)
        assert f"{h.DATASET}_staging" not in schemas(database)  # no staging copy, no merge
        h.assert_equal_to_fresh_pull(database, c, REPORTS, START, TODAY)
        table = pipeline.default_schema.tables["posts_performance"]
        assert table["columns"]["post_id"].get("primary_key") is True
        tomorrow = TODAY + dt.timedelta(days=1)
        clock.set_day(tomorrow)
        sync(pipeline, client=c, reports=REPORTS, start=START, end=tomorrow)
        assert f"{h.DATASET}_staging" in schemas(database)
        assert pipeline.default_schema.tables["posts_performance"]["write_disposition"] == "merge"
        h.assert_equal_to_fresh_pull(database, c, REPORTS, START, tomorrow)


def test_a_table_another_pipeline_loaded_is_merged_not_appended(tmp_path: Path) -> None:
    with h.sandbox(TODAY) as (_, url), h.client(url) as c:
        first, second = (
            h.dlt.pipeline(
                pipeline_name=name,
                destination=h.dlt.destinations.duckdb(str(tmp_path / "shared.duckdb")),
                dataset_name=h.DATASET,
                pipelines_dir=str(tmp_path / "pipelines"),
            )
            for name in ("first", "second")
        )
        sync(first, client=c, reports=REPORTS, start=START, end=TODAY)
        # A new pipeline (no state of its own) into the same tables: the keys already there
        # are merged, not loaded twice.
        sync(second, client=c, reports=REPORTS, start=START, end=TODAY)
        h.assert_equal_to_fresh_pull(tmp_path / "shared.duckdb", c, REPORTS, START, TODAY)


def test_a_full_refresh_loads_anew_by_appending(tmp_path: Path) -> None:
    with h.sandbox(TODAY) as (_, url), h.client(url) as c:
        pipeline = h.pipeline(tmp_path)
        sync(pipeline, client=c, reports=REPORTS, start=START, end=TODAY)
        sync(pipeline, client=c, reports=REPORTS, start=START, end=TODAY, full_refresh=True)
        assert pipeline.default_schema.tables["posts_performance"]["write_disposition"] == "append"
        h.assert_equal_to_fresh_pull(h.database(tmp_path), c, REPORTS, START, TODAY)


def test_an_appended_load_keeps_the_first_row_of_each_key() -> None:
    first_of_each_key = unique_keys(["period_start", "creator_id"])
    one = pa.table({"period_start": [1, 1, 2], "creator_id": [7, 8, 7], "v": [1.0, 2.0, 3.0]})
    two = pa.table({"period_start": [1, 2, 3], "creator_id": [8, 8, 7], "v": [4.0, 5.0, 6.0]})
    assert first_of_each_key(one) == one  # no key repeats: the same table
    kept = first_of_each_key(two)  # (1, 8) came in the first table
    assert kept.to_pydict() == {"period_start": [2, 3], "creator_id": [8, 7], "v": [5.0, 6.0]}
