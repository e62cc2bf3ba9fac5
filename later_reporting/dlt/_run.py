"""Run the source until it is caught up, one checkpointed load per slice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from later_reporting.dlt._source import (
    SOURCE_NAME,
    TABLES,
    as_date,
    check_reports,
    later_reporting,
    utc_today,
)


@dataclass
class SyncResult:
    """What one sync did: loads (one per slice), rows loaded per table."""

    loads: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def resource_states(pipeline: Any) -> dict[str, dict[str, Any]]:
    resources = pipeline.state.get("sources", {}).get(SOURCE_NAME, {}).get("resources", {})
    return {name: dict(state) for name, state in resources.items() if isinstance(state, dict)}


def bookmarks(pipeline: Any) -> dict[str, dt.date]:
    """The ``read_through`` day of each resource that has one, from the pipeline's state."""
    out = {}
    for name, state in resource_states(pipeline).items():
        value = state.get("read_through")
        if isinstance(value, str):
            out[name] = dt.date.fromisoformat(value)
    return out


def pending(pipeline: Any, reports: list[str], end: dt.date) -> list[str]:
    """The dated reports not yet read through ``end``, or stopped part-way by a load."""
    states = resource_states(pipeline)
    marks = bookmarks(pipeline)
    return [
        r
        for r in reports
        if TABLES[r].kind != "snapshot"
        and (
            marks.get(TABLES[r].name, dt.date.min) < end
            or "resume" in states.get(TABLES[r].name, {})
        )
    ]


def sync(
    pipeline: Any,
    *,
    reports: list[str] | None = None,
    end: str | dt.date | None = None,
    slices_per_load: int = 1,
    full_refresh: bool = False,
    on_load: Callable[[int, dict[str, int]], None] | None = None,
    **options: Any,
) -> SyncResult:
    """Load the ``later_reporting`` source into ``pipeline`` until every report is caught up.

    Each load reads at most ``slices_per_load`` slices per report and commits them with
    their bookmarks, so an interrupted backfill resumes at the slice it stopped in.
    ``full_refresh`` drops the source's tables and state first. Other keyword arguments go
    to the source (credentials, ``client``, ``start``, ``lookback_days``, ...).
    """
    chosen = check_reports(reports)
    last = as_date(end, "end") or utc_today()
    result = SyncResult()
    refresh: str | None = "drop_sources" if full_refresh else None
    # Bounded: every load advances each pending report by at least one slice.
    for _ in range(10_000):
        before = resource_states(pipeline)
        source = later_reporting(reports=chosen, end=last, max_slices=slices_per_load, **options)
        pipeline.run(source, refresh=refresh)
        refresh = None
        result.loads += 1
        counts = pipeline.last_trace.last_normalize_info.row_counts
        for table, count in counts.items():
            if not table.startswith("_dlt"):
                result.rows[table] = result.rows.get(table, 0) + count
        if on_load is not None:
            on_load(result.loads, dict(result.rows))
        if not pending(pipeline, chosen, last):
            return result
        if resource_states(pipeline) == before:
            raise RuntimeError("a load read nothing new; the sync stops rather than loop")
    raise RuntimeError("the sync did not catch up")  # pragma: no cover - bounded guard
