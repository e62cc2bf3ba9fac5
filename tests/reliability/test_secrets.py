"""The client secret and every issued JWT never reach logs, output, errors or files."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import pytest

import later_reporting as lr
from later_reporting._logging import RedactingFilter
from later_reporting.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    Faults,
    SandboxApp,
    SandboxClient,
    SandboxConfig,
    serve_in_thread,
)
from tests.reliability.processes import cli_command

SECRET = "x7-very-secret-client-value-91"
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.")


def leaks(text: str, tokens: list[str]) -> list[str]:
    found = [t[:12] + "..." for t in tokens if t in text]
    if SECRET in text:
        found.append("client secret")
    found += JWT_SHAPE.findall(text)
    return found


def test_full_export_with_refreshes_and_errors_leaks_nothing(tmp_path: Path) -> None:
    app = SandboxApp(
        SandboxConfig(
            rate_limit=None,
            token_lifetime=2.0,
            clients=(SandboxClient("leak-test", SECRET, ("instance_abc", "instance_def")),),
            faults=Faults(error_rate=0.1, drop_rate=0.02, latency_ms=5, seed=2),
        )
    )
    target = tmp_path / "posts.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATER_REPORTING_")}
    with serve_in_thread(app) as url:
        env.update(
            LATER_REPORTING_CLIENT_ID="leak-test",
            LATER_REPORTING_CLIENT_SECRET=SECRET,
            LATER_REPORTING_BASE_URL=url,
            LATER_REPORTING_LOG="debug",
            LATER_REPORTING_MAX_RETRIES="8",
        )
        ok = subprocess.run(
            cli_command(
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-03-31",
                "-o",
                str(target),
                "--concurrency",
                "4",
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        failed = subprocess.run(
            cli_command(
                "export",
                "posts-performance",
                "--start",
                "2025-01-01",
                "--end",
                "2025-01-31",
                "--instance-id",
                "instance_xyz",
                "-o",
                str(tmp_path / "denied.csv"),
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        wrong = subprocess.run(
            cli_command("auth", "check"),
            env={**env, "LATER_REPORTING_CLIENT_SECRET": SECRET + "x"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert (failed.returncode, wrong.returncode) == (3, 3)
    assert len(app.tokens.issued) >= 2  # the token was refreshed during the export
    assert "GET " in ok.stderr  # debug logging was on
    outputs = [
        ok.stdout,
        ok.stderr,
        failed.stdout,
        failed.stderr,
        wrong.stdout,
        wrong.stderr,
        target.read_text(encoding="utf-8"),
    ]
    for text in outputs:
        assert leaks(text, app.tokens.issued) == []


def test_reprs_errors_and_tracebacks_do_not_show_secrets(
    sandbox_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="later_reporting")
    with lr.Client(
        base_url=sandbox_url, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET
    ) as client:
        client.authenticate()
        token = client._tokens.current
        assert token is not None
        texts = [repr(client), str(client.__dict__), repr(token), repr(client._settings)]
        with pytest.raises(lr.InstanceAccessDenied) as info:
            list(
                client.posts.performance(
                    start="2025-01-01", end="2025-01-02", instance_ids=["instance_xyz"]
                )
            )
        texts += [str(info.value), repr(info.value), info.getrepr(showlocals=True).__str__()]
        texts += [r.getMessage() for r in caplog.records]
        for text in texts:
            assert DEMO_CLIENT_SECRET not in text
            assert token.value not in text


def test_redacting_filter_rewrites_jwt_shaped_strings() -> None:
    record = logging.LogRecord(
        "later_reporting",
        logging.DEBUG,
        __file__,
        1,
        "sent %s",
        ("Bearer eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln",),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "sent Bearer [redacted-jwt]"
