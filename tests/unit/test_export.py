"""The export's building blocks, called directly: target checks, formats, options and sinks.

The command-line tests (tests/cli/) run whole exports against the sandbox; these pin the
messages and edge cases of each piece without a server.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

import later_reporting as lr
from later_reporting._rows import REPORTS, Column
from later_reporting.export import (
    Output,
    TargetError,
    call_options,
    check_target,
    export_report,
    format_for,
    guard_formula,
    open_sink,
    open_target,
    write_rows,
)
from later_reporting.export._targets import temporary_name
from later_reporting.export._writers import CsvSink, InvalidValueError, JsonlSink, ParquetSink

# --- format_for: the file name says the format; --format may only agree -------------------


@pytest.mark.parametrize(
    ("output", "explicit", "expected"),
    [
        ("out.csv", None, "csv"),
        ("out.jsonl", None, "jsonl"),
        ("out.ndjson", None, "jsonl"),
        ("out.parquet", None, "parquet"),
        ("out.pq", None, "parquet"),
        ("OUT.PARQUET", None, "parquet"),  # the suffix in any case
        ("out.txt", None, "csv"),  # a name that says nothing: CSV
        ("-", None, "csv"),
        ("-", "jsonl", "jsonl"),
        ("/dev/stdout", "parquet", "parquet"),
        ("out.txt", "parquet", "parquet"),
        ("out.csv", "csv", "csv"),
    ],
)
def test_the_format_comes_from_the_flag_or_the_file_name(
    output: str, explicit: str | None, expected: str
) -> None:
    assert format_for(output, explicit) == expected


def test_a_flag_contradicting_the_file_name_is_refused_with_both_named() -> None:
    with pytest.raises(TargetError) as info:
        format_for("report.PQ", "jsonl")
    assert str(info.value) == (
        "--format jsonl contradicts the file name report.PQ (a .PQ file is parquet); "
        "drop --format or rename the file"
    )


# --- check_target: refused early, before anything is fetched -------------------------------


def test_stdout_is_no_path() -> None:
    assert check_target("-") is None


def test_targets_that_cannot_be_a_file_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"^--output is empty; name a file, or - for stdout$"):
        check_target("")
    folder = f"{tmp_path}/new/"
    with pytest.raises(
        TargetError, match=rf"^--output {folder} names a folder; name a file in it$"
    ):
        check_target(folder)
    with pytest.raises(TargetError, match=rf"^--output {tmp_path} is a folder; name a file in it$"):
        check_target(str(tmp_path))
    missing = tmp_path / "nowhere" / "out.csv"
    with pytest.raises(
        TargetError, match=rf"^the output folder {tmp_path / 'nowhere'} does not exist$"
    ):
        check_target(str(missing))


def test_a_new_file_in_an_existing_folder_and_descriptors_are_accepted(tmp_path: Path) -> None:
    assert check_target(str(tmp_path / "out.csv")) == tmp_path / "out.csv"
    existing = tmp_path / "old.csv"
    existing.write_text("x\n")
    assert check_target(str(existing)) == existing
    # descriptors are not looked up as files (a shell's >(...) may not be visible as one)
    for name in ("/dev/stdout", "/dev/stderr", "/dev/fd/987", "/proc/self/fd/987"):
        assert check_target(name) == Path(name)


# --- open_target: atomic replace of files, in-place writes to descriptors -----------------


@pytest.mark.parametrize(
    ("name", "descriptor"),
    [("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/{fd}", None), ("/proc/self/fd/{fd}", None)],
)
def test_a_descriptor_path_writes_through_that_descriptor(
    name: str, descriptor: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = tmp_path / "sink"
    fd = os.open(sink, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if descriptor is not None:
            # Stand the file in for stdout / stderr: the test never writes the real ones.
            real_dup = os.dup

            def dup(number: int) -> int:
                return real_dup(fd if number == descriptor else number)

            monkeypatch.setattr(os, "dup", dup)
        with open_target(Path(name.format(fd=fd))) as stream:
            stream.write(b"through the descriptor\n")
    finally:
        os.close(fd)
    assert sink.read_bytes() == b"through the descriptor\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sink"]


def test_a_file_is_replaced_only_when_complete_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    with open_target(target) as stream:
        stream.write(b"new\n")
        assert target.read_text() == "old\n"  # still the old file while writing
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def write_half() -> None:
        with open_target(target) as stream:
            stream.write(b"half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_half()
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_open_target_refuses_a_folder_and_a_missing_folder(tmp_path: Path) -> None:
    with (
        pytest.raises(TargetError, match=rf"^--output {tmp_path} is a folder; name a file in it$"),
        open_target(tmp_path),
    ):
        pass
    missing = tmp_path / "gone"
    with (
        pytest.raises(TargetError, match=rf"^the output folder {missing} does not exist$"),
        open_target(missing / "out.csv"),
    ):
        pass


@pytest.mark.parametrize("name", ["out.csv", "é" * 125 + "x.csv", "a" * 255])
def test_the_temporary_file_is_hidden_beside_the_target_within_255_bytes(name: str) -> None:
    temporary = temporary_name(name)
    assert temporary.startswith(".") and temporary.endswith(".partial")
    assert len(temporary.encode()) <= 255
    assert temporary.encode().startswith(b"." + name.encode()[:200])
    assert temporary_name(name) != temporary  # a new random part each time


def test_a_short_name_is_kept_whole_in_its_temporary_name() -> None:
    temporary = temporary_name("out.csv")
    assert temporary.startswith(".out.csv.")
    assert len(temporary) == len(".out.csv.") + 8 + len(".partial")


# --- call_options: flags that do not apply are errors ---------------------------------------


def options(report: str, **given: Any) -> dict[str, Any]:
    return call_options(REPORTS[report], **given)


@pytest.mark.parametrize(
    ("report", "given", "flag"),
    [
        ("campaigns", {"start": "2025-01-01"}, "--start"),
        ("campaigns", {"end": "2025-01-31"}, "--end"),
        ("campaigns", {"metrics": ["reach"]}, "--metrics"),
        ("campaigns", {"sort_property": "reach"}, "--sort-property"),
        ("campaigns", {"sort_direction": "ASC"}, "--sort-direction"),
        ("campaigns", {"granularity": "day"}, "--granularity"),
        ("campaigns", {"campaign_ids": [1]}, "--campaign-id"),
        ("campaigns", {"platforms": ["tiktok"]}, "--platform"),
        ("campaigns", {"content_types": ["tiktok"]}, "--content-type"),
        ("campaigns", {"date_basis": "post_date"}, "--date-basis"),
        ("instances-performance", {"page_size": 10}, "--page-size"),
        ("instances-performance", {"max_items": 10}, "--max-items"),
        ("platforms-roi", {"metrics": ["valueOfLikes"]}, "--metrics"),
        ("timeseries", {"sort_property": "clicks"}, "--sort-property"),
        ("posts-performance", {"granularity": "day"}, "--granularity"),
    ],
)
def test_a_flag_that_does_not_apply_is_refused_by_name(
    report: str, given: dict[str, Any], flag: str
) -> None:
    dates = {"start": "2025-01-01", "end": "2025-01-31"} if REPORTS[report].dated else {}
    with pytest.raises(ValueError, match=rf"^{flag} does not apply to the {report} report$"):
        options(report, **{**dates, **given})


@pytest.mark.parametrize("given", [{}, {"start": "2025-01-01"}, {"end": "2025-01-31"}])
def test_a_dated_report_needs_both_dates(given: dict[str, Any]) -> None:
    with pytest.raises(
        ValueError, match=r"^the posts-performance report needs --start and --end \(YYYY-MM-DD\)$"
    ):
        options("posts-performance", **given)


def test_the_options_are_exactly_what_the_report_method_takes() -> None:
    assert options("campaigns") == {"instance_ids": None, "max_items": None}
    assert options("campaigns", instance_ids=["a"], page_size=5, max_items=7) == {
        "instance_ids": ["a"],
        "max_items": 7,
        "page_size": 5,
    }
    posts = REPORTS["posts-performance"]
    assert options(
        "posts-performance",
        start="2025-01-01",
        end="2025-01-31",
        campaign_ids=[3],
        platforms=["tiktok"],
        date_basis="performance_date",
        sort_property="cpe",
        sort_direction="ASC",
    ) == {
        "instance_ids": None,
        "start": "2025-01-01",
        "end": "2025-01-31",
        "campaign_ids": [3],
        "platforms": ["tiktok"],
        "content_types": None,
        "date_basis": "performance_date",
        "metrics": list(posts.default_metrics),
        "sort_property": "cpe",
        "sort_direction": "ASC",
        "max_items": None,
    }
    assert options("timeseries", start="2025-01-01", end="2025-01-31", granularity="week")[
        "granularity"
    ] == ("week")
    summary = options(
        "instances-performance", start="2025-01-01", end="2025-01-31", metrics=["reach"]
    )
    assert summary["metrics"] == ["reach"]
    assert "max_items" not in summary and "page_size" not in summary
    assert "metrics" not in options("platforms-roi", start="2025-01-01", end="2025-01-31")


# --- sinks ---------------------------------------------------------------------------------

TEXT = [Column("name", ("name",), "str"), Column("count", ("count",), "int")]


def test_open_sink_refuses_an_unknown_format_and_parquet_on_stdout() -> None:
    with contextlib.ExitStack() as stack:
        with pytest.raises(
            ValueError, match=r"^unknown format 'xlsx'; choose one of csv, jsonl, parquet$"
        ):
            open_sink(Output("xlsx", None), TEXT, stack)
        with pytest.raises(
            ValueError, match=r"^Parquet cannot be written to stdout; give --output PATH$"
        ):
            open_sink(Output("parquet", None), TEXT, stack)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", "name,count\n'=SUM(A1),1\n,\n"),
        ("jsonl", '{"name": "=SUM(A1)", "count": 1}\n{"name": null, "count": null}\n'),
    ],
)
def test_write_rows_writes_every_row_to_every_sink_and_counts_them(
    fmt: str, expected: str, tmp_path: Path
) -> None:
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    with contextlib.ExitStack() as stack:
        sinks = [open_sink(Output(fmt, p), TEXT, stack) for p in (first, second)]
        assert write_rows(iter([["=SUM(A1)", 1], [None, None]]), sinks) == 2
    assert first.read_text() == second.read_text() == expected


def test_csv_formulas_are_kept_only_when_asked() -> None:
    stream = io.StringIO()
    sink = CsvSink(stream, TEXT, "keep")
    sink.write(["=SUM(A1)", 1])
    assert stream.getvalue() == "name,count\n=SUM(A1),1\n"
    with pytest.raises(ValueError, match=r"^formulas must be one of escape, keep$"):
        CsvSink(io.StringIO(), TEXT, "strip")


@pytest.mark.parametrize(
    ("text", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),  # a plain number stays a number
        ("+3e5", "+3e5"),
        ("-.5", "-.5"),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_guard_formula(text: str, guarded: str) -> None:
    assert guard_formula(text) == guarded


def test_a_carriage_return_in_text_is_quoted_so_the_row_stays_whole() -> None:
    stream = io.StringIO()
    sink = CsvSink(stream, TEXT)
    sink.write(['a\rb "c"', 2])
    sink.write(["", 3])
    assert stream.getvalue() == 'name,count\n"a\rb ""c""",2\n,3\n'


def test_jsonl_escapes_the_line_separators_readers_split_on() -> None:
    stream = io.StringIO()
    sink = JsonlSink(stream, TEXT)
    sink.write(["a\u2028b\u2029c\u0085d", 1])
    assert stream.getvalue() == '{"name": "a\\u2028b\\u2029c\\u0085d", "count": 1}\n'


TWO_TEXTS = [
    Column("a", ("a",), "str"),
    Column("b", ("b",), "str"),
    Column("n", ("n",), "int"),
]


def test_every_text_cell_of_a_row_is_guarded_and_a_lone_carriage_return_quoted() -> None:
    stream = io.StringIO()
    sink = CsvSink(stream, TWO_TEXTS)
    sink.write(["a\rb", None, 1])  # the C writer would leave a lone \r unquoted
    sink.write([None, "=cmd", 2])  # an empty cell does not end the guarding of the row
    sink.write(["", "+x\r", 3])
    sink.write([5, "x", 4])  # a server that sends a number for text: written as it is
    assert stream.getvalue() == 'a,b,n\n"a\rb",,1\n,\'=cmd,2\n,"\'+x\r",3\n5,x,4\n'


def test_jsonl_keeps_text_as_utf_8_not_escapes() -> None:
    stream = io.StringIO()
    JsonlSink(stream, TEXT).write(["ünï 😀", 1])
    assert stream.getvalue() == '{"name": "ünï 😀", "count": 1}\n'


DAYS = [Column("day", ("day",), "date"), Column("count", ("count",), "int")]


def parquet_file(tmp_path: Path, rows: list[list[Any]], name_row: Any = None) -> Path:
    target = tmp_path / "out.parquet"
    with target.open("wb") as stream:
        sink = ParquetSink(stream, DAYS, name_row)
        try:
            for row in rows:
                sink.write(row)
            sink.close()
        finally:
            sink.abandon()  # as open_sink does: let go of the file after a failure
    return target


def test_an_empty_parquet_export_still_has_its_columns(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_file(tmp_path, []))
    assert table.num_rows == 0
    assert [(f.name, str(f.type)) for f in table.schema] == [
        ("day", "date32[day]"),
        ("count", "int64"),
    ]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (10_000, [5_000, 5_000]),  # no empty group after full ones
        (12_000, [5_000, 5_000, 2_000]),  # the rest in a last, smaller group
    ],
)
def test_parquet_row_groups_hold_5000_rows(count: int, expected: list[int], tmp_path: Path) -> None:
    # _writers.ParquetSink: "Row groups of PARQUET_BATCH rows"; PARQUET_BATCH = 5_000.
    import pyarrow.parquet as pq

    rows: list[list[Any]] = [["2025-01-01", n] for n in range(count)]
    metadata = pq.ParquetFile(parquet_file(tmp_path, rows)).metadata
    groups = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert groups == expected


def test_a_value_parquet_cannot_store_names_the_row(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["2025-01-01", 1], ["2025-02-30", 2]]
    with pytest.raises(InvalidValueError) as info:
        parquet_file(tmp_path, rows)
    assert str(info.value) == (
        "the server sent '2025-02-30' for day in row 2, which is not a valid date; "
        "Parquet cannot store it"
    )
    with pytest.raises(InvalidValueError, match=r" for day in bucket 2025-02-30, "):
        parquet_file(tmp_path, rows, name_row=lambda values: f"bucket {values[0]}")


def test_parquet_without_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(
        RuntimeError,
        match=r"^Parquet output needs pyarrow: pip install 'later-reporting\[parquet\]'$",
    ):
        ParquetSink(io.BytesIO(), DAYS)


# --- export_report: one report, from a (stub) server to its outputs ---------------------------


def campaign_row(campaign_id: int, name: str) -> dict[str, Any]:
    return {
        "campaignId": campaign_id,
        "campaignName": name,
        "instanceId": "instance_abc",
        "description": None,
        "status": "live",
        "startDate": "2025-01-01T00:00:00.000Z",
        "firstPostDate": None,
        "lastPostDate": None,
    }


def stub_client(data: Any, total: int | None = None) -> lr.Client:
    """A client whose every report request answers ``data`` (one page when it is a list)."""

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        if isinstance(data, list) and request.url.path != "/v2/platforms/return-on-investment":
            size = len(data) or 1
            pagination = {"page": 1, "pageSize": size, "totalPages": 1, "totalItems": len(data)}
            body = {"data": data, "pagination": pagination}
        else:
            body = {"data": data}
        # json.dumps escapes a lone surrogate as \ud800, as a server's JSON would
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )

    return lr.Client(
        client_id="stub",
        client_secret="stub-secret",
        base_url="https://stub.test",
        transport=httpx.MockTransport(reply),
        rate_limit=None,
    )


class Progress:
    def __init__(self) -> None:
        self.updates: list[tuple[int, int | None]] = []
        self.finished = 0

    def update(self, rows: int, total: int | None) -> None:
        self.updates.append((rows, total))

    def done(self) -> None:
        self.finished += 1


def test_progress_is_told_every_hundred_rows_and_at_the_end(tmp_path: Path) -> None:
    rows = [campaign_row(n, f"c{n}") for n in range(1, 251)]
    progress = Progress()
    with stub_client(rows) as client:
        count = export_report(
            client,
            REPORTS["campaigns"],
            options("campaigns"),
            [Output("csv", tmp_path / "c.csv")],
            progress,
        )
    assert count == 250
    assert progress.updates == [(100, 250), (200, 250), (250, 250)]
    assert progress.finished == 1
    assert len((tmp_path / "c.csv").read_text().splitlines()) == 251


def test_a_warning_for_replaced_text_is_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [campaign_row(7, "bad \ud800 text"), campaign_row(8, "also \ud800 bad")]
    with stub_client(rows) as client:
        export_report(
            client, REPORTS["campaigns"], options("campaigns"), [Output("csv", tmp_path / "c.csv")]
        )
    assert capsys.readouterr().err == (
        "warning: campaigns, campaignId=7, field campaign_name: text the server sent is not "
        "valid Unicode; the invalid characters were replaced with U+FFFD\n"
    )


SUMMARY = {"start": "2025-01-01", "end": "2025-01-31", "metrics": ["engagements", "reach"]}


def test_a_summary_report_counts_its_one_row_and_names_it_in_errors(tmp_path: Path) -> None:
    report = REPORTS["instances-performance"]
    progress = Progress()
    with stub_client({"metrics": {"engagements": 3, "reach": 4}}) as client:
        count = export_report(
            client,
            report,
            options("instances-performance", **SUMMARY, instance_ids=["a", "b"]),
            [Output("jsonl", tmp_path / "s.jsonl")],
            progress,
        )
    assert (count, progress.updates, progress.finished) == (1, [(1, 1)], 1)
    row = json.loads((tmp_path / "s.jsonl").read_text())
    assert (row["engagements"], row["reach"], row["filter_instance_ids"]) == (3, 4, "a,b")
    assert row["filter_date_basis"] == "post_date"  # the API's default, when not given
    with (
        stub_client({"metrics": {"engagements": 1.5, "reach": 4}}) as client,
        pytest.raises(InvalidValueError) as info,
    ):
        export_report(
            client,
            report,
            options("instances-performance", **SUMMARY),
            [Output("parquet", tmp_path / "s.parquet")],
        )
    assert str(info.value) == (
        "the server sent 1.5 for engagements in the summary row, which is not a valid int; "
        "Parquet cannot store it"
    )


def test_a_file_name_that_is_not_utf_8_works(tmp_path: Path) -> None:
    # A name made of bytes that are not UTF-8 (here Latin-1 "café") arrives with surrogates.
    target = tmp_path / os.fsdecode(b"caf\xe9.csv")
    assert temporary_name(target.name).startswith(".caf")
    with open_target(target) as stream:
        stream.write(b"x\n")
    assert target.read_bytes() == b"x\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


class _Refusing(io.RawIOBase):
    """Standard output that refuses every byte: a full device, or a reader that went away."""

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise self.failure


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        ValueError("I/O operation on closed file."),
    ],
    ids=["full", "closed"],
)
def test_the_cause_of_a_failure_is_reported_not_the_output_it_left_unflushed(
    failure: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server error mid-stream is what the caller sees, even when the text still buffered
    for standard output can no longer be written."""
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(_Refusing(failure))))
    first = [campaign_row(n, f"c{n}") for n in range(1, 3)]

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        if request.url.params.get("pageNumber", "1") == "1":
            pagination = {"page": 1, "pageSize": 2, "totalPages": 2, "totalItems": 4}
            return httpx.Response(200, json={"data": first, "pagination": pagination})
        return httpx.Response(500, json={"type": "ANL_00500", "title": "boom"})

    with (
        lr.Client(
            client_id="stub",
            client_secret="stub-secret",
            base_url="https://stub.test",
            transport=httpx.MockTransport(reply),
            rate_limit=None,
            max_retries=0,
        ) as client,
        pytest.raises(lr.ServerError),
    ):
        export_report(
            client,
            REPORTS["campaigns"],
            options("campaigns", page_size=2),
            [Output("csv", None)],
        )
