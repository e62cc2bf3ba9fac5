"""The facade against the spec: every request it emits validates (openapi-core), responses
built from the spec's schemas parse, and every documented error maps to its class."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import httpx
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

import later_reporting as lr
from contract_tests.spec_support import SPEC_PATH, load_spec, resolve

SPEC = OpenAPI.from_file_path(str(SPEC_PATH))
BASE = "https://reporting.api.later.com"


def validate_request(request: httpx.Request) -> None:
    prepared = requests.Request(
        request.method,
        str(request.url),
        headers=dict(request.headers),
        data=request.content or None,
    ).prepare()
    SPEC.validate_request(RequestsOpenAPIRequest(prepared))


def example_of(schema: Any, variant: int, depth: int = 0) -> Any:
    """A value of ``schema``; ``variant`` alternates nulls and optional members."""
    schema = resolve(schema)
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "null" in kinds and variant % 2:
        return None
    kind = next(k for k in kinds if k != "null")
    if "enum" in schema:
        return schema["enum"][variant % len(schema["enum"])]
    if kind == "object":
        out = {}
        for name, sub in schema.get("properties", {}).items():
            if name in schema.get("required", []) or (variant + len(name)) % 3:
                out[name] = example_of(sub, variant + len(name), depth + 1)
        return out
    if kind == "array":
        return [example_of(schema["items"], variant + i, depth + 1) for i in range(2)]
    if kind == "integer":
        return 7 + variant
    if kind == "number":
        return 1.5 * variant
    if schema.get("format") == "date":
        return "2025-01-0" + str(1 + variant % 9)
    if schema.get("format") == "date-time":
        return "2025-01-01T10:00:00.000Z"
    return f"text-{variant}"


def recording_client(bodies: dict[str, Any], seen: list[httpx.Request]) -> lr.Client:
    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(200, json=bodies[request.url.path])

    return lr.Client(
        client_id="c",
        client_secret="s",
        base_url=BASE,
        rate_limit=None,
        transport=httpx.MockTransport(reply),
    )


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("instances.list", {}),
    (
        "instances.performance",
        {
            "start": dt.date(2025, 1, 1),
            "end": "2025-12-31",
            "metrics": ["engagements", "cpe"],
            "campaign_ids": [1, 2],
            "platforms": ["instagram"],
            "date_basis": "performance_date",
        },
    ),
    (
        "instances.performance_over_time",
        {
            "start": "2025-01-01",
            "end": "2025-12-31",
            "granularity": "quarter",
            "content_types": ["tiktok", "instagram_reel"],
        },
    ),
    ("campaigns.list", {"instance_ids": ["instance_abc"]}),
    (
        "campaigns.performance",
        {
            "start": "2025-01-01",
            "end": "2025-01-31",
            "sort_property": "estimatedRoi",
            "sort_direction": "ASC",
            "metrics": ["estimatedRoi", "paidCost"],
        },
    ),
    (
        "platforms.performance",
        {"start": "2025-01-01", "end": "2025-01-31", "sort_property": "views"},
    ),
    (
        "platforms.return_on_investment",
        {"start": "2025-01-01", "end": "2025-01-31", "instance_ids": ["a", "b"]},
    ),
    (
        "creators.performance",
        {
            "start": "2025-01-01",
            "end": "2025-01-31",
            "metrics": ["avgWatchTime"],
            "content_types": ["instagram_reel"],
            "page_size": 10,
        },
    ),
    (
        "posts.performance",
        {
            "start": "2025-01-01",
            "end": "2025-01-31",
            "sort_property": "postDate",
            "metrics": ["followersAtPostDate"],
        },
    ),
]
PATHS = {
    "instances.list": "/v2/instances",
    "instances.performance": "/v2/instances/performance",
    "instances.performance_over_time": "/v2/instances/performance-over-time",
    "campaigns.list": "/v2/campaigns",
    "campaigns.performance": "/v2/campaigns/performance",
    "platforms.performance": "/v2/platforms/performance",
    "platforms.return_on_investment": "/v2/platforms/return-on-investment",
    "creators.performance": "/v2/creators/performance",
    "posts.performance": "/v2/posts/performance",
}


def bodies_for(variant: int) -> dict[str, Any]:
    spec = load_spec()
    out = {}
    for path in PATHS.values():
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        body = example_of(schema, variant)
        if isinstance(body.get("pagination"), dict):
            body["pagination"].update(page=1, totalPages=1, totalItems=2)
        body["nextCursor"] = None
        out[path] = body
    return out


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
@pytest.mark.parametrize(("method", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_requests_validate_and_generated_responses_parse(
    method: str, kwargs: dict[str, Any], variant: int
) -> None:
    seen: list[httpx.Request] = []
    with recording_client(bodies_for(variant), seen) as client:
        resource, name = method.split(".")
        result = getattr(getattr(client, resource), name)(**kwargs)
        rows = list(result) if isinstance(result, lr.Paginator) else result
        assert rows is not None
    assert [r.url.path for r in seen] == ["/oauth/token", PATHS[method]]
    for request in seen:
        validate_request(request)


def test_a_response_missing_a_required_member_is_an_unexpected_response() -> None:
    body = {
        "data": [{"postId": 1}],
        "pagination": {"page": 1, "pageSize": 1, "totalPages": 1, "totalItems": 1},
    }
    with (
        recording_client({"/v2/posts/performance": body}, []) as client,
        pytest.raises(lr.UnexpectedResponseError, match="does not match the API's schema"),
    ):
        list(client.posts.performance(start="2025-01-01", end="2025-01-31"))


ERRORS = [
    (400, "ANL_00400", {}, lr.BadRequestError),
    (400, "ANL_00400", {"validMetrics": ["a"]}, lr.UnsupportedMetricError),
    (400, "ANL_00422", {"validValues": ["a"]}, lr.InvalidSortPropertyError),
    (401, "ANL_00401", {}, lr.AuthenticationError),
    (403, "ANL_00403", {}, lr.InstanceAccessDenied),
    (404, "ANL_00404", {}, lr.NotFoundError),
    (429, "ANL_00429", {}, lr.RateLimitedError),
    (500, "ANL_00500", {}, lr.ServerError),
]


@pytest.mark.parametrize(
    ("status", "type_", "extra", "expected"),
    ERRORS,
    ids=[e[1] + str(i) for i, e in zip(itertools.count(), ERRORS)],
)
def test_every_documented_error_maps_to_its_class(
    status: int, type_: str, extra: dict[str, Any], expected: type[Exception]
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(
            status,
            json={"type": type_, "title": "t", "detail": "d", **extra},
            headers={"content-type": "application/problem+json"},
        )

    with (
        lr.Client(
            client_id="c",
            client_secret="s",
            base_url=BASE,
            max_retries=0,
            transport=httpx.MockTransport(reply),
        ) as client,
        pytest.raises(expected),
    ):
        list(client.posts.performance(start="2025-01-01", end="2025-01-31"))


def test_the_request_validator_rejects_requests_off_the_spec() -> None:
    bad = httpx.Request(
        "GET",
        f"{BASE}/v2/posts/performance?startDate=2025-01-01&endDate=2025-01-31&pageSize=500",
        headers={"Authorization": "Bearer x"},
    )
    with pytest.raises(Exception, match=r"pageSize|validat"):
        validate_request(bad)
