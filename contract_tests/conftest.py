"""Prints one line and a reproducing curl per contract failure at the end of the run."""

from __future__ import annotations

from typing import Any

from contract_tests.reporting import SUMMARY, artifacts_dir


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SUMMARY:
        return
    terminalreporter.section("contract failures")
    for line in SUMMARY:
        terminalreporter.write_line(line)
    folder = artifacts_dir()
    if folder is not None and (folder / "failures.har").exists():
        terminalreporter.write_line(f"failing exchanges: {folder / 'failures.har'}")
