"""SIGINT and SIGTERM in the middle of an export: no partial file, the earlier file untouched,
exit status 130; and the process ends at once, whatever its page workers are waiting for
(a 429, a ``Retry-After``, a backoff, a stalled server), from the CLI and from SDK code."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.processes import cli_command, cli_env, leftovers, sandbox_process
from tests.reliability.stalling import StallingServer, serve_stalling

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


GONE_WITHIN = 5.0
"""Seconds from the signal to the process being gone. The aim is under 1 s; the bound is
loose so a busy machine does not fail the test, and still far below the waits involved
(50 s Retry-After, 60 s rate-limit slot, 30 s of backoff, a 30 s read timeout per try)."""


def interrupt_when_waiting(
    proc: subprocess.Popen[bytes],
    server: StallingServer,
    signum: signal.Signals,
    again: signal.Signals | None = None,
) -> float:
    """Signal ``proc`` once its page workers are waiting (and ``again`` right after, as an
    impatient user would); return seconds until it is gone."""
    deadline = time.monotonic() + 30
    while server.later_requests < 1:  # the other worker may wait before sending (budget)
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the walk never reached its later pages"
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are inside their wait (sleep, backoff or read) now
    proc.send_signal(signum)
    signalled = time.monotonic()
    if again is not None:
        time.sleep(0.01)
        proc.send_signal(again)
    try:
        proc.wait(timeout=GONE_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"still running {GONE_WITHIN} s after the signal ({server.behaviour})")
    return time.monotonic() - signalled


@pytest.mark.parametrize(
    ("behaviour", "signum", "again"),
    [
        pytest.param("retry-after", signal.SIGINT, None, id="retry-after-SIGINT"),
        pytest.param("rate-limited", signal.SIGTERM, None, id="rate-limited-SIGTERM"),
        pytest.param("backoff", signal.SIGINT, None, id="backoff-SIGINT"),
        pytest.param("stall", signal.SIGTERM, None, id="stall-SIGTERM"),
        pytest.param("stall", signal.SIGINT, signal.SIGINT, id="stall-SIGINT-twice"),
    ],
)
def test_cli_export_ends_at_once_while_later_pages_wait(
    tmp_path: Path, behaviour: str, signum: signal.Signals, again: signal.Signals | None
) -> None:
    target = tmp_path / "posts.csv"
    target.write_bytes(PREVIOUS)
    with serve_stalling(behaviour) as server:
        proc = subprocess.Popen(
            cli_command(
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-01-31",
                "--format",
                "csv",
                "--output",
                str(target),
                "--concurrency",
                "2",
                "--max-retries",
                "8",
                "--quiet",
            ),
            env=cli_env(server.base_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        elapsed = interrupt_when_waiting(proc, server, signum, again)
        _, stderr = proc.communicate()
    print(f"{behaviour}: gone {elapsed:.2f} s after the signal")
    assert proc.returncode == 130, stderr.decode()
    assert target.read_bytes() == PREVIOUS
    assert leftovers(tmp_path, {target.name}) == []
    assert b"Traceback" not in stderr
    assert stderr.decode().strip().count("\n") <= 1, stderr.decode()


SDK_SCRIPT = """
import asyncio, signal, sys
# Ctrl-C as in a terminal: a test run started as a background job (or by a runner that
# ignores SIGINT) would otherwise hand the walk an ignored SIGINT, and nothing would end it.
signal.signal(signal.SIGINT, signal.default_int_handler)
import later_reporting as lr

kind, url = sys.argv[1], sys.argv[2]
options = dict(base_url=url, client_id="c", client_secret="s", concurrency=2)
query = dict(start="2025-01-01", end="2025-01-31")
if kind == "sync":
    with lr.Client(**options) as client:
        for row in client.posts.performance(**query).dicts():
            pass
else:
    async def main():
        async with lr.AsyncClient(**options) as client:
            async for row in client.posts.performance(**query).dicts():
                pass
    asyncio.run(main())
"""


@pytest.mark.parametrize("behaviour", ["retry-after", "stall"])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_ctrl_c_ends_an_sdk_page_walk_at_once(kind: str, behaviour: str) -> None:
    with serve_stalling(behaviour) as server:
        proc = subprocess.Popen(
            [sys.executable, "-c", SDK_SCRIPT, kind, server.base_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        elapsed = interrupt_when_waiting(proc, server, signal.SIGINT)
        _, stderr = proc.communicate()
    print(f"{kind} SDK, {behaviour}: gone {elapsed:.2f} s after the signal")
    assert b"KeyboardInterrupt" in stderr, stderr.decode()
