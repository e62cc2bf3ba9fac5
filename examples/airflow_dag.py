"""A daily Airflow DAG that loads Later Influence reports into a warehouse with dlt.

Credentials live in Airflow's secret store: dlt's Airflow helper reads the Airflow Variable
``dlt_secrets_toml`` (mark it secret, or back it by your secrets backend) as a
``secrets.toml``::

    [sources.later_reporting]
    client_id = "..."
    client_secret = "..."

    [destination.bigquery.credentials]   # or your warehouse's
    ...

``run_pipeline`` is plain Python (no Airflow needed), so the same load runs in a test, a
cron job or a notebook; the DAG below wraps it with ``PipelineTasksGroup`` when Airflow is
installed (``pip install 'later-reporting[dlt]' apache-airflow``).
"""

from __future__ import annotations

from typing import Any

import dlt

from later_reporting.dlt import SyncResult, later_reporting, sync

PIPELINE_NAME = "later_reporting"
DATASET = "later"
START = "2024-07-01"  # first day of the backfill


def make_pipeline(destination: Any = "bigquery", pipelines_dir: str | None = None) -> Any:
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


try:  # The DAG exists only where Airflow is installed.
    from airflow.decorators import dag
    from dlt.common import pendulum
    from dlt.helpers.airflow_helper import PipelineTasksGroup
except ImportError:  # pragma: no cover - Airflow is not a dependency of this project
    dag = None

if dag is not None:  # pragma: no cover - runs inside Airflow

    @dag(
        schedule="@daily",
        start_date=pendulum.datetime(2025, 1, 1),
        catchup=False,  # the source keeps its own bookmark; Airflow need not replay days
        max_active_runs=1,  # two loads of one pipeline must not overlap
        default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=10)},
    )
    def later_reporting_daily() -> None:
        tasks = PipelineTasksGroup(PIPELINE_NAME, use_data_folder=False, wipe_local_data=True)
        # One task per report ("serialize"): each is its own load with its own bookmark.
        tasks.add_run(
            make_pipeline(),
            later_reporting(start=START),
            decompose="serialize",
            trigger_rule="all_done",
            retries=0,
            provide_context=True,
        )

    later_reporting_daily()
