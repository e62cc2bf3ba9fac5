"""The command line for people: refused nonsense, errors in flag words, near-miss hints,
complete help, visible waits, and server text that cannot forge output."""

from __future__ import annotations

import functools
import io
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

import later_reporting as lr
import later_reporting.cli._export as export_command
from later_reporting import _waits
from later_reporting.cli import main
from later_reporting.cli._common import Progress
from tests.reliability.processes import cli_command, cli_env, free_port

DATES = ["--start", "2025-01-01", "--end", "2025-01-31"]
OFFLINE = {
    "LATER_REPORTING_CLIENT_ID": "demo",
    "LATER_REPORTING_CLIENT_SECRET": "x",
    "LATER_REPORTING_BASE_URL": "https://127.0.0.1:1",
}


@pytest.fixture
def env(sandbox_url: str) -> dict[str, str]:
    return cli_env(sandbox_url)


def run(args: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return CliRunner().invoke(main, args, env=env or OFFLINE, **kwargs)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--instance-id", ""], "--instance-id"),
        (["--instance-id", "instance_abc", "--instance-id", ""], "--instance-id"),
        (["--metrics", ""], "--metrics"),
        (["--metrics", ",,"], "--metrics"),
        (["--platform", ""], "--platform"),
    ],
)
def test_empty_values_are_refused_not_widened(
    flags: list[str], named: str, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "p.csv"
    result = run(["export", "posts-performance", *DATES, *flags, "-o", str(target)], env)
    assert result.exit_code == 2, result.output
    assert named in result.output and "empty" in result.output
    assert not target.exists()


def test_an_env_file_with_a_byte_order_mark_works(tmp_path: Path, sandbox_url: str) -> None:
    env_file = tmp_path / "later.env"
    env_file.write_text(
        "LATER_REPORTING_CLIENT_ID=demo-client\nLATER_REPORTING_CLIENT_SECRET=demo-secret\n"
        f"LATER_REPORTING_BASE_URL={sandbox_url}\n",
        encoding="utf-8-sig",
    )
    assert env_file.read_bytes().startswith(b"\xef\xbb\xbf")
    clean = dict.fromkeys(OFFLINE, "")
    result = run(["auth", "check", "--env-file", str(env_file)], clean)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "words", "not_words"),
    [
        (
            ["export", "campaigns", "-o", "-"],
            ["--client-id", "LATER_REPORTING_CLIENT_ID"],
            ["client_id="],
        ),
        (
            ["export", "posts-performance", *DATES, "--page-size", "500", "-o", "-"],
            ["--page-size"],
            ["page_size"],
        ),
        (
            ["export", "campaigns", "--concurrency", "0", "-o", "-"],
            ["--concurrency"],
            [],
        ),
        (
            [
                "export",
                "posts-performance",
                *DATES,
                "--platform",
                "tiktok",
                "--content-type",
                "tiktok",
                "-o",
                "-",
            ],
            ["--content-type"],
            ["content_types"],
        ),
    ],
)
def test_errors_name_flags_and_env_vars(
    args: list[str], words: list[str], not_words: list[str]
) -> None:
    env = dict(OFFLINE)
    if "--concurrency" not in args and "--page-size" not in args and "--platform" not in args:
        env["LATER_REPORTING_CLIENT_ID"] = ""
    result = run(args, env)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output
    for word in not_words:
        assert word not in result.output


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["export", "post-performance", *DATES, "-o", "-"], "did you mean posts-performance"),
        (
            ["export", "posts-performance", *DATES, "--metrics", "engagment", "-o", "-"],
            "did you mean engagements",
        ),
        (
            ["export", "posts-performance", *DATES, "--platform", "instagarm", "-o", "-"],
            "did you mean instagram",
        ),
        (
            ["export", "posts-performance", *DATES, "--sort-property", "engagementrate", "-o", "-"],
            "did you mean engagementRate",
        ),
        (["export", "campaigns", "--format", "parqet", "-o", "-"], "did you mean parquet"),
    ],
)
def test_near_misses_get_a_suggestion(args: list[str], hint: str) -> None:
    result = run(args)
    assert result.exit_code == 2, result.output
    assert hint in result.output


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


def test_every_command_has_complete_help_with_an_example() -> None:
    listing = run(["--help"]).output
    assert "..." not in listing.split("Commands:")[1]  # no truncated descriptions
    assert "Check" in listing.split("auth", 1)[1].splitlines()[0]  # auth says what it does
    for path in _commands(main):
        command: Any = main
        for name in path:
            command = command.commands[name]
        output = run([*path, "--help"]).output
        assert "Example:" in output, path
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, (path, param.name)
        if isinstance(command, click.Group):
            assert "..." not in output.split("Commands:")[1], path


def test_one_row_is_one_row(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["export", "instances-performance", *DATES, "-o", str(tmp_path / "s.csv")], env)
    assert result.exit_code == 0, result.output
    assert "wrote 1 row to" in result.output


def test_a_range_wholly_in_the_future_warns(env: dict[str, str], tmp_path: Path) -> None:
    result = run(
        [
            "export",
            "campaigns-performance",
            "--start",
            "2999-01-01",
            "--end",
            "2999-01-31",
            "-o",
            str(tmp_path / "c.csv"),
        ],
        env,
    )
    assert "warning: --start 2999-01-01 is after today" in result.output


def _stub(monkeypatch: pytest.MonkeyPatch, reply: Any) -> None:
    monkeypatch.setattr(
        export_command,
        "Client",
        functools.partial(lr.Client, transport=httpx.MockTransport(reply), rate_limit=None),
    )


def test_server_text_cannot_forge_lines_or_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(
            500,
            json={
                "type": "ANL_00500",
                "title": "Boom\x1b[2J\x1b[31m",
                "detail": "bad\nerror: forged line\r\u202eevil",
            },
            headers={"X-Request-Id": "req-1"},
        )

    _stub(monkeypatch, reply)
    result = run(["export", "campaigns", "--max-retries", "0", "-o", "-"])
    assert result.exit_code == 4, result.output
    assert "\x1b" not in result.output and "\r" not in result.output
    assert "\u202e" not in result.output
    assert result.output.count("\n") == 1  # one line, however the server wrote it
    assert "\\x1b[2J" in result.output and "\\nerror: forged line" in result.output


def test_waits_show_as_one_line_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {
        "data": [],
        "pagination": {"page": 1, "pageSize": 100, "totalPages": 0, "totalItems": 0},
    }

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        _waits.announce(41.0, "rate limit")  # what the SDK says before sleeping
        _waits.announce(1.5, "backoff")  # too short to mention
        return httpx.Response(200, json=body)

    _stub(monkeypatch, reply)
    result = run(["export", "campaigns", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["waiting 41 s: rate limit"]
    assert result.stdout.startswith("campaign_id,")


def test_waits_show_on_the_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = Progress("posts-performance", quiet=False)
    progress.update(1200, 5000)
    with _waits.listening(progress.waiting):
        _waits.announce(41.2, "rate limit")
    assert screen.getvalue().rsplit("\r", 1)[1].strip() == (
        "posts-performance: 1,200 rows, waiting 41 s: rate limit"
    )


def test_sandbox_on_a_busy_port_says_so_without_a_banner() -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        proc = subprocess.run(
            cli_command("sandbox", "--host", "127.0.0.1", "--port", str(port)),
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode != 0
    stderr = proc.stderr.decode()
    assert f"port {port} on 127.0.0.1 is already in use" in stderr
    assert "Sandbox on" not in stderr
