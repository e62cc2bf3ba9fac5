"""Incremental warehouse loads: a daily run versus a full pull of the same history, and a
full ``sync`` of a year of posts into DuckDB versus ``export --format parquet`` of the same
rows. Requests and seconds, measured side by side in one run against the sandbox (in its
own process, with the clock set by ``--as-of``)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import DEMO, Result, run_measured, sandbox

TODAY = dt.date(2026, 6, 1)
HISTORY_START = dt.date(2024, 6, 2)  # two years of history before TODAY
YEAR = ("2025-01-01", "2025-12-31")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "later_reporting.cli", *args]


def sync(url: str, folder: Path, *args: str) -> tuple[float, int]:
    """One ``later-reporting sync``; returns (seconds, requests used)."""
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603 - the project's own command, fixed arguments
        cli(
            "sync",
            "--duckdb-file",
            str(folder / "warehouse.duckdb"),
            "--pipelines-dir",
            str(folder / "state"),
            "--quiet",
            *args,
        ),
        env={**os.environ, **DEMO, "LATER_REPORTING_BASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"sync failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = re.search(r"requests used\s+([\d,]+)", proc.stderr)
    if found is None:
        raise RuntimeError(f"no request count in: {proc.stderr[-500:]}")
    return elapsed, int(found.group(1).replace(",", ""))


def daily_versus_full() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        history = ("--start", HISTORY_START.isoformat())
        with sandbox("--as-of", TODAY.isoformat()) as url:
            full_seconds, full_requests = sync(
                url, folder, *history, "--end", TODAY.isoformat(), "--full-refresh"
            )
        tomorrow = TODAY + dt.timedelta(days=1)
        with sandbox("--as-of", tomorrow.isoformat()) as url:
            day_seconds, day_requests = sync(url, folder, *history, "--end", tomorrow.isoformat())
    return [
        Result(
            "sync, every report, 2 years of history: requests of a daily run (lookback 60 days) "
            "vs a full pull",
            f"{day_requests:,} requests",
            f"{full_requests:,} requests",
            day_requests / full_requests,
            "<= 0.10",
            day_requests / full_requests <= 0.10,
        ),
        Result(
            "sync, every report, 2 years of history: time of a daily run vs a full pull",
            f"{day_seconds:.1f} s",
            f"{full_seconds:.1f} s",
            day_seconds / full_seconds,
            "(informative)",
            True,
        ),
    ]


def sync_versus_export() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp, sandbox() as url:
        folder = Path(tmp)
        period = ("--start", YEAR[0], "--end", YEAR[1])
        export_argv = cli(
            "export", "posts-performance", *period, "--format", "parquet",
            "-o", str(folder / "posts.parquet"), "--quiet",
        )  # fmt: skip
        run_measured(export_argv, {**DEMO, "LATER_REPORTING_BASE_URL": url})  # warm the cache
        export_seconds, _, code = run_measured(
            export_argv, {**DEMO, "LATER_REPORTING_BASE_URL": url}
        )
        if code:
            raise RuntimeError(f"export failed with exit code {code}")
        sync_seconds, _ = sync(
            url, folder, "--reports", "posts-performance", *period, "--full-refresh"
        )
    ratio = sync_seconds / export_seconds
    return [
        Result(
            f"a year of posts ({YEAR[0][:4]}): full sync into DuckDB vs export --format parquet",
            f"{sync_seconds:.1f} s",
            f"{export_seconds:.1f} s",
            ratio,
            "<= 1.5x",
            ratio <= 1.5,
        )
    ]


def run() -> list[Result]:
    return sync_versus_export() + daily_versus_full()
