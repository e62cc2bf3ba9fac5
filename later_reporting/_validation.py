"""Arguments in, checked query values out: every rule the SDK can know before sending.

Each function raises :class:`ValidationError` naming the parameter and what would be valid.
The allowed values come from the generated enums, so they follow the spec.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from later_reporting import _catalog as cat
from later_reporting._errors import ValidationError
from later_reporting._operations import Operation
from later_reporting._seam import ENUMS

MAX_CAMPAIGN_IDS = 50
MAX_INSTANCE_IDS = 500
MAX_ID_LENGTH = 256
PAGE_SIZE_RANGE = (1, 100)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LONG_YEAR = re.compile(r"0*[1-9][0-9]{4,}-[0-9]{2}-[0-9]{2}")


def call_timeout(value: object) -> float | None:
    """A per-call ``timeout``: ``None`` (the client's) or a finite number of seconds > 0."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValidationError(
            "timeout",
            f"must be a finite number of seconds > 0, or None for the client's; got {value!r}",
        )
    return float(value)


def to_date(name: str, value: object) -> dt.date:
    """A ``datetime.date`` or a ``YYYY-MM-DD`` string; datetimes are refused (ambiguous)."""
    if isinstance(value, dt.datetime):
        raise ValidationError(name, "pass a datetime.date, not a datetime (dates are UTC days)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if LONG_YEAR.fullmatch(value):
            raise ValidationError(name, f"{value!r}: years past {dt.MAXYEAR} are not supported")
        if not ISO_DATE.fullmatch(value):
            raise ValidationError(name, f"{value!r} is not a date in the format YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(name, f"{value!r} is not a valid calendar date") from None
    raise ValidationError(
        name, f"expected a datetime.date or 'YYYY-MM-DD', got {type(value).__name__}"
    )


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_range(start: object, end: object) -> tuple[dt.date, dt.date]:
    first, last = to_date("start", start), to_date("end", end)
    if first > last:
        raise ValidationError("end", f"end ({last}) is before start ({first})")
    if first.year + 2 > dt.MAXYEAR:  # two years on is past the calendar: no end is too far
        return first, last
    if last >= add_years(first, 2):
        latest = add_years(first, 2) - dt.timedelta(days=1)
        raise ValidationError(
            "end",
            f"the range {first}..{last} is longer than two years; the latest end for "
            f"this start is {latest} (split the range into several calls)",
        )
    return first, last


def _listed(name: str, values: object) -> list[object]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(name, f"expected a list, got {type(values).__name__} {values!r}")
    return list(values)


def api_metric_name(name: str) -> str:
    """A metric as the API spells it: ``engagement_rate`` is ``engagementRate``.

    Names without an underscore (``engagementRate``, ``cpm``) are returned as they are.
    """
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _metric_spelling(value: object) -> object:
    return api_metric_name(value) if isinstance(value, str) else value


def _as_given(value: object) -> object:
    return value


def enum_value(
    name: str, enum: type[Enum], value: object, spelling: Callable[[object], object] = _as_given
) -> Enum:
    raw = value.value if isinstance(value, Enum) else value
    try:
        return enum(spelling(raw))
    except ValueError:
        valid = ", ".join(str(m.value) for m in enum)
        raise ValidationError(
            name, f"{raw!r} is not valid here; valid values are: {valid}"
        ) from None


def enum_values(
    name: str, enum: type[Enum], values: object, spelling: Callable[[object], object] = _as_given
) -> list[Enum]:
    items = _listed(name, values)
    if not items:
        raise ValidationError(name, "is empty; omit it to mean all, or name at least one value")
    return list(dict.fromkeys(enum_value(name, enum, v, spelling) for v in items))


def instance_ids(values: object) -> list[str]:
    items = _listed("instance_ids", values)
    if not items:
        raise ValidationError("instance_ids", "is empty; omit it to query every instance")
    if len(items) > MAX_INSTANCE_IDS:
        raise ValidationError("instance_ids", f"{len(items)} ids is more than {MAX_INSTANCE_IDS}")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError("instance_ids", f"{item!r} is not a non-empty string")
        if len(item) > MAX_ID_LENGTH or any(ord(c) < 32 for c in item):
            raise ValidationError("instance_ids", f"{item[:40]!r}... is not a plausible id")
    return list(dict.fromkeys(str(i) for i in items))


def campaign_ids(values: object) -> list[int]:
    items = _listed("campaign_ids", values)
    if not items:
        raise ValidationError("campaign_ids", "is empty; omit it to include every campaign")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError("campaign_ids", f"{item!r} is not an integer id")
    unique = list(dict.fromkeys(int(i) for i in items))  # type: ignore[call-overload]
    if len(unique) > MAX_CAMPAIGN_IDS:
        raise ValidationError(
            "campaign_ids",
            f"at most {MAX_CAMPAIGN_IDS} campaign ids per request, got {len(unique)}",
        )
    return unique


def page_size(value: object) -> int:
    low, high = PAGE_SIZE_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            "page_size", f"must be a whole number from {low} to {high}, got {value!r}"
        )
    return value


def max_items(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("max_items", f"must be a whole number >= 1 or None, got {value!r}")
    return value


def supported_for_filters(op: Operation, params: dict[str, Any]) -> None:
    """Metrics restricted to some content types need filters admitting only those."""
    allowed = cat.METRICS_OF[op.metric] if op.metric else ()
    content = cat.admitted(
        [str(p.value) for p in params.get("platform", [])],
        [str(c.value) for c in params.get("content_type", [])],
    )
    valid = cat.valid_metrics(allowed, content)
    unsupported = [str(m.value) for m in params["metrics"] if str(m.value) not in valid]
    if unsupported:
        raise ValidationError(
            "metrics",
            f"{', '.join(unsupported)} not supported for the current platform/content type "
            "filters (restricted to some content types; filter with content_types); "
            f"valid metrics are: {', '.join(valid)}",
        )


def report_params(
    op: Operation,
    *,
    start: object = None,
    end: object = None,
    metrics: object = None,
    instance_ids_: object = None,
    campaign_ids_: object = None,
    platforms: object = None,
    content_types: object = None,
    date_basis: object = None,
    sort_property: object = None,
    sort_direction: object = None,
    granularity: object = None,
) -> dict[str, Any]:
    """The generated function's keyword arguments for one report call."""
    params: dict[str, Any] = {}
    if op.dated:
        params["start_date"], params["end_date"] = date_range(start, end)
    if metrics is not None or op.metrics_required:
        if op.metric is None:
            raise ValidationError("metrics", f"{op.name} takes no metrics")
        if metrics is None:
            raise ValidationError(
                "metrics",
                f"is required for {op.name}; valid values are: "
                + ", ".join(str(m.value) for m in op.metric),
            )
        # the API's names (engagementRate) or their snake_case (engagement_rate)
        params["metrics"] = enum_values("metrics", op.metric, metrics, _metric_spelling)
    if instance_ids_ is not None:
        params["instance_ids"] = instance_ids(instance_ids_)
    if campaign_ids_ is not None:
        params["campaign_ids"] = campaign_ids(campaign_ids_)
    if platforms is not None and content_types is not None:
        raise ValidationError(
            "platforms",
            "platforms and content_types cannot be combined; "
            "a platform already includes all its content types",
        )
    if platforms is not None:
        params["platform"] = enum_values("platforms", ENUMS["platform"], platforms)
    if content_types is not None:
        params["content_type"] = enum_values("content_types", ENUMS["content_type"], content_types)
    if date_basis is not None:
        params["date_basis"] = enum_value("date_basis", ENUMS["date_basis"], date_basis)
    if sort_property is not None:
        if op.sort is None:
            raise ValidationError("sort_property", f"{op.name} is not sortable")
        params["sort_property"] = enum_value("sort_property", op.sort, sort_property)
    if sort_direction is not None:
        params["sort_direction"] = enum_value(
            "sort_direction", ENUMS["sort_direction"], sort_direction
        )
    if "metrics" in params:
        supported_for_filters(op, params)
    if granularity is not None:
        params["granularity"] = enum_value("granularity", ENUMS["granularity"], granularity)
    return params
