"""The client's dialect: pure respelling of request arguments, and what a 400 suggests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from later_reporting._dialect import Dialect
from later_reporting._errors import error_from_response

KWARGS: dict[str, Any] = {
    "method": "get",
    "url": "/v2/posts/performance",
    "params": {
        "startDate": "2025-01-01",
        "dateBasis": "performance_date",
        "metrics": ["impressions", "engagements"],
        "platform": ["tiktok"],
    },
}


def problem(status: int, detail: str, **extensions: Any) -> Any:
    body = {"type": "ANL_00400", "title": "Validation Error", "detail": detail, **extensions}
    request = httpx.Request("GET", "https://api.example.com/v2/posts/performance")
    return error_from_response(httpx.Response(status, json=body, request=request))


@pytest.mark.parametrize(
    ("dialect", "params"),
    [
        (Dialect(), KWARGS["params"]),
        (
            Dialect(camel_date_basis=True),
            {**KWARGS["params"], "dateBasis": "performanceDate"},
        ),
        (Dialect(arrays="comma"), {**KWARGS["params"], "metrics": "impressions,engagements"}),
        (
            Dialect(arrays="brackets"),
            {
                "startDate": "2025-01-01",
                "dateBasis": "performance_date",
                "metrics[]": ["impressions", "engagements"],
                "platform[]": ["tiktok"],
            },
        ),
    ],
)
def test_apply_respells_a_copy(dialect: Dialect, params: dict[str, Any]) -> None:
    before = repr(KWARGS)
    assert dialect.apply(KWARGS) == {**KWARGS, "params": params}
    assert repr(KWARGS) == before


def test_the_other_date_basis_spelling_among_the_valid_values_switches_to_it() -> None:
    error = problem(
        400,
        "'dateBasis' must be one of postDate, performanceDate; got 'performance_date'.",
        validValues=["postDate", "performanceDate"],
    )
    assert Dialect().alternative(KWARGS, error) == Dialect(camel_date_basis=True)
    assert Dialect(camel_date_basis=True).alternative(KWARGS, error) is None


def test_a_problem_naming_a_multi_valued_array_tries_the_next_encoding() -> None:
    error = problem(400, "'metrics' must be given once, as a comma-separated list.")
    assert Dialect().alternative(KWARGS, error) == Dialect(arrays="comma")
    assert Dialect(arrays="comma").alternative(KWARGS, error) == Dialect(arrays="brackets")
    assert Dialect(arrays="brackets").alternative(KWARGS, error) is None


@pytest.mark.parametrize(
    "error",
    [
        problem(400, "Unsupported metric(s): avgWatchTime.", validMetrics=["impressions"]),
        problem(400, "'platform' must be given once."),  # platform has a single value here
        problem(400, "'startDate' must not be after 'endDate'."),
        problem(403, "'metrics' given more than once; dateBasis must be postDate."),
    ],
)
def test_other_problems_suggest_nothing(error: Any) -> None:
    assert Dialect().alternative(KWARGS, error) is None
