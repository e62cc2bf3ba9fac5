"""Exports under injected faults: complete and exact, or a clear failure and no file.

The full run (every post of a two-year range) is ``nox -s soak``; the suite runs a
smaller range with the same faults. The command line exports with the sync client; the
reads by the SDK itself run on both clients (``BOTH``). Retry sleeps are off here (the
decisions are unchanged); ``nox -s bench`` measures the same run with real backoff.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting.cli import main
from later_reporting.sandbox import Faults, SandboxApp, SandboxConfig, serve_in_thread
from tests.unit.helpers import BOTH

SOAK = os.environ.get("LATER_REPORTING_SOAK") == "1"
FAULTS = Faults(
    error_rate=0.10, rate_limit_rate=0.05, drop_rate=0.02, retry_after_rate=0.5, seed=11
)


def post_ids(kind: str, url: str, start: str, end: str, **options: Any) -> list[int]:
    """The post ids a ``kind`` ("sync"/"async") client reads from the sandbox at ``url``."""
    settings: dict[str, Any] = {
        "base_url": url,
        "client_id": "demo-client",
        "client_secret": "demo-secret",
        "rate_limit": None,
        **options,
    }
    if kind == "sync":
        with lr.Client(**settings) as client:
            return [r["postId"] for r in client.posts.performance(start=start, end=end).dicts()]

    async def main() -> list[int]:
        async with lr.AsyncClient(**settings) as client:
            rows = client.posts.performance(start=start, end=end).dicts()
            return [r["postId"] async for r in rows]

    return asyncio.run(main())


def ground_truth(app: SandboxApp, start: str, end: str) -> list[int]:
    """Post ids the sandbox holds for the demo client's instances, in post-date order."""
    import datetime as dt

    from later_reporting._catalog import CONTENT_TYPES
    from later_reporting.sandbox._reports import Selection, Sort

    sel = Selection(
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
        ("instance_abc", "instance_def"),
        None,
        CONTENT_TYPES,
        "post_date",
    )
    rows, _ = app.reports.posts_order(sel, Sort(None, True))
    return [int(i) for i in app.dataset.post_id[rows]]


@pytest.mark.parametrize("soak", [pytest.param(True, marks=pytest.mark.soak)] if SOAK else [False])
def test_export_under_faults_equals_ground_truth(tmp_path: Path, soak: bool) -> None:
    start, end = ("2024-01-01", "2025-12-31") if soak else ("2025-01-01", "2025-03-31")
    app = SandboxApp(SandboxConfig(rate_limit=None, token_lifetime=5.0, faults=FAULTS))
    target = tmp_path / "posts.parquet"
    with serve_in_thread(app) as url:
        started = time.monotonic()
        result = CliRunner().invoke(
            main,
            [
                "export",
                "posts-performance",
                "--start",
                start,
                "--end",
                end,
                "--format",
                "parquet",
                "-o",
                str(target),
                "--concurrency",
                "8",
                "--quiet",
                "--metrics",
                "impressions,engagements",
            ],
            env={
                "LATER_REPORTING_CLIENT_ID": "demo-client",
                "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
                "LATER_REPORTING_BASE_URL": url,
                "LATER_REPORTING_MAX_RETRIES": "8",
            },
        )
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    table = pq.read_table(target)
    ids = table.column("post_id").to_pylist()
    expected = ground_truth(app, start, end)
    assert ids == expected  # same rows, same order
    assert len(ids) == len(set(ids))  # no duplicates
    if soak:
        assert len(ids) > 50_000
    # Values equal the sandbox's, fault or no fault.
    with (
        serve_in_thread(SandboxConfig(rate_limit=None)) as clean_url,
        lr.Client(
            base_url=clean_url,
            client_id="demo-client",
            client_secret="demo-secret",
            rate_limit=None,
            concurrency=8,
        ) as client,
    ):
        clean = {
            r["postId"]: r["impressions"]
            for r in client.posts.performance(start=start, end=end, metrics=["impressions"]).dicts()
        }
    assert dict(zip(ids, table.column("impressions").to_pylist(), strict=True)) == clean
    # About one token per lifetime, not one per request.
    assert len(app.tokens.issued) <= elapsed / 5.0 * 1.6 + 2
    assert app.report_requests > len(ids) / 100


@pytest.mark.parametrize(
    ("faults", "args", "code", "message"),
    [
        (Faults(error_rate=1.0), [], 4, "ANL_00500"),
        (Faults(drop_rate=1.0), [], 4, "connection failed"),
        (Faults(), ["--instance-id", "instance_xyz"], 3, "ANL_00403"),
    ],
)
def test_unsurvivable_faults_end_clearly_with_no_file(
    tmp_path: Path, faults: Faults, args: list[str], code: int, message: str
) -> None:
    target = tmp_path / "posts.csv"
    target.write_text("previous\n")
    with serve_in_thread(SandboxConfig(rate_limit=None, faults=faults)) as url:
        result = CliRunner().invoke(
            main,
            [
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-01-31",
                "-o",
                str(target),
                *args,
            ],
            env={
                "LATER_REPORTING_CLIENT_ID": "demo-client",
                "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
                "LATER_REPORTING_BASE_URL": url,
            },
        )
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["posts.csv"]


@BOTH
def test_both_clients_under_faults_read_exactly_the_ground_truth(kind: str) -> None:
    # 5xx, 429 (half with Retry-After) and dropped connections, read by concurrent pages.
    app = SandboxApp(SandboxConfig(rate_limit=None, token_lifetime=5.0, faults=FAULTS))
    with serve_in_thread(app) as url:
        ids = post_ids(kind, url, "2025-01-01", "2025-01-31", concurrency=8, max_retries=8)
    assert ids == ground_truth(app, "2025-01-01", "2025-01-31")


@BOTH
@pytest.mark.parametrize(
    ("faults", "error", "message"),
    [
        (Faults(error_rate=1.0), lr.ServerError, "ANL_00500"),
        (Faults(drop_rate=1.0), lr.APIConnectionError, "connection failed"),
    ],
)
def test_unsurvivable_faults_raise_after_the_retries(
    kind: str, faults: Faults, error: type[Exception], message: str
) -> None:
    app = SandboxApp(SandboxConfig(rate_limit=None, faults=faults))
    with serve_in_thread(app) as url, pytest.raises(error, match=message):
        post_ids(kind, url, "2025-01-01", "2025-01-31", max_retries=2)
    assert app.report_requests == 3  # the first attempt and two retries, then the error


@BOTH
def test_cursor_paging_under_faults(kind: str) -> None:
    app = SandboxApp(
        SandboxConfig(
            rate_limit=None,
            cursor_paging=True,
            faults=Faults(error_rate=0.1, drop_rate=0.02, seed=5),
        )
    )
    with serve_in_thread(app) as url:
        rows = post_ids(kind, url, "2025-01-01", "2025-01-31", max_retries=6)
    assert rows == ground_truth(app, "2025-01-01", "2025-01-31")
