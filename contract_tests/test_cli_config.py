"""The plain CLI agrees: `st run` from the repository root with `schemathesis.toml` and
`--checks all` reports no failure and no warning against a live sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from contract_tests.run import ROOT
from later_reporting.sandbox import SandboxConfig, serve_in_thread

ST = Path(sys.executable).with_name("st")
pytestmark = pytest.mark.timeout(900)  # one full CLI run; slow on a busy machine


def test_st_run_with_all_checks_is_clean_against_the_sandbox(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_in_thread(SandboxConfig(rate_limit=None, posts=2_000)) as url:
        run = subprocess.run(
            [
                str(ST),
                "run",
                "openapi/later-reporting-v2.yaml",
                "--url",
                url,
                "--checks",
                "all",
                "--max-examples",
                "3",
                # This sandbox has no rate limit; the configured client limit is for the real
                # API's 120 requests per minute and would stretch this run to many minutes.
                "--rate-limit",
                "10000/s",
                "--report",
                "junit",
                "--report-junit-path",
                str(junit),
            ],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith("LATER_")},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    assert "Selected: 10/10" in output
    assert "failure" not in output.split("SUMMARY")[-1].lower(), output[-3000:]
    assert "Warnings:" not in output, output[-3000:]
    assert "Bearer ey" not in output
    assert junit.exists()


def test_the_configuration_names_the_hooks_seed_and_a_client_rate_limit() -> None:
    config = tomllib.loads((ROOT / "schemathesis.toml").read_text(encoding="utf-8"))
    assert config["hooks"] == "contract_tests.cli_hooks"
    assert config["seed"] == 20261123
    count, per = config["rate-limit"].split("/")
    assert per == "m" and int(count) < 120  # the API allows 120 requests per minute per IP
