"""``paginator.to_pandas()`` against ``dicts()`` + ``pandas.json_normalize`` on 30,000 posts:
time and peak memory (RSS), each in its own process, side by side in one run.

A third process only walks ``dicts()`` (no DataFrame): the floor both approaches share, the
walk itself; the difference above it is the cost of building the frame.
"""

from __future__ import annotations

import sys
import time

from bench._common import DEMO, Result, run_measured, sandbox

ROWS = 30_000
START, END = "2024-01-01", "2025-12-31"
MODES = ("to_pandas", "json_normalize", "walk")


def child(mode: str, rows: int) -> None:
    """In the child process: read ``rows`` posts the ``mode`` way; print seconds and shape."""
    import pandas as pd

    import later_reporting as lr

    with lr.Client(rate_limit=None, concurrency=4) as client:
        posts = client.posts.performance(start=START, end=END, max_items=rows)
        started = time.perf_counter()
        if mode == "to_pandas":
            frame = posts.to_pandas()
        elif mode == "json_normalize":
            frame = pd.json_normalize(list(posts.dicts()))
        else:
            frame = pd.DataFrame({"rows": [sum(1 for _ in posts.dicts())]})
        seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {frame.shape[0]} {frame.shape[1]}")


def measure(url: str, mode: str, rows: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process."""
    seconds, peak, code = run_measured(
        [sys.executable, "-m", "bench.frames", mode, str(rows)],
        {**DEMO, "LATER_REPORTING_BASE_URL": url},
    )
    if code:
        raise RuntimeError(f"the {mode} child failed with exit code {code}")
    return seconds, peak


def run() -> list[Result]:
    with sandbox() as url:
        measure(url, "walk", 1_000)  # warm the server's query cache
        got = {mode: measure(url, mode, ROWS) for mode in MODES}
    (frame_s, frame_mb), (norm_s, norm_mb), (walk_s, walk_mb) = (got[m] for m in MODES)
    return [
        Result(
            f"{ROWS:,} posts to a DataFrame: to_pandas() vs dicts() + json_normalize, process time",
            f"{frame_s:.2f} s",
            f"{norm_s:.2f} s",
            frame_s / norm_s,
            "<= 1.0x (no slower)",
            frame_s <= norm_s,
        ),
        Result(
            f"{ROWS:,} posts to a DataFrame: to_pandas() vs dicts() + json_normalize, peak RSS",
            f"{frame_mb:.0f} MB",
            f"{norm_mb:.0f} MB",
            frame_mb / norm_mb,
            "< 1.0x (less memory)",
            frame_mb < norm_mb,
        ),
        Result(
            f"{ROWS:,} posts: to_pandas() vs the dicts() walk alone (no frame), process time "
            f"(walk peak RSS {walk_mb:.0f} MB)",
            f"{frame_s:.2f} s",
            f"{walk_s:.2f} s",
            frame_s / walk_s,
            "(informative)",
            True,
        ),
    ]


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]))
