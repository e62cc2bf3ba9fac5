"""The soak run (every post of two years: 10% 500s, 5% 429s, 2% dropped connections,
5-second tokens, concurrency 8) against the same run with no faults."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench._common import DEMO, Result, run_measured, sandbox

FAULTS = (
    "--error-rate",
    "0.10",
    "--rate-limit-error-rate",
    "0.05",
    "--drop-rate",
    "0.02",
    "--token-lifetime",
    "5",
    "--fault-seed",
    "11",
)


def export(url: str, folder: Path) -> float:
    seconds, _, code = run_measured(
        [
            sys.executable,
            "-m",
            "later_reporting.cli",
            "export",
            "posts-performance",
            "--start",
            "2024-01-01",
            "--end",
            "2025-12-31",
            "--format",
            "csv",
            "--concurrency",
            "8",
            "--max-retries",
            "8",
            "-o",
            str(folder / "posts.csv"),
            "--quiet",
        ],
        {**DEMO, "LATER_REPORTING_BASE_URL": url},
    )
    if code:
        raise RuntimeError(f"export failed with exit code {code}")
    return seconds


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        with sandbox("--token-lifetime", "5") as url:
            export(url, Path(tmp))  # warm the server's query cache
            clean = export(url, Path(tmp))
        with sandbox(*FAULTS) as url:
            faulted = export(url, Path(tmp))
    return [
        Result(
            "soak: two years of posts (74k rows) under faults vs no faults",
            f"{faulted:.1f} s",
            f"{clean:.1f} s",
            faulted / clean,
            "(informative)",
            True,
        )
    ]
