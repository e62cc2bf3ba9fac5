"""The fingerprint probe tells every API variant the sandbox can serve apart."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contract_tests import run as contract_run
from contract_tests.fingerprint import (
    checks_not_applying,
    fingerprint,
    lifetime_label,
    load_report,
)
from later_reporting import Client
from later_reporting.sandbox import SandboxConfig, serve_in_thread

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
BASE = SandboxConfig(rate_limit=120, posts=2_000, compress=False, token_lifetime=12 * 3600)
EXPECTED = {
    "paging": "page-number",
    "token_lifetime": "12 h",
    "token_lifetime_seconds": 43_200.0,
    "date_basis_spelling": "post_date",
    "compression": "none",
    "rate_limit_headers": True,
    "rate_limit": {"X-Ratelimit-Limit": "120", "X-Ratelimit-Window": "60"},
    "array_encodings": ["comma", "repeat", "brackets"],
    "requests": 6,
    "notes": [],
}
CAMEL_NOTE = "the SDK adopts the postDate spelling after the first refused request"


def switch_note(form: str) -> str:
    return f"repeated keys are refused: the SDK switches to {form} after the first refused request"


# Each sandbox mode and what the fingerprint must report differently from EXPECTED.
MODES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "seeds": ({}, {}),
    "cursor": ({"cursor_paging": True}, {"paging": "cursor"}),
    "24h": (
        {"token_lifetime": 24 * 3600},
        {"token_lifetime": "24 h", "token_lifetime_seconds": 86_400.0},
    ),
    "postDate": (
        {"date_basis_spelling": "postDate"},
        {"date_basis_spelling": "postDate", "requests": 7, "notes": [CAMEL_NOTE]},
    ),
    "gzip": ({"compress": True}, {"compression": "gzip"}),
    "no-rate-headers": (
        {"rate_limit_headers": False},
        {"rate_limit_headers": False, "rate_limit": {}},
    ),
    "comma-only": (
        {"array_encodings": ("comma",)},
        {"array_encodings": ["comma"], "notes": [switch_note("a,b")]},
    ),
    "repeat-only": ({"array_encodings": ("repeat",)}, {"array_encodings": ["repeat"]}),
    "brackets-only": (
        {"array_encodings": ("brackets",)},
        {"array_encodings": ["brackets"], "notes": [switch_note("key[]=")]},
    ),
    "newer-docs": (
        {
            "cursor_paging": True,
            "date_basis_spelling": "postDate",
            "rate_limit_headers": False,
            "array_encodings": ("comma", "brackets"),
        },
        {
            "paging": "cursor",
            "date_basis_spelling": "postDate",
            "requests": 7,
            "rate_limit_headers": False,
            "rate_limit": {},
            "array_encodings": ["comma", "brackets"],
            "notes": [CAMEL_NOTE, switch_note("a,b")],
        },
    ),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_the_fingerprint_reports_the_mode_the_sandbox_serves(mode: str) -> None:
    changes, differences = MODES[mode]
    with (
        serve_in_thread(dataclasses.replace(BASE, **changes)) as url,
        Client(base_url=url, rate_limit=None, **DEMO) as client,
    ):
        found = fingerprint(client).as_dict()
    assert found.pop("base_url") == url
    assert found == {**EXPECTED, **differences}


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (43_200, "12 h"),
        (86_400, "24 h"),
        (41_100, "12 h"),
        (3_600, "1 h (neither documented 12 h nor 24 h)"),
        (None, "unknown"),
    ],
)
def test_token_lifetimes_are_named_by_the_documented_lengths(
    seconds: float | None, label: str
) -> None:
    assert lifetime_label(seconds) == label


def test_the_command_prints_the_variant_and_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "contract-artifacts" / "fingerprint.json"
    with serve_in_thread(dataclasses.replace(BASE, cursor_paging=True)) as url:
        env = {
            **os.environ,
            "LATER_REPORTING_BASE_URL": url,
            "LATER_REPORTING_CLIENT_ID": "demo-client",
            "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        }
        run = subprocess.run(
            [sys.executable, "-m", "contract_tests.fingerprint", "--output", str(report)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    assert "cursor paging (limit/nextCursor, no totals)" in run.stdout
    assert "token lifetime      12 h" in run.stdout
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["paging"] == "cursor"
    assert written["token_lifetime_seconds"] == 43_200.0
    assert "demo-secret" not in run.stdout + run.stderr + report.read_text(encoding="utf-8")
    assert "eyJ" not in run.stdout + report.read_text(encoding="utf-8")  # no JWT anywhere


def test_the_staging_suite_passes_against_the_newer_docs_variant(tmp_path: Path) -> None:
    """Cursor paging, postDate spelling, no rate-limit headers, no repeated keys: still green.

    The fingerprint runs first (as in ``nox -s contract``) and its report tells the suite that
    this variant sends no rate-limit headers.
    """
    variant = dataclasses.replace(
        BASE,
        rate_limit=None,
        cursor_paging=True,
        date_basis_spelling="postDate",
        rate_limit_headers=False,
        array_encodings=("comma", "brackets"),
    )
    # Exactly what `nox -s contract` runs: the fingerprint first, then the suite reading it.
    with serve_in_thread(variant) as url:
        env = {
            "LATER_REPORTING_BASE_URL": url,
            **contract_run.SANDBOX_ENV,
            "LATER_REPORTING_CONTRACT_EXAMPLES": "3",
        }
        with contextlib.redirect_stdout(io.StringIO()):
            probed = contract_run.run_fingerprint(env, tmp_path)
        suite = contract_run.run_suite(env, tmp_path, timeout=600)
    report = tmp_path / "fingerprint.json"
    assert probed == 0
    assert json.loads(report.read_text(encoding="utf-8"))["rate_limit_headers"] is False
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout


def test_the_command_fails_clearly_when_the_token_exchange_fails(tmp_path: Path) -> None:
    report = tmp_path / "fingerprint.json"
    with serve_in_thread(BASE) as url:
        env = {
            **os.environ,
            "LATER_REPORTING_BASE_URL": url,
            "LATER_REPORTING_CLIENT_ID": "demo-client",
            "LATER_REPORTING_CLIENT_SECRET": "not-the-secret",
        }
        run = subprocess.run(
            [sys.executable, "-m", "contract_tests.fingerprint", "--output", str(report)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 1
    assert "fingerprint: the token exchange failed" in run.stderr
    assert "ANL_00401" in run.stderr
    assert "not-the-secret" not in run.stdout + run.stderr
    assert not report.exists()


def test_the_suite_uses_only_the_report_of_its_own_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "fingerprint.json"
    report.write_text(
        json.dumps({"base_url": "https://staging.example.com", "rate_limit_headers": False}),
        encoding="utf-8",
    )
    monkeypatch.setenv("LATER_REPORTING_FINGERPRINT", str(report))
    for same in ("https://staging.example.com/", "https://user:pw@staging.example.com/v2"):
        assert checks_not_applying(load_report(same)) == ["response_headers_conformance"]
    assert load_report("https://other.example.com") is None
    assert checks_not_applying(None) == []
