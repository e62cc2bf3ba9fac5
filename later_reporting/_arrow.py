"""Arrow tables from flat rows: the one mapping of column kinds to Arrow types.

The Parquet writer, the DataFrame methods and the warehouse loader all build their
columns here, so a column has the same name and type wherever it lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from later_reporting._rows import CONVERTERS, Column


def require_pyarrow(purpose: str = "Arrow output") -> Any:
    """The ``pyarrow`` module, or an error naming the extra that installs it."""
    try:
        import pyarrow
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise RuntimeError(
            f"{purpose} needs pyarrow: pip install 'later-reporting[parquet]'"
        ) from None
    return pyarrow


def arrow_schema(columns: Sequence[Column]) -> Any:
    """The ``pyarrow.Schema`` of a list of columns (names and kinds from ``_rows``)."""
    pa = require_pyarrow()
    types = {
        "int": pa.int64(),
        "float": pa.float64(),
        "str": pa.string(),
        "json": pa.string(),
        "date": pa.date32(),
        "datetime": pa.timestamp("ms", "UTC"),
    }
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


class BadValueError(ValueError):
    """A value that does not fit its column's type (an invalid date, a fractional count)."""

    def __init__(self, column: Column, index: int, value: Any, reason: str) -> None:
        super().__init__(f"column {column.name}: {value!r} is not a valid {column.kind} ({reason})")
        self.column = column
        self.index = index  # the row's position in the batch
        self.value = value


def _raise_bad_value(column: Column, values: list[Any], convert: Any) -> None:
    for position, value in enumerate(values):
        try:
            None if value is None else convert(value)
        except (TypeError, ValueError) as exc:
            raise BadValueError(column, position, value, str(exc)) from None


def record_batch(
    value_rows: Sequence[Sequence[Any]], columns: Sequence[Column], schema: Any
) -> Any:
    """One ``pyarrow.RecordBatch`` of rows given as lists of column values.

    A value that cannot be converted to its column's type raises :class:`BadValueError`
    naming the column and the row's position.
    """
    pa = require_pyarrow()
    arrays = []
    for index, (column, field) in enumerate(zip(columns, schema, strict=True)):
        convert = CONVERTERS.get(column.kind)
        values = [row[index] for row in value_rows]
        if convert is not None:
            try:
                values = [None if v is None else convert(v) for v in values]
            except (TypeError, ValueError):
                _raise_bad_value(column, values, convert)
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
