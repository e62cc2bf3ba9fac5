"""`nox -s contract` works: the staging suite, pointed at a sandbox, runs and passes."""

from __future__ import annotations

import os
import subprocess
import sys

from later_reporting.sandbox import SandboxConfig, serve_in_thread


def test_staging_suite_runs_against_the_url_in_the_environment() -> None:
    with serve_in_thread(SandboxConfig(rate_limit=None)) as url:
        env = {
            **os.environ,
            "LATER_REPORTING_BASE_URL": url,
            "LATER_REPORTING_CLIENT_ID": "demo-client",
            "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
            "LATER_REPORTING_CONTRACT_EXAMPLES": "5",
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "contract_tests/test_staging_contract.py",
                "-m",
                "staging",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout
    assert "failed" not in run.stdout
