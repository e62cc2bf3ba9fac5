"""Developer sessions. `nox` alone runs what CI runs: lint, typecheck, drift, spec, tests, docs.

Every session installs from uv.lock (`uv sync --frozen`) into its own virtualenv.
"""

from __future__ import annotations

import shutil
import sys

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "drift", "spec", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


def sync(session: nox.Session, *args: str) -> None:
    """Install the locked dependency groups (and the project, unless --only-group)."""
    session.run_install(
        sys.executable,
        "-m",
        "uv",
        "sync",
        "--frozen",
        "--quiet",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The full test suite: unit, contract (against the sandbox), end-to-end, reliability."""
    sync(session, "--no-default-groups", "--group", "test")
    # One pytest worker per core: the slowest tests mostly wait (on a live sandbox, a rate
    # window), so two workers halve the wall time on a 2-core machine.
    session.run("pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check (the generated package is excluded)."""
    sync(session, "--no-default-groups", "--only-group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the facade, plus the typing test of the public API."""
    sync(session, "--no-default-groups", "--group", "typecheck")
    session.run("mypy", "later_reporting", "tests/typing_public_api.py")


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from the spec; `nox -s generate -- --check` only compares."""
    sync(session, "--no-default-groups", "--only-group", "generate")
    session.run("python", "scripts/regenerate.py", *session.posargs)


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ differs from what the spec produces."""
    sync(session, "--no-default-groups", "--only-group", "generate")
    session.run("python", "scripts/regenerate.py", "--check")


@nox.session(python=PYTHON)
def spec(session: nox.Session) -> None:
    """Validate the spec (openapi-spec-validator), and lint it with Redocly when Node is present."""
    sync(session, "--no-default-groups", "--group", "test")
    session.run("openapi-spec-validator", "openapi/later-reporting-v2.yaml")
    if shutil.which("npx"):
        session.run(
            "npx",
            "--yes",
            "@redocly/cli@2",
            "lint",
            "--config",
            "openapi/redocly.yaml",
            "openapi/later-reporting-v2.yaml",
            external=True,
        )
    else:
        session.log("npx not found: Redocly lint skipped (openapi-spec-validator still ran)")


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """The schemathesis contract suite against LATER_REPORTING_BASE_URL (e.g. a staging API).

    `nox -s contract -- --sandbox` runs it against a local sandbox instead (no credentials).
    Writes contract-artifacts/junit.xml and, on failure, contract-artifacts/failures.har;
    `--artifacts DIR` puts them elsewhere. Other arguments go to pytest.
    """
    sync(session, "--no-default-groups", "--group", "test")
    # Fingerprint first (which documented API variant the server implements: printed and
    # written to contract-artifacts/fingerprint.json, which the suite reads), then the suite.
    session.run("python", "-m", "contract_tests.run", *session.posargs)


@nox.session(name="spec-diff", python=PYTHON)
def spec_diff(session: nox.Session) -> None:
    """What changed between two specs, each change marked breaking or not: `-- OLD NEW`.

    Exits non-zero on breaking changes unless `--allow-breaking` is given.
    """
    sync(session, "--no-default-groups", "--only-group", "generate")
    session.run("python", "scripts/spec_diff.py", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """The full fault-injection soak: every post of a two-year range under faults."""
    sync(session, "--no-default-groups", "--group", "test")
    session.run(
        "pytest",
        "tests/reliability",
        "-m",
        "soak",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"LATER_REPORTING_SOAK": "1"},
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: print ratios measured side by side and write bench/RESULTS.md."""
    sync(session, "--no-default-groups", "--group", "bench")
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """Mutation testing of named modules (`nox -s mutants -- retry config`; `-- --list`).

    Not run by CI: writes mutation/RESULTS.md (score, mutants not caught, equivalence reasons).
    """
    if not session.posargs:
        session.error("name modules, e.g. `nox -s mutants -- retry config` (`-- --list` lists)")
    sync(session, "--no-default-groups", "--group", "mutation")
    session.run("python", "scripts/mutants.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The user guide and API reference into site/ (`mkdocs build --strict`: a broken
    reference, link or included README section fails). Needs no network at build time."""
    sync(session, "--no-default-groups", "--group", "docs")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})
