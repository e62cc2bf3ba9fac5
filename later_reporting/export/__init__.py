"""Reports into files: CSV, JSON Lines and Parquet, streamed, safe to write anywhere.

- :mod:`._targets`: where the bytes go (atomic replace of regular files, in-place writes to
  devices, FIFOs and descriptors, permissions, format from the file name).
- :mod:`._writers`: how rows become CSV, JSON Lines or Parquet.
- :mod:`._report`: one report from the SDK to its outputs in one pass.
"""

from __future__ import annotations

from later_reporting.export._report import (
    ExportOptions,
    Output,
    call_options,
    export_report,
    open_sink,
    write_rows,
)
from later_reporting.export._targets import (
    FORMATS,
    TargetError,
    check_target,
    format_for,
    open_target,
)
from later_reporting.export._writers import (
    FORMULA_MODES,
    FORMULA_START,
    InvalidValueError,
    Sink,
    guard_formula,
)

__all__ = [
    "FORMATS",
    "FORMULA_MODES",
    "FORMULA_START",
    "ExportOptions",
    "InvalidValueError",
    "Output",
    "Sink",
    "TargetError",
    "call_options",
    "check_target",
    "export_report",
    "format_for",
    "guard_formula",
    "open_sink",
    "open_target",
    "write_rows",
]
