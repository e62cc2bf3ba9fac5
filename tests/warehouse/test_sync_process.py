"""`later-reporting sync` as a program of its own process (``later_reporting/cli/_process.py``).

Started as the program, sync hides the modules it imported (dlt's) from the cyclic garbage
collector once they are loaded, which saves walking them at every full collection and at exit.
Called in-process, no command touches the collector. These tests run the real program in a
child process and check what it leaves behind: its exit code, a complete DuckDB file with no
write-ahead log beside it, and no leak report from DuckDB's bindings.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.metadata
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from later_reporting.cli import _process, main
from later_reporting.sandbox import SandboxConfig, serve_in_thread
from tests.reliability.processes import DEMO_ENV, cli_env

TODAY = dt.date(2025, 2, 10)
# The program, with a report of how many objects the collector had set aside when it exited.
PROGRAM = """
import atexit, gc, sys
atexit.register(lambda: print(f"frozen objects: {gc.get_freeze_count()}", file=sys.stderr))
from later_reporting.cli._process import run
sys.argv = ["later-reporting", *sys.argv[1:]]
run()
"""


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with serve_in_thread(SandboxConfig(posts=3_000, rate_limit=None, as_of=TODAY)) as url:
        yield url


def program(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, "sync", "--pipelines-dir", str(tmp_path / "state"), *args],
        env=cli_env(url, RUNTIME__DLTHUB_TELEMETRY="false"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def frozen(stderr: str) -> int:
    return int(stderr.rsplit("frozen objects: ", 1)[1].split()[0])


def test_the_program_freezes_dlts_imports_and_leaves_a_complete_database(
    sandbox_url: str, tmp_path: Path
) -> None:
    done = program(
        sandbox_url,
        tmp_path,
        "--reports",
        "posts-performance",
        "--start",
        "2025-01-01",
        "--end",
        TODAY.isoformat(),
    )
    assert done.returncode == 0, done.stderr
    assert frozen(done.stderr) > 10_000  # dlt's modules, set aside once imported
    assert "leak" not in done.stderr.lower()  # DuckDB's bindings found nothing left alive
    database = tmp_path / "later_reporting.duckdb"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["later_reporting.duckdb", "state"]
    with duckdb.connect(str(database), read_only=True) as con:
        count, distinct = con.sql(
            "SELECT count(*), count(DISTINCT post_id) FROM later.posts_performance"
        ).fetchall()[0]
    assert count == distinct > 0
    assert f"  {'posts_performance':<24} {count:>9,} rows" in done.stderr


def test_the_program_keeps_the_exit_codes(sandbox_url: str, tmp_path: Path) -> None:
    done = program(sandbox_url, tmp_path, "--start", "yesterday")
    assert done.returncode == 2
    assert "--start must be a date" in done.stderr


def test_the_installed_command_and_python_m_start_the_program() -> None:
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="later-reporting")
    assert script.value == "later_reporting.cli._process:run"
    main_module = Path(_process.__file__).with_name("__main__.py").read_text(encoding="utf-8")
    assert "from later_reporting.cli._process import run\n\nrun()\n" in main_module


def test_in_process_sync_leaves_the_collector_alone(sandbox_url: str, tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    try:
        result = CliRunner().invoke(
            main,
            [
                "sync",
                "--reports",
                "campaigns",
                "--pipelines-dir",
                str(tmp_path / "state"),
                "--duckdb-file",
                str(tmp_path / "w.duckdb"),
            ],
            env={**DEMO_ENV, "LATER_REPORTING_BASE_URL": sandbox_url},
        )
        assert result.exit_code == 0, result.output
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


def test_only_the_program_freezes_and_only_before_duckdb_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        assert "duckdb" in sys.modules
        monkeypatch.setattr(_process, "_own_process", True)
        _process.keep_imports()  # DuckDB is imported in this process: nothing
        assert gc.get_freeze_count() == 0
        monkeypatch.delitem(sys.modules, "duckdb")  # as before the sync imports it
        monkeypatch.setattr(_process, "_own_process", False)
        _process.keep_imports()  # called in-process: nothing
        assert gc.get_freeze_count() == 0
        monkeypatch.setattr(_process, "_own_process", True)
        _process.keep_imports()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_run_is_the_program_and_marks_the_process_as_its_own(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_process, "_own_process", False)  # restored after the test
    monkeypatch.setattr(sys, "argv", ["later-reporting", "--version"])
    with pytest.raises(SystemExit) as exited:
        _process.run()
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("later-reporting, version ")
    assert _process._own_process is True
