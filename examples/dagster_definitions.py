"""Dagster assets for Later Influence reports, loaded daily into a warehouse by dagster-dlt.

Credentials come from Dagster's secret store as environment variables, which dlt reads:
set ``SOURCES__LATER_REPORTING__CLIENT_ID`` and ``SOURCES__LATER_REPORTING__CLIENT_SECRET``
(and your destination's, e.g. ``DESTINATION__BIGQUERY__CREDENTIALS__...``) as secrets of
the deployment (Dagster+ "Environment variables", or the environment of your code server).

``run_pipeline`` is plain Python (no Dagster needed); the definitions below exist when
``dagster`` and ``dagster-dlt`` are installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt

from later_reporting.dlt import SyncResult, later_reporting, sync

PIPELINE_NAME = "later_reporting"
DATASET = "later"
START = "2024-07-01"


def make_pipeline(destination: Any = "duckdb", pipelines_dir: str | None = None) -> Any:
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=destination,
        dataset_name=DATASET,
        pipelines_dir=pipelines_dir,
    )


def run_pipeline(pipeline: Any | None = None, **options: Any) -> SyncResult:
    """Backfill on the first call, then re-read only what can still change; one load per slice."""
    options.setdefault("start", START)
    return sync(pipeline or make_pipeline(), **options)


try:
    from dagster import AssetExecutionContext, Definitions, ScheduleDefinition, define_asset_job
    from dagster_dlt import DagsterDltResource, dlt_assets
except ImportError:  # pragma: no cover - Dagster is not a dependency of this project
    dlt_assets = None

if dlt_assets is not None:  # pragma: no cover - runs inside Dagster

    @dlt_assets(
        # Building the source opens no connection and needs no credentials.
        dlt_source=later_reporting(start=START),
        dlt_pipeline=make_pipeline(),
        name="later_reporting",
        group_name="later_reporting",
    )
    def later_reporting_assets(
        context: AssetExecutionContext, dlt: DagsterDltResource
    ) -> Iterator[Any]:
        # A fresh source per run, so "today" is the run's day.
        yield from dlt.run(context=context, dlt_source=later_reporting(start=START))

    defs = Definitions(
        assets=[later_reporting_assets],
        resources={"dlt": DagsterDltResource()},
        schedules=[
            ScheduleDefinition(
                job=define_asset_job("later_reporting_daily", selection=[later_reporting_assets]),
                cron_schedule="0 6 * * *",
            )
        ],
    )
