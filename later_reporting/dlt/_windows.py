"""What each run reads: the read window, its backfill slices and the aggregate periods.

Pure functions over dates, so the incremental rule can be read (and tested) on its own:

- The bookmark of a resource is the last day it has read completely (``read_through``).
- A run reads from ``read_through - lookback_days`` (never before ``start``) to ``end``
  (today): the lookback only widens the read, the bookmark advances only to what was read.
- The first run has no bookmark and reads from ``start``.
- The window is cut into slices of whole calendar months (``slice_months`` at a time), each
  checkpointed when loaded, so an interrupted backfill resumes at the slice it stopped in.
  A load that stops early on purpose (``max_slices``) leaves where it stopped; the next load
  for the same ``end`` goes on from there. On a later day the rule above applies again,
  which is safe: a post read on day T and published at least ``lookback_days`` before it had
  settled when it was read.
- Aggregates are read per calendar month ("period"): every month the window touches is read
  whole (clipped to ``start`` and ``end``) and replaces what the warehouse held for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from later_reporting._errors import OptionError

DEFAULT_LOOKBACK_DAYS = 60
# A year per checkpoint: a backfill of a year is one dlt load (each load has a fixed cost of
# about half a second: staging, the merge, the state), and an interrupted backfill re-reads
# at most a year (about 320 requests of posts, under 3 minutes at 120 requests a minute).
DEFAULT_SLICE_MONTHS = 12
MAX_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Slice:
    """One checkpointed piece of a run: the days ``first..last`` (inclusive)."""

    first: dt.date
    last: dt.date


def window_start(start: dt.date, read_through: dt.date | None, lookback_days: int) -> dt.date:
    """First day a run reads: ``start`` on the first run, else the bookmark minus the lookback."""
    if read_through is None:
        return start
    return max(start, read_through - dt.timedelta(days=lookback_days))


def run_start(
    start: dt.date, read_through: dt.date | None, lookback_days: int, resume_at: dt.date | None
) -> dt.date:
    """Where a run begins: where an unfinished run of the same day stopped (its earlier
    slices, lookback included, were read that day), else the bookmark minus the lookback."""
    if resume_at is not None:
        return resume_at
    return window_start(start, read_through, lookback_days)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def slices(first: dt.date, end: dt.date, slice_months: int) -> list[Slice]:
    """``first..end`` cut at calendar-month boundaries, ``slice_months`` months per slice."""
    if slice_months < 1:
        raise OptionError("slice_months", "slice_months must be at least 1")
    out: list[Slice] = []
    cursor = first
    while cursor <= end:
        boundary = cursor
        for _ in range(slice_months):
            boundary = next_month(boundary)
        last = min(boundary - dt.timedelta(days=1), end)
        out.append(Slice(cursor, last))
        cursor = last + dt.timedelta(days=1)
    return out


def periods(part: Slice, start: dt.date, end: dt.date) -> list[Slice]:
    """The calendar months a slice touches, each whole but clipped to ``start..end``."""
    out: list[Slice] = []
    cursor = month_start(part.first)
    while cursor <= part.last:
        out.append(Slice(max(cursor, start), min(next_month(cursor) - dt.timedelta(days=1), end)))
        cursor = next_month(cursor)
    return out


def bucket_start(day: dt.date, granularity: str) -> dt.date:
    """The first day of the time-series bucket holding ``day`` (so no bucket is read cut)."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    raise OptionError(
        "granularity",
        f"unknown granularity {granularity!r}; use day, week, month, quarter or year",
    )


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
