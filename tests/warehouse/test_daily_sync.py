"""Daily incremental loads equal a full fresh pull, day after day, faults or not.

The sandbox's clock advances one day between runs, so recent posts keep growing and new
posts appear, as they do for a scheduled refresh. After every run each warehouse table must
hold exactly what a fresh pull of the whole history returns that day: the same keys, the
same values, no duplicates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

import later_reporting as lr
from later_reporting.dlt import REPORT_NAMES, bookmarks, sync
from later_reporting.dlt import _source as s
from later_reporting.sandbox import Faults
from tests.warehouse import helpers as h

START = dt.date(2024, 10, 1)  # longer than the lookback: settled posts are not re-read
FIRST_DAY = dt.date(2025, 2, 10)
DAYS = 30
FAULTS = Faults(
    error_rate=0.10, rate_limit_rate=0.05, drop_rate=0.02, retry_after_rate=0.5, seed=11
)


@pytest.mark.parametrize(
    ("faults", "reports"),
    [
        pytest.param(
            None, ["posts-performance", "timeseries", "campaigns-performance"], id="clean"
        ),
        pytest.param(FAULTS, ["posts-performance", "creators-performance"], id="under-faults"),
    ],
)
def test_thirty_daily_runs_each_equal_a_fresh_pull(
    tmp_path: Path, faults: Faults | None, reports: list[str]
) -> None:
    retries = 8 if faults else 2
    with h.sandbox(FIRST_DAY, faults) as (clock, url), h.client(url, retries=retries) as c:
        pipeline = h.pipeline(tmp_path)
        database = h.database(tmp_path)
        first = sync(
            pipeline, client=c, reports=reports, start=START, end=FIRST_DAY, slice_months=3
        )
        assert first.loads == 2  # Oct-Dec, then Jan-Feb: one checkpointed slice each
        h.assert_equal_to_fresh_pull(database, c, reports, START, FIRST_DAY)
        today = FIRST_DAY
        for _ in range(DAYS):
            today += dt.timedelta(days=1)
            clock.set_day(today)
            sync(pipeline, client=c, reports=reports, start=START, end=today)
            h.assert_equal_to_fresh_pull(database, c, reports, START, today)
        dated = {s.TABLES[r].name for r in reports if s.TABLES[r].kind != "snapshot"}
        assert {
            name: day for name, day in bookmarks(pipeline).items() if name in dated
        } == dict.fromkeys(dated, today)


def test_an_interrupted_backfill_resumes_at_its_checkpoint_and_ends_equal(
    tmp_path: Path,
) -> None:
    reports = ["posts-performance", "creators-performance", "timeseries"]
    with h.sandbox(FIRST_DAY) as (_, url):
        pipeline = h.pipeline(tmp_path)
        # The outage starts during the third of five monthly slices.
        with (
            h.client(url, transport=h.FailAfter(8), retries=0) as broken,
            pytest.raises(PipelineStepFailed) as failure,
        ):
            sync(
                pipeline,
                client=broken,
                reports=reports,
                start=START,
                end=FIRST_DAY,
                slice_months=1,
            )
        assert isinstance(h.root(failure.value), lr.APIConnectionError)
        # October and November were loaded and checkpointed; December was not.
        assert set(bookmarks(pipeline).values()) == {dt.date(2024, 11, 30)}
        with h.client(url) as c:
            resumed = sync(
                pipeline, client=c, reports=reports, start=START, end=FIRST_DAY, slice_months=1
            )
            h.assert_equal_to_fresh_pull(h.database(tmp_path), c, reports, START, FIRST_DAY)
        assert resumed.loads == 3  # December, January, February: the rest, not all again


def test_a_daily_run_interrupted_mid_way_and_rerun_ends_equal(tmp_path: Path) -> None:
    reports = list(REPORT_NAMES)  # every report, each kind of table
    with h.sandbox(FIRST_DAY) as (clock, url), h.client(url) as c:
        pipeline = h.pipeline(tmp_path)
        sync(pipeline, client=c, reports=reports, start=START, end=FIRST_DAY)
        today = FIRST_DAY + dt.timedelta(days=1)
        clock.set_day(today)
        with (
            h.client(url, transport=h.FailAfter(3), retries=0) as broken,
            pytest.raises(PipelineStepFailed),
        ):
            sync(pipeline, client=broken, reports=reports, start=START, end=today)
        assert set(bookmarks(pipeline).values()) == {FIRST_DAY}  # nothing half-committed
        sync(pipeline, client=c, reports=reports, start=START, end=today)
        h.assert_equal_to_fresh_pull(h.database(tmp_path), c, reports, START, today)
