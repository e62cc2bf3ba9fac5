"""The one column rule of export, DataFrames and warehouse loads: each report's columns (flat
snake_case names, one kind each), the values a JSON row gives them, and the Arrow type of
each kind.

The rule is documented in ``later_reporting/_rows.py`` and ``docs/architecture.md``; the
Arrow types in ``later_reporting/_arrow.py`` (counts and ids ``int64``, metrics ``float64``,
dates ``date32``, timestamps in milliseconds UTC).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, Union

import attrs
import pyarrow as pa
import pytest

from later_reporting._arrow import BadValueError, arrow_schema, record_batch, require_pyarrow
from later_reporting._operations import OPERATIONS
from later_reporting._rows import (
    CONVERTERS,
    REPORTS,
    Column,
    Report,
    camel,
    clean_text,
    columns,
    flat_name,
    flatten,
    metric_list,
    model_columns,
    parse_datetime,
    snake,
)
from later_reporting.export._report import dotted, row_key

# The columns of each report besides its metrics, with their kinds.
FIXED = {
    "instances-performance": [
        ("filter_start", "date"),
        ("filter_end", "date"),
        ("filter_date_basis", "str"),
        ("filter_instance_ids", "str"),
    ],
    "timeseries": [("start_date", "date"), ("end_date", "date")],
    "campaigns": [
        ("campaign_id", "int"),
        ("campaign_name", "str"),
        ("instance_id", "str"),
        ("description", "str"),
        ("status", "str"),
        ("start_date", "datetime"),
        ("first_post_date", "datetime"),
        ("last_post_date", "datetime"),
    ],
    "platforms-performance": [("platform", "str"), ("content_type", "str")],
    "platforms-roi": [
        ("filter_start", "date"),
        ("filter_end", "date"),
        ("filter_date_basis", "str"),
        ("filter_instance_ids", "str"),
        ("platform", "str"),
    ],
    "creators-performance": [
        ("creator_id", "int"),
        ("creator_full_name", "str"),
        ("creator_profile_picture_url", "str"),
        ("creator_profiles", "json"),
    ],
    "posts-performance": [
        ("post_id", "int"),
        ("post_date", "datetime"),
        ("campaign_id", "int"),
        ("creator_id", "int"),
        ("instance_id", "str"),
        ("content_type", "str"),
        ("content_url", "str"),
        ("content_image_url", "str"),
        ("creator_profile_content_type", "str"),
        ("creator_profile_full_name", "str"),
        ("creator_profile_handle_name", "str"),
        ("creator_profile_profile_image", "str"),
        ("creator_profile_profile_link", "str"),
    ],
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_each_reports_columns_and_kinds(name: str) -> None:
    report = REPORTS[name]
    found = [(c.name, c.kind) for c in columns(report, ("likes", "engagementRate"))]
    # The fixed columns, then one column per metric in the order given.
    assert found == [*FIXED[name], ("likes", "int"), ("engagement_rate", "float")]


def test_metric_columns_sit_where_the_row_keeps_its_metrics() -> None:
    posts = columns(REPORTS["posts-performance"], ("likes",))[-1]
    campaigns = columns(REPORTS["campaigns-performance"], ("likes",))[-1]
    summary = columns(REPORTS["instances-performance"], ("likes",))[-1]
    assert (posts.path, campaigns.path, summary.path) == (
        ("likes",),
        ("metrics", "likes"),
        ("likes",),
    )
    assert columns(REPORTS["campaigns"], ())[0].path == ("campaignId",)


def test_the_dotted_names_of_the_older_style() -> None:
    posts = dotted(columns(REPORTS["posts-performance"], ("engagementRate",)), metrics=1)
    names = [c.name for c in posts]
    assert "creatorProfile.fullName" in names and "postId" in names
    assert names[-1] == "engagementRate"
    summary = dotted(columns(REPORTS["platforms-roi"], ()), metrics=0)
    assert [c.name for c in summary][:2] == ["filter.start", "filter.end"]
    assert flat_name(("creatorProfile", "fullName")) == "creator_profile_full_name"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("engagementRate", "engagement_rate"),
        ("paidCpm", "paid_cpm"),
        ("crosspostedFacebookOnlyViews", "crossposted_facebook_only_views"),
        ("top10Posts", "top10_posts"),
        ("HTTPStatus", "http_status"),
        ("likes", "likes"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake(name) == expected


def test_flat_names_join_the_path() -> None:
    assert flat_name(("creatorProfile", "fullName")) == "creator_profile_full_name"
    assert flat_name(("filter", "dateBasis")) == "filter_date_basis"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("creator_profile", "creatorProfile"), ("a_b_c", "aBC"), ("likes", "likes")],
)
def test_field_names_read_back_as_api_names(name: str, expected: str) -> None:
    assert camel(name) == expected


@attrs.define
class _Nested:
    when: dt.date | None


@attrs.define
class _Every:
    count: int
    ratio: float | None
    flag: bool
    label: str
    day: dt.date
    stamp: dt.datetime | None
    items: list[int]
    nested: _Nested
    metrics: dict[str, float]
    skipped: int
    other: Any = None
    hidden: int = attrs.field(init=False, default=0)
    older: Union[int, None] = None  # noqa: UP007 - the older spelling of `int | None`
    last: float = 0.0


def test_every_kind_of_field() -> None:
    found = [(c.name, c.path, c.kind) for c in model_columns(_Every, frozenset({"skipped"}))]
    assert found == [
        ("count", ("count",), "int"),
        ("ratio", ("ratio",), "float"),
        ("flag", ("flag",), "str"),
        ("label", ("label",), "str"),
        ("day", ("day",), "date"),
        ("stamp", ("stamp",), "datetime"),
        ("items", ("items",), "json"),
        ("nested_when", ("nested", "when"), "date"),
        ("other", ("other",), "str"),
        ("older", ("older",), "int"),
        ("last", ("last",), "float"),
    ]


def test_the_metrics_asked_for_in_order_once_else_the_default_set() -> None:
    posts = REPORTS["posts-performance"]
    assert metric_list(posts, None) == posts.default_metrics
    assert metric_list(posts, ["likes", "cpe", "likes"]) == ("likes", "cpe")
    assert metric_list(posts, []) == ()
    roi = REPORTS["platforms-roi"]  # takes no metrics: always its whole set
    assert not roi.accepts_metrics
    assert metric_list(roi, ["likes"]) == roi.default_metrics


COLS = [
    Column("id", ("id",), "int"),
    Column("name", ("who", "name"), "str"),
    Column("profiles", ("profiles",), "json"),
    Column("rate", ("rate",), "float"),
]


def test_flatten_reads_each_column_of_a_row() -> None:
    rows = [
        {"id": 3.0, "who": {"name": "Zoë"}, "profiles": [{"n": "é", "m": 1}, 2], "rate": 2.0},
        {"id": 3.5, "who": None, "profiles": None, "rate": None},
        {"id": None, "who": "not an object"},
    ]
    assert list(flatten(rows, COLS)) == [
        [3, "Zoë", '[{"n":"é","m":1},2]', 2.0],  # compact JSON, text as it is
        [3.5, None, None, None],
        [None, None, None, None],
    ]
    first = next(flatten(rows, COLS))
    assert type(first[0]) is int and type(first[3]) is float


def test_text_that_cannot_be_encoded_is_replaced_and_reported() -> None:
    told: list[tuple[Any, str]] = []
    rows = [{"id": 1, "who": {"name": "bad \ud800 text"}, "profiles": ["\udfff"]}]
    values = list(flatten(rows, COLS, lambda row, col: told.append((row["id"], col.name))))
    assert values == [[1, "bad \ufffd text", '["\ufffd"]', None]]
    assert told == [(1, "name"), (1, "profiles")]
    assert list(flatten(rows, COLS)) == values  # no one to tell: replaced all the same
    assert clean_text("ünïcödé 😀") is None and clean_text("plain") is None
    assert clean_text("\ud800x\udc00") == "\ufffdx\ufffd"


def test_rows_are_named_by_their_key() -> None:
    assert row_key(REPORTS["posts-performance"], {"postId": 123}) == "postId=123"
    platform = {"platform": "tiktok", "contentType": "video"}
    assert (
        row_key(REPORTS["platforms-performance"], platform) == "platform=tiktok, contentType=video"
    )
    assert row_key(REPORTS["instances-performance"], {}) == "the summary row"


def test_json_values_become_the_values_arrow_stores() -> None:
    assert parse_datetime("2025-01-02T10:00:00.000Z") == dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC)
    assert CONVERTERS["datetime"]("2025-01-02T10:00:00+01:00") == dt.datetime(
        2025, 1, 2, 9, tzinfo=dt.UTC
    )
    assert CONVERTERS["date"]("2025-02-28") == dt.date(2025, 2, 28)
    day = dt.date(2025, 1, 1)
    assert CONVERTERS["date"](day) is day
    assert CONVERTERS["int"](3.0) == 3 and CONVERTERS["int"](7) == 7
    assert CONVERTERS["float"](3) == 3.0
    with pytest.raises(ValueError, match=r"^2\.5 is not a whole number$"):
        CONVERTERS["int"](2.5)


KINDS = [
    Column(kind, (kind,), kind) for kind in ("int", "float", "str", "json", "date", "datetime")
]


def test_each_kind_has_one_arrow_type() -> None:
    assert arrow_schema(KINDS) == pa.schema(
        [
            ("int", pa.int64()),
            ("float", pa.float64()),
            ("str", pa.string()),
            ("json", pa.string()),
            ("date", pa.date32()),
            ("datetime", pa.timestamp("ms", "UTC")),
        ]
    )


def test_a_record_batch_converts_each_value_to_its_column_type() -> None:
    rows = [
        [1.0, 2, "a", "[]", "2025-01-02", "2025-01-02T10:00:00.000Z"],
        [None, None, None, None, None, None],
    ]
    batch = record_batch(rows, KINDS, arrow_schema(KINDS))
    assert batch.schema == arrow_schema(KINDS)
    assert batch.to_pylist() == [
        {
            "int": 1,
            "float": 2.0,
            "str": "a",
            "json": "[]",
            "date": dt.date(2025, 1, 2),
            "datetime": dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC),
        },
        dict.fromkeys(["int", "float", "str", "json", "date", "datetime"]),
    ]


@pytest.mark.parametrize(
    ("kind", "bad", "reason"),
    [
        ("date", "2025-02-30", "day is out of range for month"),
        ("int", 2.5, "2.5 is not a whole number"),
        ("float", "many", "could not convert string to float: 'many'"),
    ],
)
def test_a_value_that_does_not_fit_names_its_column_and_row(
    kind: str, bad: Any, reason: str
) -> None:
    column = next(c for c in KINDS if c.kind == kind)
    rows = [[None] * len(KINDS) for _ in range(3)]
    good = {"date": "2025-01-01", "int": 1, "float": 1.5}[kind]
    rows[0][KINDS.index(column)] = good
    rows[2][KINDS.index(column)] = bad
    with pytest.raises(BadValueError) as raised:
        record_batch(rows, KINDS, arrow_schema(KINDS))
    assert str(raised.value) == f"column {kind}: {bad!r} is not a valid {kind} ({reason})"
    assert (raised.value.column, raised.value.index, raised.value.value) == (column, 2, bad)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_report_is_its_operations_row_of_the_table(name: str) -> None:
    op = OPERATIONS[name]
    report = Report.of(op)
    assert (report.name, report.method, report.model) == (op.export or op.name, name, op.row)
    assert (report.metrics, report.default_metrics) == (op.metrics, op.default_metrics)
    assert (report.metrics_in, report.paginated, report.sortable) == (
        op.metrics_in,
        op.paginated,
        op.sorts,
    )
    assert report.accepts_metrics is (op.metric is not None)
    assert (report.key, report.single_row, report.dated, report.granular) == (
        op.key,
        op.single_row,
        op.dated,
        op.granular,
    )
    if op.export is not None:
        assert REPORTS[op.export] == report


def test_each_column_of_a_batch_has_its_schema_type_even_when_all_null() -> None:
    schema = arrow_schema(KINDS)
    batch = record_batch([[None] * len(KINDS)] * 2, KINDS, schema)
    assert [batch.column(i).type for i in range(len(KINDS))] == [f.type for f in schema]
    whole = record_batch([[1, 2.5, "a", "[]", "2025-01-02", "2025-01-02T10:00:00Z"]], KINDS, schema)
    assert [whole.column(i).type for i in range(len(KINDS))] == [f.type for f in schema]


def test_a_schema_that_does_not_match_the_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        record_batch([[1, 2.5, "a", "[]", None, None]], KINDS, arrow_schema(KINDS[:-1]))


def test_without_pyarrow_the_extra_to_install_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # importing it now fails
    with pytest.raises(RuntimeError) as raised:
        require_pyarrow("Parquet output")
    assert (
        str(raised.value) == "Parquet output needs pyarrow: pip install 'later-reporting[parquet]'"
    )
    with pytest.raises(RuntimeError, match=r"^Arrow output needs pyarrow"):
        arrow_schema(KINDS)


def test_timestamps_finer_than_a_millisecond_are_kept_to_the_millisecond() -> None:
    column = [Column("post_date", ("postDate",), "datetime")]
    batch = record_batch([["2025-01-02T10:00:00.123456Z"]], column, arrow_schema(column))
    assert batch.column(0).to_pylist() == [dt.datetime(2025, 1, 2, 10, 0, 0, 123000, tzinfo=dt.UTC)]
