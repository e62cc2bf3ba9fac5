"""The orchestrator examples' pipeline functions run as they are, against the sandbox."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import dlt
import duckdb
import pytest

from tests.warehouse import helpers as h

EXAMPLES = Path(__file__).parents[2] / "examples"
TODAY = dt.date(2025, 2, 10)


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["airflow_dag", "dagster_definitions"])
def test_the_example_pipeline_function_loads_into_duckdb(tmp_path: Path, name: str) -> None:
    example = load(name)
    database = tmp_path / "example.duckdb"
    pipeline = example.make_pipeline(
        dlt.destinations.duckdb(str(database)), pipelines_dir=str(tmp_path / "state")
    )
    with h.sandbox(TODAY) as (_, url), h.client(url) as c:
        result = example.run_pipeline(
            pipeline,
            client=c,
            start="2025-01-01",
            end=TODAY,
            reports=["posts-performance", "platforms-roi"],
        )
    assert result.rows["posts_performance"] > 0
    with duckdb.connect(str(database)) as con:
        table = f"{example.DATASET}.posts_performance"
        loaded = con.sql(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608 - our name
    assert loaded[0][0] == result.rows["posts_performance"]
