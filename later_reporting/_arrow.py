"""Arrow record batches: the one mapping of column kinds to Arrow types.

The Parquet writer, the DataFrame methods and the warehouse loader all build their
columns here, so a column has the same name and type wherever it lands.

- :func:`record_batch` takes flat rows (lists of column values, as ``_rows.flatten`` makes
  them). The export's writers share one flattening among CSV, JSON Lines and Parquet.
- :func:`batch_from_json` takes the API's JSON rows. It lets Arrow's own converters read
  them (several times faster than flattening row by row). Where a value is not in the form
  the API documents (a fraction in a count, text with a lone surrogate, a date written
  another way), it flattens the batch row by row instead. That path decides the value, or
  names it in the error, so both paths always give the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from later_reporting._rows import CONVERTERS, Column, Row, flatten, json_text, value_at


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


_YEAR = r"([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"  # 0001-9999, as Python reads
_DAY = _YEAR + r"-[0-9]{2}-[0-9]{2}"
_TIME = r"T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?"  # Arrow reads up to milliseconds
_ZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})"
PATTERNS = {"date": f"^{_DAY}$", "datetime": f"^{_DAY}{_TIME}{_ZONE}$"}
"""The text forms of dates and times Arrow reads exactly as ``_rows.CONVERTERS`` does."""


class NotNative(Exception):
    """A batch with a value Arrow's converters would read differently from ``flatten``."""


def batch_from_json(rows: Sequence[Row], columns: Sequence[Column], schema: Any) -> Any:
    """One ``pyarrow.RecordBatch`` of JSON rows: ``record_batch(flatten(rows))``, faster.

    Arrow reads each top-level field of the batch at once; every column's values are then
    checked against its kind. Any value outside the documented forms (or a failure of
    Arrow's converters) sends the whole batch through ``flatten`` and :func:`record_batch`,
    which convert it or raise :class:`BadValueError` naming the value.
    """
    pa = require_pyarrow()
    try:
        return _native_batch(pa, rows, columns, schema)
    # Every way Arrow refuses a value (ArrowException is a ValueError or TypeError, an int
    # past 64 bits an OverflowError, lone surrogates a UnicodeError): the row path decides.
    except (NotNative, ValueError, TypeError, OverflowError):
        pass
    return record_batch(list(flatten(rows, list(columns))), columns, schema)


def _native_batch(pa: Any, rows: Sequence[Row], columns: Sequence[Column], schema: Any) -> Any:
    import pyarrow.compute as pc

    if not all(type(row) is dict for row in rows):  # a row that is not a JSON object
        raise NotNative
    tops = {
        key: pa.array([row.get(key) for row in rows])
        for key in dict.fromkeys(c.path[0] for c in columns if c.kind != "json")
    }
    arrays = []
    for column, field in zip(columns, schema, strict=True):
        if column.kind == "json":
            arrays.append(pa.array(_json_texts(rows, column.path), pa.string()))
            continue
        values = tops[column.path[0]]
        for key in column.path[1:]:
            if pa.types.is_null(values.type):
                break
            if not pa.types.is_struct(values.type):  # a value where an object belongs
                raise NotNative
            if values.type.get_field_index(key) < 0:
                values = pa.nulls(len(rows))
                break
            values = pc.struct_field(values, key)
        arrays.append(_typed(pa, pc, values, column, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


ACCEPTED = {
    "int": ("int64",),
    "float": ("double", "int64"),
    "str": ("string",),
    "date": ("string",),
    "datetime": ("string",),
}
"""The Arrow types a column's values may be read as (``null``: no value at all)."""


def _typed(pa: Any, pc: Any, values: Any, column: Column, target: Any) -> Any:
    """``values`` as ``target``, when they are in a form ``flatten`` reads the same way."""
    if not pa.types.is_null(values.type):  # all null (or no rows): any type holds them
        if str(values.type) not in ACCEPTED[column.kind]:
            raise NotNative
        pattern = PATTERNS.get(column.kind)
        if pattern is not None and not pc.all(pc.match_substring_regex(values, pattern)).as_py():
            raise NotNative
    return values.cast(target)


def _json_texts(rows: Sequence[Row], path: tuple[str, ...]) -> list[str | None]:
    return [None if (value := value_at(row, path)) is None else json_text(value) for row in rows]
