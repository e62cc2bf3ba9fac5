"""Run the `later-reporting` command and a sandbox server as real processes."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

DEMO_ENV = {
    "LATER_REPORTING_CLIENT_ID": "demo-client",
    "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
}


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "later_reporting.cli", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def sandbox_process(*flags: str) -> Iterator[str]:
    """Start `later-reporting sandbox` on a free loopback port; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        cli_command("sandbox", "--host", "127.0.0.1", "--port", str(port), *flags),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"sandbox exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base_url}/v2/instances", timeout=1.0)
                break
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox did not start within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def cli_env(base_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATER_REPORTING_")}
    env.update(DEMO_ENV, LATER_REPORTING_BASE_URL=base_url, **extra)
    return env


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)
