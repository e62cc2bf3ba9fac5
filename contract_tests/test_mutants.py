"""The staging suite catches every mutant: each run against a sandbox with one injected
contract violation fails, naming the operation and the check that caught it.

The suite runs exactly as ``nox -s contract`` runs it (``contract_tests.run``), pointed at each
mutant by environment, with a small fixed example budget and the fixed seed, restricted to the
mutant's operation; all mutants are served by one server in this process, two suites at a time.
``test_contract_runner.py`` shows the same suite passing against the unmodified sandbox.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contract_tests.mutants import MUTANTS, Mutant, serve
from contract_tests.run import SANDBOX_ENV, run_suite

EXAMPLES = "3"
# Many suite runs in one test: more than the default per-test timeout on a busy machine.
pytestmark = pytest.mark.timeout(900)
# The headline schemathesis prints for a failure of each built-in check.
TITLES = {
    "not_a_server_error": ("Server error",),
    "response_schema_conformance": ("Response violates schema", "JSON deserialization error"),
    "content_type_conformance": ("Undocumented Content-Type", "Missing Content-Type header"),
    "response_headers_conformance": ("Missing required response headers",),
    "negative_data_rejection": ("API accepted schema-violating request",),
    "unsupported_method": ("Wrong response to undeclared method",),
}
SECTION = re.compile(r"_+ test_api_conforms_to_the_spec\[(\w+ [^\]]+)\] _+")
SUITE_STEP = re.compile(r"(\w+ /\S+): (\w+): ")


def caught(output: str) -> set[tuple[str, str]]:
    """(operation, check) pairs a failed run reports."""
    found = {(op, check) for op, check in SUITE_STEP.findall(output)}
    parts = SECTION.split(output)
    for operation, text in zip(parts[1::2], parts[2::2], strict=True):
        for name in re.findall(r"Custom check failed: `(\w+)`", text):
            found.add((operation, name))
        for check, titles in TITLES.items():
            if any(f" {title}" in text for title in titles):
                found.add((operation, check))
    return found


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, str]]:
    """Runs the suite against every mutant selected in this session (all, unless ``-k``)."""
    selected = {
        item.callspec.params["mutant"].name
        for item in request.session.items
        if hasattr(item, "callspec") and "mutant" in item.callspec.params
    }
    chosen = [m for m in MUTANTS if m.name in selected]
    root = tmp_path_factory.mktemp("mutants")
    with serve(list(chosen)) as urls:

        def one(pair: tuple[Mutant, str]) -> tuple[str, subprocess.CompletedProcess[str]]:
            mutant, url = pair
            env = {
                "LATER_REPORTING_BASE_URL": url,
                **SANDBOX_ENV,
                "LATER_REPORTING_CONTRACT_EXAMPLES": EXAMPLES,
                "LATER_REPORTING_CONTRACT_OPERATIONS": mutant.operation,
            }
            return mutant.name, run_suite(env, Path(root / mutant.name), timeout=600)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(pool.map(one, zip(chosen, urls, strict=True)))
    return {name: (run.returncode, run.stdout + run.stderr) for name, run in results.items()}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_the_suite_fails_on_the_mutant_naming_operation_and_check(
    outcomes: dict[str, tuple[int, str]], mutant: Mutant
) -> None:
    code, output = outcomes[mutant.name]
    assert code != 0, f"{mutant.name} ({mutant.violation}) was not caught:\n{output[-2000:]}"
    assert (mutant.operation, mutant.check) in caught(output), output[-4000:]
    if mutant.operation != "POST /oauth/token":
        assert f"FAIL {mutant.operation} | " in output, "no one-line summary"
        assert "curl -X" in output
        assert "Bearer ey" not in output and "'Authorization: Bearer" not in output


def test_at_least_ten_distinct_violations_across_the_checks() -> None:
    assert len(MUTANTS) >= 10
    assert len({m.check for m in MUTANTS}) >= 8


def test_the_readme_table_lists_every_mutant_and_its_check() -> None:
    readme = (Path(__file__).parent / "README.md").read_text(encoding="utf-8")
    for mutant in MUTANTS:
        row = f"| `{mutant.name}` | {mutant.violation} | `{mutant.operation}` | `{mutant.check}` |"
        assert row in readme, row
