"""`later-reporting export` of posts to CSV and to Parquet: rows per second and peak memory
at 10k, 25k and 50k rows (memory must stay flat as rows grow, under 250 MB)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench._common import DEMO, Result, run_measured, sandbox

SIZES = (10_000, 25_000, 50_000)


def export(url: str, fmt: str, rows: int, folder: Path) -> tuple[float, float]:
    seconds, peak, code = run_measured(
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
            fmt,
            "--max-items",
            str(rows),
            "--concurrency",
            "4",
            "-o",
            str(folder / f"posts-{rows}.{fmt}"),
            "--quiet",
        ],
        {**DEMO, "LATER_REPORTING_BASE_URL": url},
    )
    if code:
        raise RuntimeError(f"export failed with exit code {code}")
    return seconds, peak


def run() -> list[Result]:
    results = []
    with sandbox() as url, tempfile.TemporaryDirectory() as tmp:
        export(url, "csv", 1_000, Path(tmp))  # warm the server's query cache
        for fmt in ("csv", "parquet"):
            measured = {n: export(url, fmt, n, Path(tmp)) for n in SIZES}
            small, large = measured[SIZES[0]], measured[SIZES[-1]]
            rate = SIZES[-1] / large[0]
            results.append(
                Result(
                    f"export 50,000 posts to {fmt}: peak RSS at 50k vs 10k rows",
                    f"{large[1]:.0f} MB",
                    f"{small[1]:.0f} MB",
                    large[1] / small[1],
                    "< 250 MB and flat (ratio <= 1.3)",
                    large[1] < 250 and large[1] / small[1] <= 1.3,
                )
            )
            results.append(
                Result(
                    f"export to {fmt}: rows per second at 50k vs 10k rows "
                    f"(25k: {SIZES[1] / measured[SIZES[1]][0]:,.0f}/s, "
                    f"{measured[SIZES[1]][1]:.0f} MB)",
                    f"{rate:,.0f} rows/s",
                    f"{SIZES[0] / small[0]:,.0f} rows/s",
                    rate / (SIZES[0] / small[0]),
                    "(informative)",
                    True,
                )
            )
    return results
