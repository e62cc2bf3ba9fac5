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


def record_batch(
    value_rows: Sequence[Sequence[Any]], columns: Sequence[Column], schema: Any
) -> Any:
    """One ``pyarrow.RecordBatch`` of rows given as lists of column values."""
    pa = require_pyarrow()
    arrays = []
    for index, (column, field) in enumerate(zip(columns, schema, strict=True)):
        convert = CONVERTERS.get(column.kind)
        values = [row[index] for row in value_rows]
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
