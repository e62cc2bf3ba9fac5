"""SIGINT and SIGTERM in the middle of an export: no partial file, the earlier file untouched,
exit status 130."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.reliability.processes import cli_command, cli_env, leftovers, sandbox_process

PREVIOUS = b"the export of yesterday, which must survive\n"


@pytest.fixture(scope="module")
def slow_sandbox() -> object:
    # 40 ms a request: a two-year post export takes many seconds, long enough to interrupt.
    with sandbox_process("--latency-ms", "40", "--rate-limit", "0") as base_url:
        yield base_url


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_signal_mid_export_leaves_no_partial_file(
    slow_sandbox: str, tmp_path: Path, signum: signal.Signals, fmt: str
) -> None:
    target = tmp_path / f"posts.{fmt}"
    target.write_bytes(PREVIOUS)
    proc = subprocess.Popen(
        cli_command(
            "export",
            "posts-performance",
            "--start",
            "2024-01-01",
            "--end",
            "2025-12-31",
            "--format",
            fmt,
            "--output",
            str(target),
            "--concurrency",
            "2",
            "--quiet",
        ),
        env=cli_env(slow_sandbox),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the export is writing (a temporary file appears beside the target).
    deadline = time.monotonic() + 30
    while not leftovers(tmp_path, {target.name}):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr.decode()
    assert target.read_bytes() == PREVIOUS
    assert leftovers(tmp_path, {target.name}) == []
    assert b"Traceback" not in stderr
    assert stderr.decode().strip().count("\n") <= 1, stderr.decode()
