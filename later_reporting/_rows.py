"""Flat, stable columns for every report, derived from the typed models (hence the spec).

- Every column is named by :func:`flat_name`: flat snake_case, nested objects joined with
  ``_`` (``creatorProfile.fullName`` -> ``creator_profile_full_name``). (Export's deprecated
  ``--dotted-names`` renames them from each column's ``path``; see ``export._report``.)
- Metrics become one column each, in the order requested (or the report's default set), so
  an empty result still has its header.
- A list of objects (a creator's ``profiles``) becomes one JSON-encoded column.
- Single-row reports (the instance summary, ROI per platform) carry the filter that produced
  them (``filter_start``, ``filter_end``, ``filter_date_basis``, ``filter_instance_ids``), so
  files appended day after day keep their meaning.

Each column has a kind (``int``, ``float``, ``str``, ``date``, ``datetime``, ``json``) that
``_arrow`` maps to one Arrow type. Metrics that count things (:data:`COUNT_METRICS`) are
``int``; rates, ratios, money and durations are ``float``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import attrs
import later_reporting_api.models as generated

from later_reporting._operations import EXPORTED, Operation

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    kind: str


COUNT_METRICS = frozenset(
    {
        "likes",
        "comments",
        "shares",
        "clicks",
        "saves",
        "impressions",
        "reach",
        "engagements",
        "views",
        "totalInteractions",
        "replies",
        "reposts",
        "potentialReach",
        "followersAtPostDate",
        "crosspostedViews",
        "crosspostedFacebookOnlyViews",
        "navigationTapExit",
        "navigationTapBack",
        "navigationTapForward",
        "navigationSwipeForward",
        "postsCount",
        "influencersCount",
        "paidLikes",
        "paidComments",
        "paidShares",
        "paidClicks",
        "paidImpressions",
        "paidEngagements",
        "paidViews",
        "paidReach",
        "paidSaves",
        "paidPostsCount",
        "paidInfluencersCount",
        "paidInitialPlays",
        "trackingLinksClicks",
        "trackingLinksConversions",
        "affiliateLinksClicks",
        "affiliateLinksConversions",
    }
)
"""Metrics that count things (posts, people, interactions): whole numbers, ``int`` columns.

The spec types every metric as ``number``; its descriptions make these counts. Everything
else (rates such as ``engagementRate``, ratios such as ``impressionsPerPost`` or
``estimatedRoi``, money such as ``cpe`` or ``affiliateLinksSales``, durations such as
``videoViewTotalTime``) stays ``float``.
"""

FILTER_COLUMNS = (
    ("start", "date"),
    ("end", "date"),
    ("dateBasis", "str"),
    ("instanceIds", "str"),
)
"""The filter context prepended to single-row reports, under the ``filter`` prefix."""


def metric_kind(name: str) -> str:
    """``int`` for a count metric, ``float`` for every other metric."""
    return "int" if name in COUNT_METRICS else "float"


@dataclass(frozen=True)
class Report:
    """One exportable report: its operation's row of the table, as export and dlt read it."""

    name: str
    method: str
    model: type[Any]
    metrics: tuple[str, ...]
    default_metrics: tuple[str, ...]
    metrics_in: str | None = "metrics"  # where metrics live in a row; None: top level
    paginated: bool = True
    accepts_metrics: bool = True
    sortable: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # the columns naming a row in messages
    single_row: bool = False  # one summary (per platform) for the whole filter
    dated: bool = True  # takes a start and an end
    granular: bool = False  # takes a granularity (time buckets)

    @classmethod
    def of(cls, op: Operation) -> Report:
        return cls(
            name=op.export or op.name,
            method=op.name,
            model=op.row,
            metrics=op.metrics,
            default_metrics=op.default_metrics,
            metrics_in=op.metrics_in,
            paginated=op.paginated,
            accepts_metrics=op.metric is not None,
            sortable=op.sorts,
            key=op.key,
            single_row=op.single_row,
            dated=op.dated,
            granular=op.granular,
        )


REPORTS: dict[str, Report] = {name: Report.of(op) for name, op in EXPORTED.items()}
"""Every exportable report by its export name, read from the operation table."""


_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """``engagementRate`` -> ``engagement_rate``; ``paidCpm`` -> ``paid_cpm``."""
    return _WORD_BREAK.sub("_", name).lower()


def flat_name(path: Sequence[str]) -> str:
    """The one column-naming rule (export, DataFrames, warehouse loads): flat snake_case.

    ``("creatorProfile", "fullName")`` -> ``creator_profile_full_name``: no dots, so BI tools
    and warehouses take the name as it is.
    """
    return "_".join(snake(part) for part in path)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _kind(hint: Any) -> tuple[str, type[Any] | None]:
    """Column kind of a type hint, and the nested attrs class if it is one."""
    args = (
        [a for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        else [hint]
    )
    target = args[0] if args else str
    if attrs.has(target):
        return "object", target
    origin = typing.get_origin(target)
    if origin is list:
        return "json", None
    if target is dt.datetime:
        return "datetime", None
    if target is dt.date:
        return "date", None
    if target is bool:
        return "str", None
    if target is int:
        return "int", None
    if target is float:
        return "float", None
    return "str", None


def _hints(model: type[Any]) -> dict[str, Any]:
    namespace = {**vars(sys.modules[model.__module__]), **vars(generated)}
    return typing.get_type_hints(model, globalns=namespace)


def model_columns(
    model: type[Any],
    skip: frozenset[str] = frozenset(),
    prefix: tuple[str, ...] = (),
) -> list[Column]:
    """Columns of every non-metric field of a model, nested objects flattened."""
    hints = _hints(model)
    out: list[Column] = []
    for field in attrs.fields(model):
        if not field.init:  # bookkeeping, not data: additional_properties, _null_fields
            continue
        key = camel(field.name)
        if key in skip or key == "metrics":
            continue
        kind, nested = _kind(hints[field.name])
        path = (*prefix, key)
        if nested is not None:
            out.extend(model_columns(nested, frozenset(), path))
        else:
            out.append(Column(flat_name(path), path, kind))
    return out


def metric_list(report: Report, requested: Sequence[str] | None) -> tuple[str, ...]:
    if not report.accepts_metrics or requested is None:
        return report.default_metrics
    return tuple(dict.fromkeys(requested))


def columns(report: Report, metrics: Sequence[str]) -> list[Column]:
    """The export columns of a report for the given metrics, in a stable order.

    Metric columns are named after the metric alone (``metrics.postsCount`` is
    ``posts_count``); single-row reports start with the filter columns.
    """
    context = (
        [
            Column(flat_name(("filter", name)), ("filter", name), kind)
            for name, kind in FILTER_COLUMNS
        ]
        if report.single_row
        else []
    )
    if report.metrics_in == "":
        fixed: list[Column] = []
    else:
        fixed = model_columns(
            report.model,
            frozenset(report.metrics) if report.metrics_in is None else frozenset(),
        )
    where: tuple[str, ...] = () if not report.metrics_in else (report.metrics_in,)
    return (
        context
        + fixed
        + [Column(flat_name((name,)), (*where, name), metric_kind(name)) for name in metrics]
    )


def value_at(row: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(row, dict):
            return None
        row = row.get(key)
    return row


Replaced = Callable[[Row, "Column"], None]
"""Told of a row and column whose text could not be encoded and had characters replaced."""


_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, only ever a lone one


def clean_text(value: str) -> str | None:
    """``value`` with lone surrogates replaced by U+FFFD, or None when it was clean."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return None


def json_text(value: Any) -> str:
    """A ``json`` column's value: compact JSON, non-ASCII kept as it is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def flatten(
    rows: Iterable[Row], cols: list[Column], on_replaced: Replaced | None = None
) -> Iterator[list[Any]]:
    """Each JSON row as a list of column values (JSON columns encoded).

    Whole-valued numbers in ``int`` columns become ints (``3.0`` -> ``3``); text that cannot
    be encoded (a lone surrogate) has those characters replaced by U+FFFD, and
    ``on_replaced(row, column)`` is told.
    """
    for row in rows:
        values = []
        for col in cols:
            value = value_at(row, col.path)
            if col.kind == "json" and value is not None:
                value = json_text(value)
            if isinstance(value, str):
                cleaned = clean_text(value)
                if cleaned is not None:
                    value = cleaned
                    if on_replaced is not None:
                        on_replaced(row, col)
            elif col.kind == "int" and isinstance(value, float) and value.is_integer():
                value = int(value)
            values.append(value)
        yield values


_ISO_Z = re.compile(r"Z$")


def parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(_ISO_Z.sub("+00:00", value))


def _whole(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: parse_datetime(v) if isinstance(v, str) else v,
    "date": lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v,
    "int": _whole,
    "float": float,
}
"""Column kind -> conversion of a JSON value to the Python value Arrow stores (not None)."""
