"""Streaming writers for CSV, JSON Lines and Parquet, with atomic replace.

Rows stream from a paginator to the file, so memory stays flat however many rows there are.
Each file is written to a temporary file in the target folder and renamed over the target
only when complete: an error or an interruption leaves no partial file, and any earlier
file at the target untouched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from later_reporting._arrow import arrow_schema, record_batch, require_pyarrow
from later_reporting._rows import Column

__all__ = ["FORMATS", "Sink", "atomic_target", "open_sink"]

FORMATS = ("csv", "jsonl", "parquet")
PARQUET_BATCH = 5_000


class Sink(Protocol):
    def write(self, values: list[Any]) -> None: ...
    def close(self) -> None: ...


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed over it only if the block succeeds."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"the output folder {folder} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class CsvSink:
    def __init__(self, stream: IO[str], columns: list[Column]) -> None:
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow([c.name for c in columns])

    def write(self, values: list[Any]) -> None:
        self.writer.writerow(["" if v is None else v for v in values])

    def close(self) -> None:
        self.stream.flush()


class JsonlSink:
    def __init__(self, stream: IO[str], columns: list[Column]) -> None:
        self.stream = stream
        self.names = [c.name for c in columns]

    def write(self, values: list[Any]) -> None:
        self.stream.write(
            json.dumps(dict(zip(self.names, values, strict=True)), ensure_ascii=False) + "\n"
        )

    def close(self) -> None:
        self.stream.flush()


class ParquetSink:
    """Row groups of ``PARQUET_BATCH`` rows, typed from the column kinds."""

    def __init__(self, path: Path, columns: list[Column]) -> None:
        require_pyarrow("Parquet output")
        import pyarrow.parquet as pq

        self.columns = columns
        self.schema = arrow_schema(columns)
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.buffer: list[list[Any]] = []
        self.written = False

    def write(self, values: list[Any]) -> None:
        self.buffer.append(values)
        if len(self.buffer) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        self.writer.write_batch(record_batch(self.buffer, self.columns, self.schema))
        self.buffer = []
        self.written = True

    def close(self) -> None:
        if self.buffer or not self.written:
            self._flush()  # an empty result still gets a file with its schema
        self.writer.close()


def open_sink(
    fmt: str, path: Path | None, columns: list[Column], stack: contextlib.ExitStack
) -> Sink:
    """A sink writing ``fmt`` to ``path`` (atomically) or to stdout when ``path`` is None."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if path is None:
        if fmt == "parquet":
            raise ValueError("Parquet cannot be written to stdout; give --output PATH")
        stdout = io.TextIOWrapper(
            sys.stdout.buffer, encoding="utf-8", newline="", write_through=False
        )
        stack.callback(stdout.detach)
        return CsvSink(stdout, columns) if fmt == "csv" else JsonlSink(stdout, columns)
    temporary = stack.enter_context(atomic_target(path))
    if fmt == "parquet":
        return ParquetSink(temporary, columns)
    stream = stack.enter_context(
        open(temporary, "w", encoding="utf-8", newline="")  # noqa: SIM115 - the ExitStack closes it
    )
    return CsvSink(stream, columns) if fmt == "csv" else JsonlSink(stream, columns)


def write_rows(rows: Iterable[list[Any]], sinks: list[Sink]) -> int:
    count = 0
    for values in rows:
        for sink in sinks:
            sink.write(values)
        count += 1
    for sink in sinks:
        sink.close()
    return count
