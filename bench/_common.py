"""Shared pieces: a sandbox process, timing, peak memory of a child process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psutil

DEMO = {"LATER_REPORTING_CLIENT_ID": "demo-client", "LATER_REPORTING_CLIENT_SECRET": "demo-secret"}


@dataclass
class Result:
    """One row of bench/RESULTS.md."""

    name: str
    value: str
    baseline: str
    ratio: float
    target: str
    met: bool


@contextlib.contextmanager
def sandbox(*flags: str) -> Iterator[str]:
    """`later-reporting sandbox` in its own process (so it does not share our CPU)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(  # noqa: S603 - the project's own command, fixed arguments
        [
            sys.executable,
            "-m",
            "later_reporting.cli",
            "sandbox",
            "--port",
            str(port),
            "--rate-limit",
            "0",
            *flags,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{url}/v2/instances", timeout=1)
                break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run a command; return (seconds, peak RSS in MB, exit code), polling RSS every 20 ms."""
    started = time.perf_counter()
    proc = psutil.Popen(
        argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, proc.memory_info().rss)
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode() if proc.stderr else "")
    return elapsed, peak / 1e6, proc.returncode
