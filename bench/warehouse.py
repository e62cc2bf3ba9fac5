"""Incremental warehouse loads: a daily run versus a full pull of the same history, and a
full ``sync`` of a year of posts into DuckDB versus ``export --format parquet`` of the same
rows. Requests and seconds, measured side by side in one run against the sandbox (in its
own process, with the clock set by ``--as-of``; no latency and no rate limit, as the export
benchmark runs it).

The commands run as an installed package runs: with bytecode caches (pip writes them at
install; here they go to a folder of the run, written by the warm-up runs), and with dlt's
anonymous telemetry off (no traffic leaves the machine). One row repeats the comparison
with every module compiled from source at each start, to show what that costs each side."""

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


def command_env(url: str, pycache: Path | None) -> dict[str, str]:
    """The environment of a measured command: demo credentials, the sandbox, no request
    budget of the client's own (the sandbox has no rate limit), no telemetry, and bytecode
    cached under ``pycache`` (None: none written, every module compiled)."""
    env = {
        **DEMO,
        "LATER_REPORTING_BASE_URL": url,
        "LATER_REPORTING_RATE_LIMIT": "0",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    if pycache is None:
        return {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""}
    return {**env, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(pycache)}


def sync(url: str, folder: Path, *args: str, pycache: Path | None) -> tuple[float, int]:
    """One ``later-reporting sync``; returns (seconds, requests used)."""
    folder.mkdir(parents=True, exist_ok=True)
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
        env={**os.environ, **command_env(url, pycache)},
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


def daily_versus_full(even: bool) -> list[Result]:
    """A daily run (the clock one day on) versus the full pull it follows, both of two years
    of every report. ``even``: posts spread evenly over the days (the target's assumption);
    else the demo data, whose post rate grows (a quarter of two years' posts fall in the
    last 60 days, which every correct daily run re-reads)."""
    flags = ("--even-post-rate",) if even else ()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        history = ("--start", HISTORY_START.isoformat())
        with sandbox("--as-of", TODAY.isoformat(), *flags) as url:
            full_seconds, full_requests = sync(
                url, folder, *history, "--end", TODAY.isoformat(), "--full-refresh",
                pycache=folder / "pycache",
            )  # fmt: skip
        tomorrow = TODAY + dt.timedelta(days=1)
        with sandbox("--as-of", tomorrow.isoformat(), *flags) as url:
            day_seconds, day_requests = sync(
                url, folder, *history, "--end", tomorrow.isoformat(), pycache=folder / "pycache"
            )
    data = "posts spread evenly" if even else "the demo data (post rate grows; informative)"
    ratio = day_requests / full_requests
    return [
        Result(
            f"sync, every report, 2 years of history, {data}: requests of a daily run "
            "(lookback 60 days) vs a full pull",
            f"{day_requests:,} requests",
            f"{full_requests:,} requests",
            ratio,
            "<= 0.10" if even else "(informative)",
            ratio <= 0.10 if even else True,
        ),
        Result(
            f"sync, every report, 2 years of history, {data}: time of a daily run vs a full pull",
            f"{day_seconds:.1f} s",
            f"{full_seconds:.1f} s",
            day_seconds / full_seconds,
            "(informative)",
            True,
        ),
    ]


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def in_process(url: str, folder: Path, rounds: int) -> tuple[float, float]:
    """Median seconds of an export to Parquet and of a first sync into a new DuckDB file, in
    this process with one client (the steady-state work, without interpreter start-up)."""
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"  # read when dlt is first used
    import dlt

    import later_reporting as lr
    from later_reporting._rows import REPORTS
    from later_reporting.dlt import sync as load
    from later_reporting.export._report import Output, call_options, export_report

    report = REPORTS["posts-performance"]
    options = call_options(
        report, start=YEAR[0], end=YEAR[1], metrics=None, instance_ids=None,
        campaign_ids=None, platforms=None, content_types=None, date_basis=None,
        sort_property=None, sort_direction=None, granularity=None, page_size=None,
        max_items=None,
    )  # fmt: skip
    exports, syncs = [], []
    with lr.Client(
        base_url=url, client_id=DEMO["LATER_REPORTING_CLIENT_ID"],
        client_secret=DEMO["LATER_REPORTING_CLIENT_SECRET"], rate_limit=None,
    ) as client:  # fmt: skip
        for index in range(rounds):
            started = time.perf_counter()
            export_report(client, report, options, [Output("parquet", folder / "p.parquet")])
            exports.append(time.perf_counter() - started)
            pipeline = dlt.pipeline(
                f"bench{index}",
                destination=dlt.destinations.duckdb(str(folder / f"w{index}.duckdb")),
                dataset_name="later",
                pipelines_dir=str(folder / "state"),
            )
            started = time.perf_counter()
            load(pipeline, client=client, reports=["posts-performance"], start=YEAR[0], end=YEAR[1])
            syncs.append(time.perf_counter() - started)
    return median(syncs), median(exports)


def commands(url: str, folder: Path, rounds: int, pycache: Path | None) -> tuple[float, float]:
    """Median seconds of ``sync`` into a new DuckDB file and of ``export --format parquet``,
    alternated so both see the same machine load (after one warm-up run of each)."""
    period = ("--start", YEAR[0], "--end", YEAR[1])
    folder.mkdir(parents=True, exist_ok=True)
    env = command_env(url, pycache)
    export_argv = cli(
        "export", "posts-performance", *period, "--format", "parquet",
        "-o", str(folder / "posts.parquet"), "--quiet",
    )  # fmt: skip
    run_measured(export_argv, env)  # warms the sandbox's query cache and the bytecode
    runs = folder / ("runs" if pycache else "runs-from-source")
    sync(url, runs / "warm", "--reports", "posts-performance", *period, pycache=pycache)
    exports, syncs = [], []
    for index in range(rounds):
        seconds, _, code = run_measured(export_argv, env)
        if code:
            raise RuntimeError(f"export failed with exit code {code}")
        exports.append(seconds)
        # A first sync into a new DuckDB file: the full load of the year.
        syncs.append(sync(url, runs / str(index), "--reports", "posts-performance", *period,
                          pycache=pycache)[0])  # fmt: skip
    return median(syncs), median(exports)


LATENCY_MS = 50
"""Added to every sandbox answer in the row the target is held to: with it the export of the
year takes about as long per row as the export the target was set beside (6.9 s for 37,296
post rows); with none, both commands are bound by this machine's CPU alone."""


def sync_versus_export(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with sandbox("--latency-ms", str(LATENCY_MS)) as url:
            slow_sync, slow_export = commands(url, folder / "latency", rounds, folder / "pycache")
        with sandbox() as url:
            rows = instant(url, folder, rounds)
    slow = slow_sync / slow_export
    return [
        Result(
            f"a year of posts ({YEAR[0][:4]}), commands: `sync` into a new DuckDB file vs "
            f"`export --format parquet`, the sandbox answering in {LATENCY_MS} ms (median of 3; "
            "includes importing dlt and DuckDB)",
            f"{slow_sync:.1f} s",
            f"{slow_export:.1f} s",
            slow,
            "<= 1.5x",
            slow <= 1.5,
        ),
        *rows,
    ]


def instant(url: str, folder: Path, rounds: int) -> list[Result]:
    """The same comparison against a sandbox that answers at once (no latency)."""
    pycache = folder / "pycache"
    sync_seconds, export_seconds = commands(url, folder, rounds, pycache)
    env = command_env(url, pycache)
    imports = median(
        [
            run_measured([sys.executable, "-c", "import later_reporting.dlt, duckdb"], env)[0]
            - run_measured([sys.executable, "-c", "import later_reporting.cli"], env)[0]
            for _ in range(rounds)
        ]
    )
    steady_sync, steady_export = in_process(url, folder, rounds)
    cold_sync, cold_export = commands(url, folder, rounds, None)
    ratio = sync_seconds / export_seconds
    steady = steady_sync / steady_export
    return [
        Result(
            f"a year of posts ({YEAR[0][:4]}), commands: `sync` into a new DuckDB file vs "
            "`export --format parquet`, the sandbox answering at once (median of 3; includes "
            "importing dlt and DuckDB)",
            f"{sync_seconds:.1f} s",
            f"{export_seconds:.1f} s",
            ratio,
            "<= 1.5x",
            ratio <= 1.5,
        ),
        Result(
            "the same, less the start-up that importing dlt and DuckDB adds to the command",
            f"{sync_seconds - imports:.1f} s",
            f"{export_seconds:.1f} s",
            (sync_seconds - imports) / export_seconds,
            "(informative)",
            True,
        ),
        Result(
            "the same commands with no bytecode cache (PYTHONDONTWRITEBYTECODE=1: every module "
            "compiled at each start)",
            f"{cold_sync:.1f} s",
            f"{cold_export:.1f} s",
            cold_sync / cold_export,
            "(informative)",
            True,
        ),
        Result(
            f"a year of posts ({YEAR[0][:4]}), in one process: sync into DuckDB vs export to "
            "Parquet (median of 3)",
            f"{steady_sync:.2f} s",
            f"{steady_export:.2f} s",
            steady,
            "<= 1.5x",
            steady <= 1.5,
        ),
    ]


def run() -> list[Result]:
    return sync_versus_export() + daily_versus_full(even=True) + daily_versus_full(even=False)
