"""Bodies that break the API's schema: an UnexpectedResponseError naming the operation and the
field, on the typed path and the raw-JSON ``dicts()`` path alike, on both clients. Never a
TypeError or KeyError from deep inside, never rows made of garbage."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import later_reporting as lr
from tests.unit.helpers import BASE, BOTH, drain, jwt, post_row, token_route

GOOD_PAGINATION = {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1}


def reply(path: str, body: dict[str, Any]) -> respx.Router:
    router = respx.Router(base_url=BASE)
    token_route(router, jwt())
    router.get(path).mock(return_value=httpx.Response(200, json=body))
    return router


def listed(**overrides: Any) -> dict[str, Any]:
    return {"data": [post_row(1)], "pagination": dict(GOOD_PAGINATION), **overrides}


def paged(**members: Any) -> dict[str, Any]:
    return listed(pagination={**GOOD_PAGINATION, **members})


LIST_BODIES = [
    ("data-null", {"data": None}, "'data' is null, expected a list of objects"),
    ("data-object", {"data": {"postId": 1}}, "'data' is an object, expected a list"),
    ("data-string", {"data": "rows"}, "'data' is the string 'rows', expected a list"),
    ("row-number", listed(data=[post_row(1), 7]), "'data[1]' is the number 7, expected an object"),
    ("row-null", listed(data=[None]), "'data[0]' is null, expected an object"),
    ("row-list", listed(data=[[1, 2]]), "'data[0]' is a list, expected an object"),
    ("pagination-string", listed(pagination="1/3"), "'pagination' is the string '1/3'"),
    ("pagination-list", listed(pagination=[1, 3]), "'pagination' is a list, expected an object"),
    ("pagination-null", listed(pagination=None), "'pagination' is null, expected an object"),
    ("total-pages-string", paged(totalPages="3"), "'pagination.totalPages' is the string '3'"),
    ("total-pages-float", paged(totalPages=3.5), "'pagination.totalPages' is the number 3.5"),
    ("total-pages-bool", paged(totalPages=True), "'pagination.totalPages' is the boolean true"),
    ("total-items-negative", paged(totalItems=-1), "'pagination.totalItems' is -1"),
    (
        "total-items-missing",
        {**listed(), "pagination": {"page": 1, "pageSize": 100, "totalPages": 1}},
        "'pagination.totalItems' is missing",
    ),
    ("page-size-zero", paged(pageSize=0), "'pagination.pageSize' is 0, expected at least 1"),
    ("cursor-number", listed(nextCursor=42), "'nextCursor' is the number 42"),
    ("cursor-object", listed(nextCursor={"o": 1}), "'nextCursor' is an object"),
]


@BOTH
@pytest.mark.parametrize("how", ["rows", "dicts", "pages"])
@pytest.mark.parametrize(
    ("body", "field"), [c[1:] for c in LIST_BODIES], ids=[c[0] for c in LIST_BODIES]
)
def test_list_bodies_that_break_the_schema(
    kind: str, how: str, body: dict[str, Any], field: str
) -> None:
    router = reply("/v2/posts/performance", body)
    with pytest.raises(lr.UnexpectedResponseError) as info:
        drain(
            kind,
            router,
            lambda c: c.posts.performance(start="2025-01-01", end="2025-01-31"),
            how=how,
        )
    assert str(info.value).startswith("the posts.performance response does not match")
    assert field in str(info.value)


ID_BODIES = [
    ("data-null", {"data": None}, "'data' is null, expected an object"),
    ("data-list", {"data": ["instance_abc"]}, "'data' is a list, expected an object"),
    ("ids-missing", {"data": {}}, "'data.instanceIds' is null, expected a list of strings"),
    ("ids-string", {"data": {"instanceIds": "instance_abc"}}, "'data.instanceIds' is the string"),
    ("id-number", {"data": {"instanceIds": ["a", 7]}}, "'data.instanceIds[1]' is the number 7"),
]


@BOTH
@pytest.mark.parametrize("how", ["rows", "dicts"])
@pytest.mark.parametrize(
    ("body", "field"), [c[1:] for c in ID_BODIES], ids=[c[0] for c in ID_BODIES]
)
def test_instance_lists_that_break_the_schema(
    kind: str, how: str, body: dict[str, Any], field: str
) -> None:
    router = reply("/v2/instances", body)
    with pytest.raises(lr.UnexpectedResponseError) as info:
        drain(kind, router, lambda c: c.instances.list(), how=how)
    assert "the instances.list response does not match" in str(info.value)
    assert field in str(info.value)


SUMMARY_BODIES = [
    ("data-null", {"data": None}, "'data' is null, expected an object"),
    ("data-list", {"data": [{"metrics": {}}]}, "'data' is a list, expected an object"),
    ("metrics-null", {"data": {"metrics": None}}, "'data.metrics' is null, expected an object"),
    ("metrics-list", {"data": {"metrics": [1]}}, "'data.metrics' is a list"),
    (
        "metric-string",
        {"data": {"metrics": {"engagements": "12"}}},
        "'data.metrics.engagements' is the string '12', expected a number or null",
    ),
    (
        "cursor-number",
        {"data": {"metrics": {"engagements": 1}}, "nextCursor": 0},
        "'nextCursor' is the number 0",
    ),
]


@BOTH
@pytest.mark.parametrize(
    ("body", "field"), [c[1:] for c in SUMMARY_BODIES], ids=[c[0] for c in SUMMARY_BODIES]
)
def test_instance_summaries_that_break_the_schema(
    kind: str, body: dict[str, Any], field: str
) -> None:
    router = reply("/v2/instances/performance", body)
    with pytest.raises(lr.UnexpectedResponseError) as info:
        drain(
            kind,
            router,
            lambda c: c.instances.performance(
                start="2025-01-01", end="2025-01-31", metrics=["engagements"]
            ),
            how="result",
        )
    assert "the instances.performance response does not match" in str(info.value)
    assert field in str(info.value)


ROI_BODIES = [
    ("data-null", {"data": None}, "'data' is null, expected a list of objects"),
    ("data-object", {"data": {"platform": "tiktok"}}, "'data' is an object, expected a list"),
    ("row-string", {"data": ["tiktok"]}, "'data[0]' is the string 'tiktok', expected an object"),
]


@BOTH
@pytest.mark.parametrize(
    ("body", "field"), [c[1:] for c in ROI_BODIES], ids=[c[0] for c in ROI_BODIES]
)
def test_return_on_investment_bodies_that_break_the_schema(
    kind: str, body: dict[str, Any], field: str
) -> None:
    router = reply("/v2/platforms/return-on-investment", body)
    with pytest.raises(lr.UnexpectedResponseError) as info:
        drain(
            kind,
            router,
            lambda c: c.platforms.return_on_investment(start="2025-01-01", end="2025-01-31"),
            how="result",
        )
    assert "the platforms.return_on_investment response does not match" in str(info.value)
    assert field in str(info.value)


@BOTH
@pytest.mark.parametrize("how", ["rows", "dicts"])
def test_schema_valid_bodies_still_read(kind: str, how: str) -> None:
    body = listed(nextCursor=None)
    router = reply("/v2/posts/performance", body)
    rows = drain(
        kind, router, lambda c: c.posts.performance(start="2025-01-01", end="2025-01-31"), how=how
    )
    assert len(rows) == 1
    router = reply(
        "/v2/instances/performance", {"data": {"metrics": {"engagements": None, "cpe": 1.5}}}
    )
    summary = drain(
        kind,
        router,
        lambda c: c.instances.performance(
            start="2025-01-01", end="2025-01-31", metrics=["engagements", "cpe"]
        ),
        how="result",
    )
    assert summary.engagements is None and summary.cpe == 1.5
