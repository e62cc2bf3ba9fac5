"""Streaming writers for CSV, JSON Lines and Parquet.

CSV is written so that every common reader (Python's ``csv``, pandas, pyarrow, DuckDB,
Excel, Power BI) parses it the same way: a field holding a delimiter, a quote, a carriage
return or a line feed is quoted, so it never splits a row. Cells that a spreadsheet would
run as a formula are escaped by default (see :data:`FORMULA_START`).

JSON Lines has one record per line for every reader: besides ``\\n``, the line separators
some readers split on (U+2028, U+2029, U+0085) are escaped.

Parquet keeps types: the one mapping of column kinds to Arrow types in ``_arrow``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from typing import IO, Any, Protocol

from later_reporting._arrow import BadValueError, arrow_schema, record_batch, require_pyarrow
from later_reporting._errors import LaterReportingError, OptionError
from later_reporting._rows import Column

__all__ = [
    "FORMULA_MODES",
    "FORMULA_START",
    "CsvSink",
    "InvalidValueError",
    "JsonlSink",
    "ParquetSink",
    "Sink",
    "guard_formula",
    "text_stream",
]

PARQUET_BATCH = 5_000
FORMULA_MODES = ("escape", "keep")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is run as a formula by Excel and its kin (OWASP,
"CSV Injection"). With ``formulas="escape"`` (the default) such a cell gets a leading
``'``, which spreadsheets show as text and do not run; ``"keep"`` writes it unchanged.
Only text columns are touched: numbers, dates and JSON columns never are, and neither is
text that is itself a plain number (``-12.5``), which a spreadsheet reads as that number.
"""
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LINE_BREAKING = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}
_LINE_BREAKING_RE = re.compile("[\u2028\u2029\u0085]")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


class Sink(Protocol):
    def write(self, values: list[Any]) -> None: ...
    def close(self) -> None: ...


def guard_formula(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (see :data:`FORMULA_START`)."""
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvSink:
    """RFC 4180 quoting with ``\\n`` line ends; empty means null."""

    def __init__(self, stream: IO[str], columns: list[Column], formulas: str = "escape") -> None:
        if formulas not in FORMULA_MODES:
            raise OptionError("csv_formulas", f"formulas must be one of {', '.join(FORMULA_MODES)}")
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\n")
        self.escape = formulas == "escape"
        # Only text columns hold free text: numbers, dates and JSON (whose encoder escapes
        # control characters) never start a formula or hold a bare carriage return.
        self.text_columns = [i for i, c in enumerate(columns) if c.kind == "str"]
        self.stream.write(",".join(_csv_field(c.name) for c in columns) + "\n")

    def write(self, values: list[Any]) -> None:
        by_hand = False
        for index in self.text_columns:
            value = values[index]
            if value.__class__ is not str or not value:
                continue
            if self.escape and value.startswith(FORMULA_START):
                values = list(values)
                values[index] = value = guard_formula(value)
            if "\r" in value:
                by_hand = True
        if by_hand:
            # The C writer does not quote a lone carriage return when lines end with "\n",
            # and a bare "\r" splits the row for most readers: such rows are quoted here.
            self.stream.write(",".join(_csv_field(v) for v in values) + "\n")
        else:
            self.writer.writerow(values)

    def close(self) -> None:
        self.stream.flush()


def _escape_line_breaks(match: re.Match[str]) -> str:
    return _LINE_BREAKING[match.group()]


class JsonlSink:
    def __init__(self, stream: IO[str], columns: list[Column]) -> None:
        self.stream = stream
        self.names = [c.name for c in columns]

    def write(self, values: list[Any]) -> None:
        line = json.dumps(dict(zip(self.names, values, strict=True)), ensure_ascii=False)
        # These characters only occur inside JSON strings, where their escapes mean the same.
        self.stream.write(_LINE_BREAKING_RE.sub(_escape_line_breaks, line) + "\n")

    def close(self) -> None:
        self.stream.flush()


class ParquetSink:
    """Row groups of ``PARQUET_BATCH`` rows, typed from the column kinds."""

    def __init__(
        self, stream: IO[bytes], columns: list[Column], name_row: Any | None = None
    ) -> None:
        require_pyarrow("Parquet output")
        import pyarrow.parquet as pq

        self.columns = columns
        self.schema = arrow_schema(columns)
        self.writer = pq.ParquetWriter(stream, self.schema)
        self.buffer: list[list[Any]] = []
        self.written = False
        self.name_row = name_row  # values -> how a message names the row

    def write(self, values: list[Any]) -> None:
        self.buffer.append(values)
        if len(self.buffer) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        try:
            batch = record_batch(self.buffer, self.columns, self.schema)
        except BadValueError as exc:
            row = self.buffer[exc.index]
            named = self.name_row(row) if self.name_row is not None else f"row {exc.index + 1}"
            raise InvalidValueError(
                f"the server sent {exc.value!r} for {exc.column.name} in {named}, which is "
                f"not a valid {exc.column.kind}; Parquet cannot store it"
            ) from None
        self.writer.write_batch(batch)
        self.buffer = []
        self.written = True

    def close(self) -> None:
        if self.buffer or not self.written:
            self._flush()  # an empty result still gets a file with its schema
        self.writer.close()

    def abandon(self) -> None:
        """Let go of the stream after a failure (a no-op once closed)."""
        with contextlib.suppress(Exception):
            self.writer.close()


class InvalidValueError(LaterReportingError):
    """A value from the server that the output format cannot store (exit 4)."""


def text_stream(binary: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 text over ``binary``; detach it (never close) to leave ``binary`` open."""
    return io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
