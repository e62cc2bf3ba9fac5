"""The incremental rule, as pure functions: read window, slices, periods, buckets."""

from __future__ import annotations

import datetime as dt

import pytest

from later_reporting.dlt import _windows as w

D = dt.date


def test_the_first_run_reads_from_start() -> None:
    assert w.window_start(D(2025, 1, 1), None, 60) == D(2025, 1, 1)


def test_later_runs_reread_the_lookback_before_the_bookmark() -> None:
    assert w.window_start(D(2024, 1, 1), D(2025, 6, 30), 60) == D(2025, 5, 1)
    assert w.window_start(D(2024, 1, 1), D(2025, 6, 30), 0) == D(2025, 6, 30)


def test_the_lookback_never_reaches_before_start() -> None:
    assert w.window_start(D(2025, 6, 1), D(2025, 6, 30), 60) == D(2025, 6, 1)


def test_an_unfinished_run_of_the_same_day_goes_on_where_it_stopped() -> None:
    assert w.run_start(D(2024, 1, 1), D(2025, 3, 31), 60, D(2025, 4, 1)) == D(2025, 4, 1)
    assert w.run_start(D(2024, 1, 1), D(2025, 3, 31), 60, None) == D(2025, 1, 30)


def test_slices_are_whole_calendar_months_and_cover_the_window_once() -> None:
    parts = w.slices(D(2025, 1, 15), D(2025, 6, 10), 2)
    assert parts == [
        w.Slice(D(2025, 1, 15), D(2025, 2, 28)),
        w.Slice(D(2025, 3, 1), D(2025, 4, 30)),
        w.Slice(D(2025, 5, 1), D(2025, 6, 10)),
    ]
    assert w.slices(D(2025, 1, 1), D(2025, 1, 1), 3) == [w.Slice(D(2025, 1, 1), D(2025, 1, 1))]
    assert w.slices(D(2025, 1, 2), D(2025, 1, 1), 3) == []
    with pytest.raises(ValueError, match=r"^slice_months must be at least 1$"):
        w.slices(D(2025, 1, 1), D(2025, 2, 1), 0)


def test_a_slice_can_be_a_single_month() -> None:
    assert w.slices(D(2024, 12, 15), D(2025, 2, 3), 1) == [
        w.Slice(D(2024, 12, 15), D(2024, 12, 31)),
        w.Slice(D(2025, 1, 1), D(2025, 1, 31)),
        w.Slice(D(2025, 2, 1), D(2025, 2, 3)),
    ]


def test_periods_are_whole_months_clipped_to_start_and_end() -> None:
    part = w.Slice(D(2025, 1, 20), D(2025, 3, 5))
    assert w.periods(part, D(2025, 1, 10), D(2025, 3, 5)) == [
        w.Slice(D(2025, 1, 10), D(2025, 1, 31)),
        w.Slice(D(2025, 2, 1), D(2025, 2, 28)),
        w.Slice(D(2025, 3, 1), D(2025, 3, 5)),
    ]


def test_a_period_is_the_whole_month_when_start_is_before_it() -> None:
    # A slice ending on the first of a month still touches that month.
    part = w.Slice(D(2025, 1, 20), D(2025, 3, 1))
    assert w.periods(part, D(2024, 1, 1), D(2025, 12, 31)) == [
        w.Slice(D(2025, 1, 1), D(2025, 1, 31)),
        w.Slice(D(2025, 2, 1), D(2025, 2, 28)),
        w.Slice(D(2025, 3, 1), D(2025, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        ("day", D(2025, 5, 14)),
        ("week", D(2025, 5, 12)),
        ("month", D(2025, 5, 1)),
        ("quarter", D(2025, 4, 1)),
        ("year", D(2025, 1, 1)),
    ],
)
def test_time_series_reads_start_at_a_bucket_boundary(granularity: str, expected: dt.date) -> None:
    assert w.bucket_start(D(2025, 5, 14), granularity) == expected


def test_every_month_falls_in_its_calendar_quarter() -> None:
    starts = [w.bucket_start(D(2025, month, 15), "quarter").month for month in range(1, 13)]
    assert starts == [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10]


def test_an_unknown_granularity_is_refused() -> None:
    with pytest.raises(ValueError, match="granularity"):
        w.bucket_start(D(2025, 5, 14), "hour")


def test_the_command_and_the_source_share_the_default_slice() -> None:
    from later_reporting.cli._sync import sync as command
    from later_reporting.dlt import DEFAULT_SLICE_MONTHS

    option = next(p for p in command.params if p.name == "slice_months")
    assert option.default == DEFAULT_SLICE_MONTHS == 12


def test_a_year_of_backfill_is_one_checkpointed_slice_by_default() -> None:
    # One dlt load per slice: a calendar year is one load, two years two.
    year = w.slices(D(2025, 1, 1), D(2025, 12, 31), w.DEFAULT_SLICE_MONTHS)
    assert year == [w.Slice(D(2025, 1, 1), D(2025, 12, 31))]
    assert w.slices(D(2024, 6, 2), D(2026, 6, 1), w.DEFAULT_SLICE_MONTHS) == [
        w.Slice(D(2024, 6, 2), D(2025, 5, 31)),
        w.Slice(D(2025, 6, 1), D(2026, 5, 31)),
        w.Slice(D(2026, 6, 1), D(2026, 6, 1)),
    ]


def test_years_are_added_on_the_calendar_and_29_february_becomes_28() -> None:
    # The sync's default start is two years before its end (the API's widest range).
    assert w.add_years(D(2025, 6, 30), -2) == D(2023, 6, 30)
    assert w.add_years(D(2023, 6, 30), 2) == D(2025, 6, 30)
    assert w.add_years(D(2024, 2, 29), -2) == D(2022, 2, 28)
    assert w.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert w.add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
