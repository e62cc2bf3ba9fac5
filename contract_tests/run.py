"""What ``nox -s contract`` runs: the staging suite, with a JUnit XML report and artifacts.

    python -m contract_tests.run [--sandbox] [--artifacts DIR] [pytest args...]

Against ``LATER_REPORTING_BASE_URL`` with ``LATER_REPORTING_CLIENT_ID`` /
``LATER_REPORTING_CLIENT_SECRET`` (a staging API), or with ``--sandbox`` against a sandbox
started on a free loopback port with its demo client (no credentials needed). Writes
``DIR/fingerprint.json`` (which documented API variant the server implements, probed first
and read by the suite), ``DIR/junit.xml`` (default ``contract-artifacts/``) and, on failure,
``DIR/failures.har`` with the failing exchanges (Authorization redacted); each failure is
printed as one line and a reproducing ``curl`` with the token filtered.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

SUITE = "contract_tests/test_staging_contract.py"
ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = (
    "LATER_REPORTING_BASE_URL",
    "LATER_REPORTING_CLIENT_ID",
    "LATER_REPORTING_CLIENT_SECRET",
)
DEMO = {"LATER_REPORTING_CLIENT_ID": "demo-client", "LATER_REPORTING_CLIENT_SECRET": "demo-secret"}
# A test sandbox has no rate limit, so the suite needs no client limit against it.
SANDBOX_ENV = {**DEMO, "LATER_REPORTING_CONTRACT_RATE_LIMIT": "10000/s"}


def command(artifacts: Path, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        SUITE,
        "-m",
        "staging",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={artifacts / 'junit.xml'}",
        *extra,
    ]


def run_suite(
    env: Mapping[str, str],
    artifacts: Path,
    extra: list[str] | None = None,
    *,
    capture: bool = True,
    timeout: float = 3600,
) -> subprocess.CompletedProcess[str]:
    """Run the suite once in a subprocess with ``env`` added to this process's environment."""
    artifacts.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        command(artifacts, extra or []),
        env={
            **os.environ,
            "LATER_REPORTING_CONTRACT_ARTIFACTS": str(artifacts),
            "LATER_REPORTING_FINGERPRINT": str(artifacts / "fingerprint.json"),
            **env,
        },
        cwd=ROOT,
        capture_output=capture,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_fingerprint(env: Mapping[str, str], artifacts: Path) -> int:
    """Probe the API's variant first: printed, and written where the suite reads it."""
    artifacts.mkdir(parents=True, exist_ok=True)
    output = artifacts / "fingerprint.json"
    return subprocess.run(
        [sys.executable, "-m", "contract_tests.fingerprint", "--output", str(output)],
        env={**os.environ, **env},
        cwd=ROOT,
        check=False,
    ).returncode


@contextlib.contextmanager
def live_sandbox() -> Iterator[dict[str, str]]:
    """A sandbox on a free loopback port; yields the environment that points the suite at it."""
    from later_reporting.sandbox import SandboxConfig, serve_in_thread

    with serve_in_thread(SandboxConfig(rate_limit=None)) as url:
        yield {"LATER_REPORTING_BASE_URL": url, **SANDBOX_ENV}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sandbox", action="store_true", help="run against a local sandbox")
    parser.add_argument("--artifacts", type=Path, default=Path("contract-artifacts"))
    options, extra = parser.parse_known_args(argv)
    with contextlib.ExitStack() as stack:
        if options.sandbox:
            env = stack.enter_context(live_sandbox())
        else:
            missing = [name for name in CREDENTIALS if not os.environ.get(name)]
            if missing:
                print(
                    f"{', '.join(missing)} not set; see README 'Running the contract suite' "
                    "(or pass --sandbox)",
                    file=sys.stderr,
                )
                return 2
            env = {}
        artifacts = options.artifacts.resolve()
        probed = run_fingerprint(env, artifacts)
        if probed != 0:
            return probed
        result = run_suite(env, artifacts, extra, capture=False)
    print(f"JUnit XML: {options.artifacts / 'junit.xml'}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
