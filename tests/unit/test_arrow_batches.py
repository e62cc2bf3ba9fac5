"""JSON rows to Arrow batches: ``batch_from_json`` gives exactly ``record_batch(flatten(rows))``.

The warehouse loader and the DataFrame methods read pages with ``batch_from_json``, which
lets Arrow's converters read the documented forms at once and hands anything else to the
row-by-row path (``later_reporting/_arrow.py`` explains the split). These tests hold the
two paths equal on every input, valid or not, and check that the fast one is really taken
for the forms the API documents.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from later_reporting import _arrow
from later_reporting._arrow import BadValueError, arrow_schema, batch_from_json, record_batch
from later_reporting._rows import Column, flatten

COLUMNS = [
    Column("id", ("id",), "int"),
    Column("spend", ("metrics", "spend"), "float"),
    Column("posts", ("metrics", "posts"), "int"),
    Column("name", ("creator", "name"), "str"),
    Column("tags", ("creator", "tags"), "json"),
    Column("day", ("day",), "date"),
    Column("posted_at", ("metrics", "postedAt"), "datetime"),
    Column("deep", ("a", "b", "c"), "float"),
]
SCHEMA = arrow_schema(COLUMNS)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_rows(rows: list[Any]) -> Any:
    return record_batch(list(flatten(rows, COLUMNS)), COLUMNS, SCHEMA)


def outcome(build: Callable[[], Any]) -> tuple[Any, ...]:
    """What a batch builder gave: its schema and stored values, or its error.

    Dates and times are compared as Arrow stores them (days and milliseconds since 1970:
    a value outside Python's years 1-9999 still compares) and NaN as text.
    """
    try:
        batch = build()
    except Exception as exc:  # the error itself is the outcome compared
        return ("raised", type(exc), str(exc))
    stored = {
        name: column.view(pa.int64() if pa.types.is_timestamp(column.type) else pa.int32())
        if pa.types.is_temporal(column.type)
        else column
        for name, column in zip(batch.schema.names, batch.columns, strict=True)
    }
    values = {
        name: ["NaN" if isinstance(v, float) and math.isnan(v) else v for v in column.to_pylist()]
        for name, column in stored.items()
    }
    return ("batch", batch.schema, values)


def both_paths(rows: list[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The outcomes of ``batch_from_json`` and of the row path for the same rows."""
    return outcome(lambda: batch_from_json(rows, COLUMNS, SCHEMA)), outcome(lambda: by_rows(rows))


@contextlib.contextmanager
def counting_row_path() -> Iterator[list[int]]:
    """A list that gets one item for each batch that goes through ``flatten`` (the row path)."""
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return flatten(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_arrow, "flatten", counted)
        yield calls


@pytest.fixture
def row_path_calls() -> Iterator[list[int]]:
    with counting_row_path() as calls:
        yield calls


# The forms the API documents: 64-bit integers, doubles, text, JSON arrays, ``YYYY-MM-DD``
# dates and ISO 8601 times with ``Z`` or an offset and up to three fraction digits.
def texts_of_datetimes() -> st.SearchStrategy[str]:
    moments = st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31))
    zones = st.one_of(
        st.just("Z"),
        st.builds(
            lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
            st.sampled_from("+-"),
            st.integers(0, 23),
            st.integers(0, 59),
        ),
    )
    return st.builds(
        lambda moment, digits, zone: (
            moment.replace(microsecond=0).isoformat()
            + (f".{moment.microsecond:06d}"[: digits + 1] if digits else "")
            + zone
        ),
        moments,
        st.sampled_from([0, 3]),
        zones,
    )


DOCUMENTED: dict[str, st.SearchStrategy[Any]] = {
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.one_of(st.floats(), st.integers(-(2**53), 2**53)),
    "str": st.text(),
    # JSON columns hold arrays of objects of one shape (a creator's profiles).
    "json": st.lists(
        st.fixed_dictionaries({"platform": st.text(max_size=3), "followers": st.integers(0, 9)}),
        max_size=3,
    ),
    "date": st.dates().map(dt.date.isoformat),
    "datetime": texts_of_datetimes(),
}

# Everything else a server might send instead: whole floats in counts, fractions, numbers
# as text, booleans, integers past 64 bits, lone surrogates, dates and times in other forms
# or out of range, objects where a value belongs and values where an object belongs.
ODD_VALUES: list[Any] = [
    3.0,
    3.5,
    -0.0,
    math.nan,
    math.inf,
    True,
    False,
    "3",
    "x",
    "\ud800",
    "caf\udce9",
    2**63,
    -(2**63) - 1,
    2**53 + 1,
    "0000-01-01",
    "2025-02-30",
    "2025-1-2",
    "20250102",
    "2025-01-02T10:00:00",
    "2025-01-02T10:00:00.123456Z",
    "2025-01-02T10:00:00.1234+01:00",
    "2025-01-02T10:00:00+24:00",
    "2025-01-02T10:00:00+00:60",
    "2025-01-02T23:59:60Z",
    "2025-01-02 10:00:00Z",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+05:00",
    [],
    {},
    {"x": 1},
]
ODD: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.floats(),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Ll", "Nd"]), max_size=4),
)


def rows_of(value: Callable[[str], st.SearchStrategy[Any]]) -> st.SearchStrategy[list[Any]]:
    """Lists of rows whose values come from ``value(kind)``; keys and parents may be absent."""

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(st.none(), strategy)

    def obj(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
        return st.fixed_dictionaries({}, optional=fields)

    row = obj(
        {
            "id": maybe(value("int")),
            "metrics": maybe(
                obj(
                    {
                        "spend": maybe(value("float")),
                        "posts": maybe(value("int")),
                        "postedAt": maybe(value("datetime")),
                    }
                )
            ),
            "creator": maybe(obj({"name": maybe(value("str")), "tags": maybe(value("json"))})),
            "day": maybe(value("date")),
            "a": maybe(obj({"b": maybe(obj({"c": maybe(value("float"))}))})),
        }
    )
    return st.lists(row, max_size=6)


@SETTINGS
@given(rows_of(DOCUMENTED.__getitem__))
def test_documented_rows_are_read_by_arrow_and_equal_the_row_path(rows: list[Any]) -> None:
    with counting_row_path() as calls:
        fast, slow = both_paths(rows)
    assert fast == slow
    assert fast[0] == "batch"
    assert calls == []  # Arrow read them: no row went through ``flatten``


@SETTINGS
@given(
    rows_of(lambda kind: st.one_of(DOCUMENTED[kind], ODD)),
    st.lists(st.sampled_from([None, 1, "row", [1]]), max_size=1),
)
def test_any_rows_give_what_the_row_path_gives_batch_or_error(
    rows: list[Any], not_objects: list[Any]
) -> None:
    rows = rows + not_objects
    fast, slow = both_paths(rows)
    assert fast == slow


def test_each_odd_value_in_each_column_gives_what_the_row_path_gives() -> None:
    # Every pairing, not a sample: a row of documented values with one odd value in it.
    documented = {
        "id": 1,
        "metrics": {"spend": 1.5, "posts": 2, "postedAt": "2025-01-02T10:00:00Z"},
        "creator": {"name": "a", "tags": [{"platform": "x", "followers": 1}]},
        "day": "2025-01-02",
        "a": {"b": {"c": 0.5}},
    }
    differ = []
    for column in COLUMNS:
        for value in ODD_VALUES:
            row = copy.deepcopy(documented)
            node = row
            for key in column.path[:-1]:
                node = node[key]
            node[column.path[-1]] = value
            for rows in ([documented, row], [row, row]):  # one odd value; a whole odd column
                fast, slow = both_paths(rows)
                if fast != slow:
                    differ.append((column.name, value, len(rows)))
    assert differ == []


def test_absent_parents_and_keys_are_nulls(row_path_calls: list[int]) -> None:
    rows: list[dict[str, Any]] = [
        {"metrics": None, "a": {"b": None}},
        {"metrics": {}, "a": {}},
        {},
        {"metrics": {"posts": 2, "spend": 1.5}, "a": {"b": {"c": 4}}, "creator": {"tags": []}},
    ]
    batch = batch_from_json(rows, COLUMNS, SCHEMA)
    assert batch.schema == SCHEMA
    nothing = dict.fromkeys(SCHEMA.names)
    assert batch.to_pylist() == [
        nothing,
        nothing,
        nothing,
        {**nothing, "posts": 2, "spend": 1.5, "deep": 4.0, "tags": "[]"},
    ]
    assert row_path_calls == []


def test_an_empty_page_is_an_empty_batch_with_the_schema(row_path_calls: list[int]) -> None:
    batch = batch_from_json([], COLUMNS, SCHEMA)
    assert (batch.num_rows, batch.schema) == (0, SCHEMA)
    assert row_path_calls == []


def test_each_documented_form_keeps_its_value(row_path_calls: list[int]) -> None:
    row = {
        "id": 2**63 - 1,
        "metrics": {"spend": 7, "posts": -3, "postedAt": "2025-01-02T10:00:00.250+05:30"},
        "creator": {"name": "Zoë 🙂", "tags": [{"b": "é", "n": 1}, {"b": "x", "n": 2}]},
        "day": "2024-02-29",
        "a": {"b": {"c": 0.1}},
    }
    (got,) = batch_from_json([row], COLUMNS, SCHEMA).to_pylist()
    assert got == {
        "id": 2**63 - 1,
        "spend": 7.0,
        "posts": -3,
        "name": "Zoë 🙂",
        "tags": '[{"b":"é","n":1},{"b":"x","n":2}]',
        "day": dt.date(2024, 2, 29),
        "posted_at": dt.datetime(2025, 1, 2, 4, 30, 0, 250000, tzinfo=dt.UTC),
        "deep": 0.1,
    }
    assert isinstance(got["spend"], float)
    assert row_path_calls == []


@pytest.mark.parametrize(
    ("column", "value", "stored"),
    [
        ("posts", 3.0, 3),  # a whole float in a count: the count
        ("posts", True, 1),
        ("posts", "3", 3),
        ("spend", "2.5", 2.5),
        ("spend", 2**53 + 1, float(2**53)),  # as Python rounds it, not refused
        ("name", "caf\udce9", "caf\ufffd"),
        ("tags", ["a", {"b": "é"}], '["a",{"b":"é"}]'),  # a JSON array of mixed values
        (
            "posted_at",
            "2025-01-02T10:00:00.123456Z",
            dt.datetime(2025, 1, 2, 10, 0, 0, 123000, tzinfo=dt.UTC),
        ),
        ("posted_at", "2025-01-02T10:00:00+00:60", dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC)),
    ],
)
def test_values_outside_the_documented_forms_go_through_the_row_path(
    column: str, value: Any, stored: Any, row_path_calls: list[int]
) -> None:
    path = next(c.path for c in COLUMNS if c.name == column)
    row: dict[str, Any] = {"id": 1}
    node = row
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    batch = batch_from_json([{"id": 2}, row], COLUMNS, SCHEMA)
    assert batch.column(column).to_pylist() == [None, stored]
    assert batch.column("id").to_pylist() == [2, 1]
    assert row_path_calls == [1]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("posts", 3.5, "3.5 is not a whole number"),
        ("day", "2025-02-30", "day is out of range for month"),
        ("day", "0000-01-01", "year 0 is out of range"),
        ("spend", "many", "could not convert string to float: 'many'"),
    ],
)
def test_a_value_that_fits_neither_path_names_its_column_and_row(
    column: str, value: Any, reason: str
) -> None:
    path = next(c.path for c in COLUMNS if c.name == column)
    row: dict[str, Any] = {}
    node = row
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(BadValueError) as raised:
        batch_from_json([{}, {}, row], COLUMNS, SCHEMA)
    kind = next(c.kind for c in COLUMNS if c.name == column)
    assert str(raised.value) == f"column {column}: {value!r} is not a valid {kind} ({reason})"
    assert (raised.value.index, raised.value.value) == (2, value)


def test_a_row_that_is_not_an_object_has_no_values(row_path_calls: list[int]) -> None:
    rows: list[Any] = [{"id": 1}, None, "text"]  # what a server might send in a list
    batch = batch_from_json(rows, COLUMNS, SCHEMA)
    assert batch.column("id").to_pylist() == [1, None, None]
    assert row_path_calls == [1]


def test_a_schema_that_does_not_match_the_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        batch_from_json([{"id": 1}], COLUMNS, arrow_schema(COLUMNS[:-1]))


def test_the_batch_is_a_record_batch_of_the_given_schema() -> None:
    batch = batch_from_json([{"id": 1}], COLUMNS, SCHEMA)
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema == SCHEMA


def test_times_that_reach_past_year_9999_in_utc_are_stored_as_the_row_path_stores_them(
    row_path_calls: list[int],
) -> None:
    texts = [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
    ]
    rows = [{"metrics": {"postedAt": text}} for text in texts]
    fast, slow = both_paths(rows)
    assert row_path_calls == []
    assert fast == slow
    hour = 3_600_000
    first, last = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01, 9999-12-31T23:59:59.999
    assert fast[2]["posted_at"] == [last + 1 + 4 * hour, first - 5 * hour, first, last]


def test_a_json_column_of_its_own_is_written_as_text_whatever_its_arrays_hold(
    row_path_calls: list[int],
) -> None:
    columns = [Column("id", ("id",), "int"), Column("labels", ("labels",), "json")]
    schema = arrow_schema(columns)
    rows = [{"id": 1, "labels": ["a", {"b": 1}, 2.5]}, {"id": 2, "labels": None}, {"id": 3}]
    batch = batch_from_json(rows, columns, schema)
    assert batch.to_pylist() == [
        {"id": 1, "labels": '["a",{"b":1},2.5]'},
        {"id": 2, "labels": None},
        {"id": 3, "labels": None},
    ]
    assert batch.schema == schema
    assert row_path_calls == []  # the arrays themselves are never given to Arrow to read
