"""The client's dialect: pure respelling of request arguments, and what a 400 suggests."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import respx

from later_reporting._dialect import Dialect, ServerDialect
from later_reporting._errors import BadRequestError, error_from_response
from tests.unit import helpers
from tests.unit.helpers import BOTH

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


def test_a_spelling_named_only_among_the_valid_values_is_found() -> None:
    error = problem(400, "Invalid dateBasis.", validValues=["postDate", "performanceDate"])
    assert Dialect().alternative(KWARGS, error) == Dialect(camel_date_basis=True)


@pytest.mark.parametrize(
    "error",
    [
        problem(400, "A parameter is given more than once.", parameter="metrics"),
        problem(400, "Given more than once: metrics", code="REPEATED_PARAMETER"),
        problem(400, "Given more than once:", parameters=["startDate", "metrics"]),
    ],
)
def test_an_array_named_anywhere_in_the_problem_tries_the_next_encoding(error: Any) -> None:
    assert Dialect().alternative(KWARGS, error) == Dialect(arrays="comma")


def test_the_date_basis_spelling_is_tried_before_the_array_encoding() -> None:
    error = problem(400, "'metrics' given more than once; dateBasis must be performanceDate.")
    assert Dialect().alternative(KWARGS, error) == Dialect(camel_date_basis=True)
    both = Dialect(camel_date_basis=True)
    assert both.alternative(KWARGS, error) == Dialect(camel_date_basis=True, arrays="comma")


def test_values_holding_a_comma_are_not_respelled_as_a_comma_list() -> None:
    kwargs = {"params": {"metrics": ["a,b", "c"]}}
    error = problem(400, "'metrics' must be given once, as a comma-separated list.")
    assert Dialect().alternative(kwargs, error) is None


def test_a_date_basis_without_another_spelling_is_sent_as_given() -> None:
    kwargs = {"params": {"dateBasis": "publish_date", "metrics": ["impressions"]}}
    assert Dialect(camel_date_basis=True).apply(kwargs) == kwargs


@pytest.mark.parametrize(
    ("dialect", "message"),
    [
        (Dialect(arrays="brackets"), "dateBasis post_date-style and arrays as k[]=a&k[]=b"),
        (Dialect(camel_date_basis=True), "dateBasis postDate-style and arrays as k=a&k=b"),
    ],
)
def test_the_adopted_dialect_is_logged_as_it_is_spelled(
    dialect: Dialect, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="later_reporting"):
        ServerDialect().adopt(dialect)
    assert [r.getMessage() for r in caplog.records] == [
        f"the server wants {message}; later requests are spelled so"
    ]


@pytest.mark.parametrize(
    "error",
    [
        problem(400, "Unsupported metric(s): avgWatchTime.", validMetrics=["impressions"]),
        problem(400, "'metrics' holds an unknown metric.", validMetrics=["impressions"]),
        problem(400, "'metrics' must be one of impressions.", validValues=["impressions"]),
        problem(400, "'metricsV2' must be given once."),  # another name that starts alike
        problem(400, "'sub_metrics' must be given once."),
        problem(400, "'platform' must be given once."),  # platform has a single value here
        problem(400, "'startDate' must not be after 'endDate'."),
        problem(403, "'metrics' given more than once; dateBasis must be postDate."),
    ],
)
def test_other_problems_suggest_nothing(error: Any) -> None:
    assert Dialect().alternative(KWARGS, error) is None


def wire_metrics(request: httpx.Request) -> list[tuple[str, str]]:
    """The metrics as they were spelled on the wire."""
    return [(k, v) for k, v in request.url.params.multi_items() if k.startswith("metrics")]


SPELLINGS = {
    "repeat": [("metrics", "impressions"), ("metrics", "engagements")],
    "comma": [("metrics", "impressions,engagements")],
    "brackets": [("metrics[]", "impressions"), ("metrics[]", "engagements")],
}


def posts(client: Any) -> Any:
    return client.posts.performance(
        start="2025-01-01", end="2025-01-31", metrics=["impressions", "engagements"]
    )


@BOTH
def test_when_no_spelling_is_accepted_the_first_refusal_is_raised(kind: str) -> None:
    """Every encoding is tried once, in order; the error is the server's first answer."""
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return helpers.problem(400, "ANL_00400", f"'metrics' refused (answer {len(seen)}).")

    with respx.mock(base_url=helpers.BASE, assert_all_called=False) as router:
        helpers.token_route(router)
        router.get("/v2/posts/performance").mock(side_effect=refuse)
        with pytest.raises(BadRequestError) as caught:
            helpers.drain(kind, router, posts)
    assert caught.value.detail == "'metrics' refused (answer 1)."
    assert [wire_metrics(r) for r in seen] == list(SPELLINGS.values())
