"""`later-reporting sync`: DuckDB by default, a summary, and the same exit codes as export."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from later_reporting.cli import main
from later_reporting.sandbox import SandboxConfig, serve_in_thread

TODAY = dt.date(2025, 2, 10)


@pytest.fixture(scope="module")
def small_sandbox() -> Iterator[str]:
    with serve_in_thread(SandboxConfig(posts=3_000, rate_limit=None, as_of=TODAY)) as url:
        yield url


def run(args: list[str], url: str, secret: str = "demo-secret") -> object:  # noqa: S107 - the sandbox's documented fake
    return CliRunner().invoke(
        main,
        ["sync", *args],
        env={
            "LATER_REPORTING_CLIENT_ID": "demo-client",
            "LATER_REPORTING_CLIENT_SECRET": secret,
            "LATER_REPORTING_BASE_URL": url,
        },
    )


def test_sync_loads_into_duckdb_in_the_current_folder_by_default(
    small_sandbox: str, tmp_path: Path
) -> None:
    args = [
        "--reports",
        "posts-performance,campaigns",
        "--start",
        "2025-01-01",
        "--end",
        TODAY.isoformat(),
        "--pipelines-dir",
        str(tmp_path / "state"),
    ]
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        first = run(args, small_sandbox)
        again = run(args, small_sandbox)
    finally:
        os.chdir(previous)
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    database = tmp_path / "later_reporting.duckdb"
    with duckdb.connect(str(database)) as con:
        posts = con.sql("SELECT count(*), count(DISTINCT post_id) FROM later.posts_performance")
        count, distinct = posts.fetchall()[0]
        campaigns = con.sql("SELECT count(*) FROM later.campaigns").fetchall()[0][0]
        types = dict(
            con.sql("DESCRIBE later.posts_performance").fetchall()[i][:2] for i in range(3)
        )
    assert count == distinct > 0  # the second run merged, it did not append
    assert types == {
        "post_id": "BIGINT",
        "post_date": "TIMESTAMP WITH TIME ZONE",
        "campaign_id": "BIGINT",
    }
    output = first.output  # type: ignore[attr-defined]
    assert f"  {'posts_performance':<24} {count:>9,} rows" in output
    assert f"  {'campaigns':<24} {campaigns:>9,} rows" in output
    assert "requests used" in output
    assert "demo-secret" not in output
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reports", "posts"], "unknown report(s) posts"),
        (["--start", "2025-02-01", "--end", "2025-01-01"], "must not be after"),
        (["--start", "yesterday"], "--start must be a date"),
        (["--dataset", "warehouse", "--duckdb-file", "warehouse.duckdb"], "name of the DuckDB"),
    ],
)
def test_bad_input_exits_2_before_any_request(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run([*args, "--pipelines-dir", str(tmp_path)], "http://127.0.0.1:9")
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert message in result.output  # type: ignore[attr-defined]


def test_an_unexpected_value_error_is_not_reported_as_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``ValueError`` from a bug goes on as an unexpected error (exit 1), not exit 2."""
    import later_reporting.dlt as source

    def broken(reports: object) -> list[str]:
        raise ValueError("too many values to unpack")

    monkeypatch.setattr(source, "check_reports", broken)
    result = run(["--pipelines-dir", str(tmp_path)], "http://127.0.0.1:9")
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert isinstance(result.exception, ValueError)  # type: ignore[attr-defined]


def test_wrong_credentials_exit_3_and_never_show_the_secret(
    small_sandbox: str, tmp_path: Path
) -> None:
    result = run(
        [
            "--reports",
            "posts-performance",
            "--start",
            "2025-02-01",
            "--end",
            TODAY.isoformat(),
            "--duckdb-file",
            str(tmp_path / "w.duckdb"),
            "--pipelines-dir",
            str(tmp_path / "state"),
        ],
        small_sandbox,
        secret="not-the-secret",
    )
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert "not-the-secret" not in result.output  # type: ignore[attr-defined]


def test_the_demo_ends_with_a_sync_into_duckdb_and_a_query(tmp_path: Path) -> None:
    from later_reporting.cli._sync import demo_sync

    result = CliRunner().invoke(click.command()(lambda: demo_sync(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "FROM later.posts_performance" in result.output
    rows = re.findall(r"^  .+ +\d+ posts +[\d,]+ engagements$", result.output, re.MULTILINE)
    assert len(rows) == 5  # the query's five rows
    with duckdb.connect(str(tmp_path / "later_reporting.duckdb")) as con:
        posts = con.sql("SELECT count(*) FROM later.posts_performance").fetchall()[0][0]
    assert f"posts_performance        {posts:>7,} rows" in result.output
    assert f"instances_performance    {1:>7,} row\n" in result.output  # one row, singular


def test_the_secret_stays_out_of_the_pipeline_state_and_the_warehouse(
    small_sandbox: str, tmp_path: Path
) -> None:
    import dlt

    from later_reporting.dlt import later_reporting

    pipeline = dlt.pipeline(
        "secrets",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        dataset_name="later",
        pipelines_dir=str(tmp_path / "state"),
    )
    source = later_reporting(
        client_id="demo-client",
        client_secret="demo-secret",
        base_url=small_sandbox,
        reports=["campaigns"],
        rate_limit=None,
    )
    pipeline.run(source)
    assert pipeline.last_trace.last_normalize_info.row_counts["campaigns"] > 0
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written
    assert not [p for p in written if b"demo-secret" in p.read_bytes()]
    assert "demo-secret" not in str(pipeline.last_trace)


def test_an_unknown_destination_is_a_usage_error(tmp_path: Path) -> None:
    result = run(
        ["--destination", "nosuch", "--pipelines-dir", str(tmp_path)], "http://127.0.0.1:9"
    )
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "--destination nosuch" in result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_the_sandbox_refuses_a_clock_that_is_not_a_date() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--as-of", "tomorrow"])
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_the_source_takes_credentials_from_dlt_configuration(
    small_sandbox: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dlt

    from later_reporting.dlt import later_reporting

    for name in ("LATER_REPORTING_CLIENT_ID", "LATER_REPORTING_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCES__LATER_REPORTING__CLIENT_ID", "demo-client")
    monkeypatch.setenv("SOURCES__LATER_REPORTING__CLIENT_SECRET", "demo-secret")
    monkeypatch.setenv("SOURCES__LATER_REPORTING__BASE_URL", small_sandbox)
    pipeline = dlt.pipeline(
        "configured",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        dataset_name="later",
        pipelines_dir=str(tmp_path / "state"),
    )
    pipeline.run(later_reporting(reports=["campaigns"], rate_limit=None))
    assert pipeline.last_trace.last_normalize_info.row_counts["campaigns"] > 0


def test_a_file_duckdb_cannot_open_is_named_before_any_request(tmp_path: Path) -> None:
    notes = tmp_path / "notes.duckdb"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    # Nothing listens on port 9: a request would end in exit 4, not 2.
    result = run(
        ["--duckdb-file", str(notes), "--pipelines-dir", str(tmp_path)], "http://127.0.0.1:9"
    )
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert f"--duckdb-file {notes}: " in output
    assert "not a valid DuckDB database file" in output
    assert notes.read_text(encoding="utf-8") == "not a database\n" * 100  # left as it was


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, duckdb.DuckDBPyConnection]]:
    """Every DuckDB connection opened from now on, with the database it names."""
    opened: list[tuple[str, duckdb.DuckDBPyConnection]] = []
    real = duckdb.connect

    def counted(database: str = ":memory:", *args: object, **kwargs: object) -> object:
        connection = real(database, *args, **kwargs)  # type: ignore[arg-type]
        opened.append((str(database), connection))
        return connection

    monkeypatch.setattr(duckdb, "connect", counted)
    return opened


def closed(connection: duckdb.DuckDBPyConnection) -> bool:
    try:
        connection.execute("SELECT 1")
    except duckdb.ConnectionException:
        return True
    return False


def test_a_database_in_use_is_named_before_any_request(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as writer:  # another writer holds the file
        writer.execute("CREATE TABLE t (x INTEGER)")
        result = run(
            ["--duckdb-file", str(database), "--pipelines-dir", str(tmp_path)],
            "http://127.0.0.1:9",
        )
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert f"--duckdb-file {database}: " in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(("secret", "exit_code"), [("demo-secret", 0), ("not-the-secret", 3)])
@pytest.mark.parametrize("existing", [False, True])
def test_a_sync_closes_every_database_connection_however_it_ends(
    small_sandbox: str,
    tmp_path: Path,
    connections: list[tuple[str, duckdb.DuckDBPyConnection]],
    secret: str,
    exit_code: int,
    existing: bool,
) -> None:
    database = tmp_path / "w.duckdb"
    if existing:
        duckdb.connect(str(database)).close()
        connections.clear()
    args = ["--reports", "posts-performance,campaigns", "--start", "2025-01-01", "--end",
            TODAY.isoformat(), "--duckdb-file", str(database), "--pipelines-dir",
            str(tmp_path / "state")]  # fmt: skip
    result = run(args, small_sandbox, secret=secret)
    assert result.exit_code == exit_code, result.output  # type: ignore[attr-defined]
    assert connections
    assert {name for name, _ in connections} == {str(database)}
    assert all(closed(connection) for _, connection in connections)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("w.")) == [
        "w.duckdb"  # checkpointed: no write-ahead log left beside it
    ]
