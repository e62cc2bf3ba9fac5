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
    primary_key,
    utc_today,
)

TABLES_BY_NAME = {table.name: table for table in TABLES.values()}


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


def absent_tables(pipeline: Any, names: list[str]) -> set[str]:
    """The tables among ``names`` the destination does not hold yet.

    Empty when the destination cannot tell (no table reflection, or it cannot be reached
    now: the load itself then reports why), so such tables are merged as usual.
    """
    try:
        with pipeline.destination_client() as client:
            reflect = getattr(client, "get_storage_tables", None)
            if reflect is None:
                return set()
            return {name for name, columns in reflect(names) if not columns}
    # Any failure here only forgoes the shortcut; the load reports the destination's error.
    except Exception:
        return set()


def unique_keys(keys: list[str]) -> Callable[[Any], Any]:
    """A map over one load's Arrow tables that drops rows whose key an earlier row had.

    An appended load has no merge to remove a repeated key (the merge keeps one row per key);
    the API sends each key once per query, so this only acts on pages that moved under a
    paginated read allowed to go on (``on_drift="warn"``).
    """
    seen: set[tuple[Any, ...]] = set()

    def first_of_each_key(table: Any) -> Any:
        import pyarrow as pa

        rows = zip(*(table.column(k).to_pylist() for k in keys), strict=True)
        keep = []
        for row in rows:
            keep.append(row not in seen)
            seen.add(row)
        return table if all(keep) else table.filter(pa.array(keep, pa.bool_()))

    return first_of_each_key


def append_first_loads(source: Any, tables: set[str]) -> None:
    """Load these tables, which the destination does not hold yet, by appending.

    A first load has nothing to merge with, so it skips the staging copy and the
    delete-insert; the table keeps its primary key, and every later load merges again.
    """
    for name, resource in source.resources.items():
        if name in tables:
            resource.apply_hints(write_disposition="append")
            resource.add_map(unique_keys(primary_key(TABLES_BY_NAME[name])))


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

    A dated table the destination does not hold yet (or that ``full_refresh`` drops) gets
    its first slice appended rather than merged: there is nothing to merge with.
    """
    chosen = check_reports(reports)
    last = as_date(end, "end") or utc_today()
    result = SyncResult()
    refresh: str | None = "drop_sources" if full_refresh else None
    dated = [TABLES[r].name for r in chosen if TABLES[r].kind != "snapshot"]
    # One slice per load: a first load then reads one query per period, so no key repeats.
    fresh: set[str] = set()
    if slices_per_load == 1:
        fresh = set(dated) if full_refresh else absent_tables(pipeline, dated)
    # Bounded: every load advances each pending report by at least one slice.
    for _ in range(10_000):
        before = resource_states(pipeline)
        source = later_reporting(reports=chosen, end=last, max_slices=slices_per_load, **options)
        append_first_loads(source, fresh)
        fresh = set()  # the first load created the tables: every later load merges
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
