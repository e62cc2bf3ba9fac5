"""Flat, stable columns for every report, derived from the typed models (hence the spec).

- Nested objects become dotted columns (``creatorProfile.fullName``).
- Metrics become one column each, named after the metric, in the order requested (or the
  report's default set), so an empty result still has its header.
- A list of objects (a creator's ``profiles``) becomes one JSON-encoded column.

Each column has a type (``int``, ``float``, ``str``, ``date``, ``datetime``, ``json``)
that the Parquet writer keeps.
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

from later_reporting import _catalog as cat
from later_reporting import models as m

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Report:
    """One exportable report: its SDK method, row model and metrics."""

    name: str
    method: str
    model: type[Any]
    metrics: tuple[str, ...]
    default_metrics: tuple[str, ...]
    metrics_in: str | None = "metrics"  # where metrics live in a row; None: top level
    paginated: bool = True
    accepts_metrics: bool = True
    sortable: tuple[str, ...] = ()


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "instances-performance",
            "instances.performance",
            m.SummaryMetrics,
            cat.SUMMARY,
            cat.SUMMARY,
            metrics_in="",
            paginated=False,
        ),
        Report(
            "timeseries",
            "instances.performance_over_time",
            m.TimeSeriesBucket,
            cat.TIMESERIES,
            cat.TIMESERIES_DEFAULT,
        ),
        Report("campaigns", "campaigns.list", m.Campaign, (), (), accepts_metrics=False),
        Report(
            "campaigns-performance",
            "campaigns.performance",
            m.CampaignPerformance,
            cat.CAMPAIGN,
            cat.CAMPAIGN_DEFAULT,
            sortable=cat.CAMPAIGN_SORT,
        ),
        Report(
            "platforms-performance",
            "platforms.performance",
            m.PlatformPerformance,
            cat.PLATFORM,
            cat.PLATFORM_DEFAULT,
            sortable=cat.PLATFORM,
        ),
        Report(
            "platforms-roi",
            "platforms.return_on_investment",
            m.PlatformReturnOnInvestment,
            cat.ROI,
            cat.ROI,
            paginated=False,
            accepts_metrics=False,
        ),
        Report(
            "creators-performance",
            "creators.performance",
            m.CreatorPerformance,
            cat.CREATOR,
            cat.CREATOR_DEFAULT,
            sortable=cat.CREATOR,
        ),
        Report(
            "posts-performance",
            "posts.performance",
            m.PostPerformance,
            cat.POST,
            cat.POST_DEFAULT,
            metrics_in=None,
            sortable=cat.POST_SORT,
        ),
    )
}


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
        [
            a
            for a in typing.get_args(hint)
            if a is not type(None) and getattr(a, "__name__", "") != "Unset"
        ]
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
    model: type[Any], skip: frozenset[str] = frozenset(), prefix: tuple[str, ...] = ()
) -> list[Column]:
    """Columns of every non-metric field of a model, nested objects flattened."""
    hints = _hints(model)
    out: list[Column] = []
    for field in attrs.fields(model):
        if field.name == "additional_properties":
            continue
        key = camel(field.name)
        if key in skip or key == "metrics":
            continue
        kind, nested = _kind(hints[field.name])
        path = (*prefix, key)
        if nested is not None:
            out.extend(model_columns(nested, frozenset(), path))
        else:
            out.append(Column(".".join(path), path, kind))
    return out


def metric_list(report: Report, requested: Sequence[str] | None) -> tuple[str, ...]:
    if not report.accepts_metrics or requested is None:
        return report.default_metrics
    return tuple(dict.fromkeys(requested))


def columns(report: Report, metrics: Sequence[str]) -> list[Column]:
    """The export columns of a report for the given metrics, in a stable order."""
    if report.metrics_in == "":
        fixed: list[Column] = []
    else:
        fixed = model_columns(
            report.model, frozenset(report.metrics) if report.metrics_in is None else frozenset()
        )
    where: tuple[str, ...] = () if not report.metrics_in else (report.metrics_in,)
    return fixed + [Column(name, (*where, name), "float") for name in metrics]


def value_at(row: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(row, dict):
            return None
        row = row.get(key)
    return row


def flatten(rows: Iterable[Row], cols: list[Column]) -> Iterator[list[Any]]:
    """Each JSON row as a list of column values (JSON columns encoded)."""
    for row in rows:
        values = []
        for col in cols:
            value = value_at(row, col.path)
            if col.kind == "json" and value is not None:
                value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            values.append(value)
        yield values


_ISO_Z = re.compile(r"Z$")


def parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(_ISO_Z.sub("+00:00", value))


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: parse_datetime(v) if isinstance(v, str) else v,
    "date": lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v,
    "int": lambda v: int(v) if v is not None else None,
    "float": lambda v: float(v) if v is not None else None,
}
