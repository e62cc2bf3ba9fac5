"""Incremental loading of Later Influence reports into a warehouse with dlt.

``pip install 'later-reporting[dlt]'``. The source has one resource (table) per report,
each with its primary key, write disposition and column types; rows arrive as Arrow tables::

    import dlt
    from later_reporting.dlt import later_reporting, sync

    pipeline = dlt.pipeline("later", destination="duckdb", dataset_name="later_reporting")
    sync(pipeline, start="2025-01-01")  # backfill, then each later call reads the lookback

See the README section "Loading into a warehouse" for the incremental rules.
"""

from __future__ import annotations

from later_reporting.dlt._run import SyncResult, bookmarks, sync
from later_reporting.dlt._source import (
    REPORT_NAMES,
    TABLES,
    RequestCounter,
    as_date,
    check_reports,
    later_reporting,
)
from later_reporting.dlt._windows import DEFAULT_LOOKBACK_DAYS, DEFAULT_SLICE_MONTHS

__all__ = [
    "DEFAULT_LOOKBACK_DAYS",
    "DEFAULT_SLICE_MONTHS",
    "REPORT_NAMES",
    "TABLES",
    "RequestCounter",
    "SyncResult",
    "as_date",
    "bookmarks",
    "check_reports",
    "later_reporting",
    "sync",
]
