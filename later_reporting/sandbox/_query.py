"""Query-string parsing and validation: the three array encodings, types, bounds, rules.

Array parameters accept ``a,b,c``, ``key=a&key=b`` and ``key[]=a&key[]=b``; an empty value
(``metrics=``, as in the docs' own examples) counts as the parameter not given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import parse_qsl

from later_reporting._catalog import CONTENT_TYPES, PLATFORM_CONTENT_TYPES, valid_metrics
from later_reporting.sandbox._problems import Problem, invalid

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER = re.compile(r"-?\d{1,18}")
INT64 = re.compile(r"-?\d{1,19}")
INT64_RANGE = (-(2**63), 2**63 - 1)
ARRAYS = frozenset({"instanceIds", "campaignIds", "platform", "contentType", "metrics"})


class Query:
    """The parsed query string of one request."""

    def __init__(self, raw: bytes) -> None:
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise invalid("The query string is not valid UTF-8.") from exc
        self.values: dict[str, list[str]] = {}
        for key, value in pairs:
            name = key[:-2] if key.endswith("[]") else key
            self.values.setdefault(name, []).append(value)

    def has(self, name: str) -> bool:
        return name in self.values

    def array(self, name: str) -> list[str] | None:
        """Values of an array parameter, or None when absent or only empty values."""
        if name not in self.values:
            return None
        items = [part.strip() for raw in self.values[name] for part in raw.split(",")]
        items = [item for item in items if item]
        return items or None

    def scalar(self, name: str) -> str | None:
        values = self.values.get(name)
        if values is None:
            return None
        if len(values) != 1:
            raise invalid(f"'{name}' must be given once.")
        return values[0]

    def date(self, name: str) -> dt.date:
        value = self.scalar(name)
        if value is None:
            raise invalid(f"'{name}' is required (YYYY-MM-DD).")
        if not DATE.fullmatch(value):
            raise invalid(f"'{name}' must be a date in the format YYYY-MM-DD, got '{value}'.")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise invalid(f"'{name}' is not a valid calendar date: '{value}'.") from exc

    def integer(self, name: str, low: int, high: int, default: int | None) -> int | None:
        value = self.scalar(name)
        if value is None:
            return default
        if not INTEGER.fullmatch(value):
            raise invalid(f"'{name}' must be an integer, got '{value}'.")
        number = int(value)
        if not low <= number <= high:
            raise invalid(f"'{name}' must be between {low} and {high}, got {number}.")
        return number

    def choice(self, name: str, allowed: Sequence[str], default: str | None) -> str | None:
        value = self.scalar(name)
        if value is None:
            return default
        if value not in allowed:
            raise invalid(f"'{name}' must be one of {', '.join(allowed)}; got '{value}'.")
        return value

    def choices(self, name: str, allowed: Sequence[str]) -> list[str] | None:
        values = self.array(name)
        if values is None:
            return None
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise invalid(
                f"Unknown '{name}' value(s): {', '.join(unknown)}. "
                f"Valid values are: {', '.join(allowed)}."
            )
        return list(dict.fromkeys(values))

    def campaign_ids(self) -> tuple[int, ...] | None:
        values = self.array("campaignIds")
        if values is None:
            return None
        low, high = INT64_RANGE
        bad = [v for v in values if not INT64.fullmatch(v) or not low <= int(v) <= high]
        if bad:
            raise invalid(f"'campaignIds' must be 64-bit integers; got {', '.join(bad)}.")
        if len(values) > 50:
            raise invalid(f"Maximum of 50 campaignIds allowed (got {len(values)}).")
        return tuple(sorted({int(v) for v in values}))


def date_range(query: Query) -> tuple[dt.date, dt.date]:
    start, end = query.date("startDate"), query.date("endDate")
    if start > end:
        raise invalid(f"'startDate' ({start}) must not be after 'endDate' ({end}).")
    if end >= add_years(start, 2):
        latest = add_years(start, 2) - dt.timedelta(days=1)
        raise invalid(
            f"The date range may span at most two years; {start} to {end} is longer. "
            f"The latest endDate for this startDate is {latest}."
        )
    return start, end


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def content_types(query: Query) -> tuple[str, ...]:
    platforms = query.choices("platform", list(PLATFORM_CONTENT_TYPES))
    types = query.choices("contentType", CONTENT_TYPES)
    if platforms and types:
        raise invalid(
            "'platform' and 'contentType' cannot be combined; provide only one of the two."
        )
    if platforms:
        return tuple(ct for p in platforms for ct in PLATFORM_CONTENT_TYPES[p])
    return tuple(types) if types else CONTENT_TYPES


def metrics(
    query: Query,
    allowed: tuple[str, ...],
    default: tuple[str, ...],
    content: tuple[str, ...],
    *,
    required: bool,
) -> tuple[str, ...]:
    if required and not query.has("metrics"):
        raise invalid(
            "'metrics' is required: name one or more metrics.",
            validMetrics=valid_metrics(allowed, frozenset(content)),
        )
    requested = query.array("metrics")
    if requested is None:
        requested = list(allowed if required else default)
    valid = valid_metrics(allowed, frozenset(content))
    unsupported = [m for m in requested if m not in valid]
    if unsupported:
        raise invalid(
            f"Unsupported metric(s) for the current filters: {', '.join(unsupported)}. "
            f"Valid metrics are: {', '.join(valid)}.",
            validMetrics=valid,
        )
    return tuple(dict.fromkeys(m for m in requested if m in valid))


def sort_property(query: Query, allowed: tuple[str, ...], path: str) -> str | None:
    value = query.scalar("sortProperty")
    if value is None:
        return None
    if value not in allowed:
        ordered = sorted(allowed)
        raise Problem(
            "ANL_00422",
            f"Invalid sortProperty '{value}' for {path}. Valid values are: {', '.join(ordered)}",
            validValues=ordered,
        )
    return value


# --- API variants (the public docs disagree; SandboxConfig picks one) ------------------------

DateBasisSpelling = Literal["post_date", "postDate"]
ArrayEncoding = Literal["comma", "repeat", "brackets"]
ARRAY_ENCODINGS: tuple[ArrayEncoding, ...] = ("comma", "repeat", "brackets")
DATE_BASIS_VALUES: dict[DateBasisSpelling, tuple[str, str]] = {
    "post_date": ("post_date", "performance_date"),
    "postDate": ("postDate", "performanceDate"),
}


def check_variant(spelling: str, encodings: tuple[str, ...]) -> None:
    """Refuse a SandboxConfig naming a variant the sandbox cannot serve."""
    if spelling not in DATE_BASIS_VALUES:
        raise ValueError(
            f"date_basis_spelling must be one of {', '.join(DATE_BASIS_VALUES)}, got {spelling!r}"
        )
    unknown = [e for e in encodings if e not in ARRAY_ENCODINGS]
    if unknown or not encodings:
        raise ValueError(
            f"array_encodings must name one or more of {', '.join(ARRAY_ENCODINGS)}, "
            f"got {encodings!r}"
        )


def date_basis(query: Query, spelling: DateBasisSpelling) -> str:
    """The dateBasis of a query as ``post_date`` or ``performance_date``, whatever the spelling."""
    allowed = DATE_BASIS_VALUES[spelling]
    value = query.scalar("dateBasis")
    if value is None:
        return "post_date"
    if value not in allowed:
        raise invalid(
            f"'dateBasis' must be one of {', '.join(allowed)}; got '{value}'.",
            validValues=list(allowed),
        )
    return DATE_BASIS_VALUES["post_date"][allowed.index(value)]


def check_encodings(raw: bytes, accepted: tuple[str, ...]) -> None:
    """A 400 for an array parameter sent in an encoding this server variant does not accept."""
    if len(accepted) == len(ARRAY_ENCODINGS):
        return
    counts: dict[str, int] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        name = key.removesuffix("[]")
        if name not in ARRAYS:
            continue
        bracketed = key.endswith("[]")
        counts[name] = counts.get(name, 0) + 1
        if (
            (bracketed and "brackets" not in accepted)
            or ("," in value and "comma" not in accepted)
            or (counts[name] > 1 and not bracketed and "repeat" not in accepted)
        ):
            forms = {
                "comma": f"{name}=a,b",
                "repeat": f"{name}=a&{name}=b",
                "brackets": f"{name}[]=a&{name}[]=b",
            }
            raise invalid(
                f"'{key}' is not in an accepted array form; send several values as "
                + " or ".join(forms[e] for e in ARRAY_ENCODINGS if e in accepted)
                + "."
            )
