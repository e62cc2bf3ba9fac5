"""The fingerprint probe tells every API variant the sandbox can serve apart."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from contract_tests import run as contract_run
from contract_tests.fingerprint import (
    Fingerprint,
    Probe,
    checks_not_applying,
    fingerprint,
    lifetime_label,
    load_report,
    main,
    paging_of,
)
from later_reporting import Client
from later_reporting.sandbox import SandboxConfig, serve_in_thread
from tests.unit import helpers

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
        # Within 5 % of a documented length, both ways.
        (41_040, "12 h"),
        (45_360, "12 h"),
        (82_080, "24 h"),
        (90_720, "24 h"),
        (41_000, "11.4 h (neither documented 12 h nor 24 h)"),
        (45_400, "12.6 h (neither documented 12 h nor 24 h)"),
        (82_000, "22.8 h (neither documented 12 h nor 24 h)"),
        (90_800, "25.2 h (neither documented 12 h nor 24 h)"),
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


@pytest.mark.parametrize(
    ("body", "paging"),
    [
        ({"data": [], "pagination": {"page": 1, "totalItems": 0}}, "page-number"),
        ({"data": [], "nextCursor": None}, "cursor"),
        ({"data": [], "pagination": {"page": 1}}, "unknown"),
        ({"data": [], "pagination": ["totalItems"]}, "unknown"),
        ({"data": []}, "unknown"),
    ],
)
def test_paging_is_told_by_the_totals_or_the_cursor(body: dict[str, Any], paging: str) -> None:
    assert paging_of(body) == paging


def test_the_summary_names_every_axis_as_found() -> None:
    found = Fingerprint(
        base_url="https://api.example.com",
        paging="page-number",
        token_lifetime="12 h",
        date_basis_spelling="post_date",
        compression="gzip",
        rate_limit_headers=True,
        rate_limit={"X-Ratelimit-Limit": "120", "X-Ratelimit-Window": "60"},
        array_encodings=["comma", "repeat"],
        requests=6,
        notes=["first note", "second note"],
    )
    assert found.summary() == "\n".join(
        [
            "API variant of https://api.example.com (6 requests):",
            "  paging              page numbers with totals (pageNumber/pageSize, pagination{})",
            "  token lifetime      12 h",
            "  dateBasis spelling  post_date",
            "  compression         gzip",
            "  rate-limit headers  X-Ratelimit-Limit: 120, X-Ratelimit-Window: 60",
            "  array encodings     comma, repeat",
            "  note: first note",
            "  note: second note",
        ]
    )


def test_the_summary_of_a_server_that_told_little() -> None:
    found = Fingerprint(base_url="https://api.example.com", rate_limit={"X-Other": "1"})
    assert found.summary() == "\n".join(
        [
            "API variant of https://api.example.com (0 requests):",
            "  paging              unknown",
            "  token lifetime      unknown",
            "  dateBasis spelling  unknown",
            "  compression         none",
            "  rate-limit headers  not sent",
            "  array encodings     none of comma, repeat, brackets",
        ]
    )
    cursor = Fingerprint(base_url="https://api.example.com", paging="cursor")
    assert "  paging              cursor paging (limit/nextCursor, no totals)" in cursor.summary()


def test_the_command_in_process_prints_and_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "nested" / "folder" / "fingerprint.json"
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "demo-client")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "demo-secret")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "contract-artifacts").mkdir()  # an earlier run's folder
    with serve_in_thread(dataclasses.replace(BASE, compress=True)) as url:
        monkeypatch.setenv("LATER_REPORTING_BASE_URL", url)
        assert main(["--output", str(report)]) == 0
        out = capsys.readouterr().out
        assert main([]) == 0  # where `nox -s contract` reads it
    default = Path("contract-artifacts") / "fingerprint.json"
    written = json.loads(report.read_text(encoding="utf-8"))
    assert report.read_text(encoding="utf-8") == json.dumps(written, indent=2) + "\n"
    assert written == {**EXPECTED, "base_url": url, "compression": "gzip"}
    summary = Fingerprint(**written).summary()
    assert out == f"{summary}\n  written to {report}\n"
    assert capsys.readouterr().out == f"{summary}\n  written to {default}\n"
    assert default.read_text(encoding="utf-8") == report.read_text(encoding="utf-8")


def test_the_command_needs_a_base_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LATER_REPORTING_BASE_URL", raising=False)
    assert main(["--output", str(tmp_path / "fingerprint.json")]) == 2
    assert capsys.readouterr().err == "LATER_REPORTING_BASE_URL is not set\n"
    assert not (tmp_path / "fingerprint.json").exists()


def test_probes_that_fail_become_notes_and_leave_their_axis_unknown() -> None:
    with respx.mock(base_url=helpers.BASE, assert_all_called=False) as router:
        helpers.token_route(router, "an-opaque-token")
        router.get("/v2/campaigns").mock(return_value=httpx.Response(404, json={}))
        router.get("/v2/platforms/return-on-investment").mock(
            return_value=helpers.problem(400, "ANL_00400")
        )
        router.get("/v2/instances/performance").mock(return_value=httpx.Response(200, text="<"))
        with helpers.sync_client(router) as client:
            found = fingerprint(client, day=dt.date(2025, 1, 15))
    assert found.as_dict() == {
        "base_url": helpers.BASE,
        "paging": "unknown",
        "token_lifetime": "unknown",
        "token_lifetime_seconds": None,
        "date_basis_spelling": "unknown",
        "compression": "none",
        "rate_limit_headers": False,
        "rate_limit": {},
        "array_encodings": [],
        "requests": 5,
        "notes": [
            "the token is not a JWT with iat and exp",
            "GET /v2/campaigns answered HTTP 404",
            "dateBasis accepted in neither spelling (last answer HTTP 400)",
            "arrays probe failed: JSONDecodeError",
        ],
    }


def listing_answer(size: int, encoding: str | None = None) -> httpx.Response:
    """A page of campaigns whose body is exactly ``size`` bytes."""
    body = b'{"data":[],"pagination":{"totalItems":0},"pad":""}'
    body = body[:-2] + b"x" * (size - len(body)) + body[-2:]
    headers = {"content-type": "application/json"}
    if encoding is not None:
        headers["content-encoding"] = encoding
    return httpx.Response(200, content=body, headers=headers)


@pytest.mark.parametrize(
    ("answer", "compression", "notes"),
    [
        (
            listing_answer(1023),
            "none",
            ["compression not seen, but the probe body was only 1023 bytes"],
        ),
        (listing_answer(1024), "none", []),
        (
            listing_answer(1023, encoding=""),
            "none",
            ["compression not seen, but the probe body was only 1023 bytes"],
        ),
        (listing_answer(100, encoding="identity"), "identity", []),
    ],
)
def test_compression_is_only_judged_absent_on_a_body_worth_compressing(
    answer: httpx.Response, compression: str, notes: list[str]
) -> None:
    with respx.mock(base_url=helpers.BASE, assert_all_called=False) as router:
        helpers.token_route(router)
        router.get("/v2/campaigns").mock(return_value=answer)
        with helpers.sync_client(router) as client:
            probe = Probe(client, dt.date(2025, 1, 15))
            probe.listing()
    assert (probe.result.paging, probe.result.compression) == ("page-number", compression)
    assert probe.result.notes == notes


def test_the_reports_are_probed_a_month_back_by_default() -> None:
    days: list[str] = []

    def roi(request: httpx.Request) -> httpx.Response:
        days.append(request.url.params["startDate"])
        return httpx.Response(200, json={"data": []})

    with respx.mock(base_url=helpers.BASE, assert_all_called=False) as router:
        helpers.token_route(router)
        router.get("/v2/campaigns").mock(return_value=listing_answer(2048))
        router.get("/v2/platforms/return-on-investment").mock(side_effect=roi)
        router.get("/v2/instances/performance").mock(return_value=httpx.Response(200, json={}))
        before = dt.date.today()
        with helpers.sync_client(router) as client:
            found = fingerprint(client)
        after = dt.date.today()
    assert found.date_basis_spelling == "post_date"
    month_back = {(d - dt.timedelta(days=30)).isoformat() for d in (before, after)}
    assert days[0] in month_back


def test_a_jwt_without_an_issue_time_has_no_lifetime() -> None:
    header = helpers.jwt().split(".")[0]
    claims = base64.urlsafe_b64encode(json.dumps({"exp": 2_000_000_000}).encode()).decode()
    token = f"{header}.{claims.rstrip('=')}.sig"
    with respx.mock(base_url=helpers.BASE, assert_all_called=False) as router:
        helpers.token_route(router, token)
        with helpers.sync_client(router) as client:
            probe = Probe(client, dt.date(2025, 1, 15))
            probe.token()
    assert (probe.result.token_lifetime, probe.result.token_lifetime_seconds) == ("unknown", None)
    assert probe.result.notes == ["the token is not a JWT with iat and exp"]


def test_a_report_of_another_path_on_the_same_host_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "fingerprint.json"
    report.write_text(json.dumps({"base_url": "https://gateway.example.com/tenant"}), "utf-8")
    monkeypatch.setenv("LATER_REPORTING_FINGERPRINT", str(report))
    assert load_report("https://gateway.example.com/tenant/v2/") is not None
    assert load_report("https://gateway.example.com/tenantX") is None


def test_the_command_fails_in_process_when_the_token_exchange_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "fingerprint.json"
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "demo-client")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "not-the-secret")
    with serve_in_thread(BASE) as url:
        monkeypatch.setenv("LATER_REPORTING_BASE_URL", url)
        assert main(["--output", str(report)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("fingerprint: the token exchange failed: ")
    assert "ANL_00401" in captured.err
    assert not report.exists()


def test_the_command_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Which variant of the API a server implements, told apart by a handful" in text
    assert "--output OUTPUT JSON report file" in text
