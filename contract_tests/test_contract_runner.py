"""`nox -s contract -- --sandbox` works without credentials: the staging suite runs against a
live sandbox, passes, and leaves a JUnit XML report (and no HAR, as nothing failed)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from contract_tests.run import ROOT


def test_the_suite_against_a_live_sandbox_passes_and_writes_junit_xml(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "contract_tests.run", "--sandbox", "--artifacts", str(tmp_path)],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("LATER_")},
            "LATER_REPORTING_CONTRACT_EXAMPLES": "3",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 1
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert not (tmp_path / "failures.har").exists()


def test_without_credentials_or_sandbox_it_says_what_is_missing(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "contract_tests.run", "--artifacts", str(tmp_path)],
        env={k: v for k, v in os.environ.items() if not k.startswith("LATER_")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert "LATER_REPORTING_BASE_URL" in run.stderr and "--sandbox" in run.stderr
