"""The spec is valid OpenAPI 3.1, its examples validate, and it carries everything the seeds say.

The tables below are transcribed from the vendor's docs pages in ``../shared/seeds`` (the file
prefix names the page). A future edit of the spec that drops any of these fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version

from contract_tests.spec_support import (
    load_spec,
    operations,
    parameters,
    resolve,
    schema_properties,
    seed_json_examples,
    seed_text,
    validator_for,
)

# --- validity ------------------------------------------------------------------------------


def test_spec_is_valid_openapi_3_1() -> None:
    spec = load_spec()
    assert str(get_spec_version(spec)) == "OpenAPIV3.1"
    validate(spec)


def _examples() -> list[tuple[str, dict[str, Any], Any]]:
    found: list[tuple[str, dict[str, Any], Any]] = []
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            for media, content in resolve(response).get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    found.append(
                        (
                            f"{method} {path} {status} {media} {name}",
                            content["schema"],
                            example["value"],
                        )
                    )
        body = operation.get("requestBody", {}).get("content", {})
        for media, content in body.items():
            for name, example in content.get("examples", {}).items():
                found.append(
                    (f"{method} {path} request {media} {name}", content["schema"], example["value"])
                )
        for parameter in operation.get("parameters", []):
            parameter = resolve(parameter)
            if "example" in parameter:
                found.append(
                    (
                        f"{method} {path} parameter {parameter['name']}",
                        parameter["schema"],
                        parameter["example"],
                    )
                )
    return found


EXAMPLES = _examples()


def test_spec_has_examples_for_the_seeded_operations() -> None:
    described = {label.split()[1] for label, _, _ in EXAMPLES if " 200 " in label}
    assert {
        "/oauth/token",
        "/v2/instances",
        "/v2/instances/performance",
        "/v2/instances/performance-over-time",
        "/v2/campaigns",
        "/v2/posts/performance",
    } <= described


@pytest.mark.parametrize(("label", "schema", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_every_example_validates_against_its_schema(label: str, schema: Any, value: Any) -> None:
    errors = sorted(validator_for(schema).iter_errors(value), key=str)
    assert not errors, f"{label}: " + "; ".join(e.message for e in errors)


def test_an_invalid_example_would_be_caught() -> None:
    schema = {"$ref": "#/components/schemas/PostPerformanceResponse"}
    broken = {"data": [{"postId": "not-an-integer"}], "pagination": {"page": 1}}
    assert list(validator_for(schema).iter_errors(broken))


# --- the seeds, as tables ---------------------------------------------------------------------

OPERATIONS = [  # (seed, method, path)
    ("003", "post", "/oauth/token"),
    ("003", "get", "/v2/instances"),
    ("003", "get", "/v2/instances/performance"),
    ("003", "get", "/v2/instances/performance-over-time"),
    ("003", "get", "/v2/campaigns"),
    ("003", "get", "/v2/campaigns/performance"),
    ("003", "get", "/v2/platforms/performance"),
    ("003", "get", "/v2/platforms/return-on-investment"),
    ("003", "get", "/v2/creators/performance"),
    ("003", "get", "/v2/posts/performance"),
]

FILTERS = [
    "startDate",
    "endDate",
    "instanceIds",
    "campaignIds",
    "platform",
    "contentType",
    "dateBasis",
]
PARAMETERS = [  # (seed, path, parameter, required)
    *[
        ("000", "/v2/instances/performance", name, name in ("startDate", "endDate"))
        for name in FILTERS
    ],
    ("000", "/v2/instances/performance", "metrics", True),
    *[
        ("001", "/v2/instances/performance-over-time", name, name in ("startDate", "endDate"))
        for name in [*FILTERS, "pageSize", "pageNumber", "granularity"]
    ],
    *[
        ("002", "/v2/posts/performance", name, name in ("startDate", "endDate"))
        for name in [*FILTERS, "pageSize", "pageNumber", "sortProperty", "sortDirection"]
    ],
    *[
        ("003", "/v2/campaigns/performance", name, name in ("startDate", "endDate"))
        for name in [
            "startDate",
            "endDate",
            "instanceIds",
            "pageNumber",
            "pageSize",
            "sortProperty",
            "sortDirection",
        ]
    ],
    *[
        ("003", "/v2/creators/performance", name, name in ("startDate", "endDate"))
        for name in ["startDate", "endDate", "instanceIds"]
    ],
    ("003", "/v2/instances", "pageNumber", False),
    ("003", "/v2/instances", "pageSize", False),
]

PLATFORMS = ["instagram", "tiktok", "facebook", "youtube", "twitter"]
CONTENT_TYPES = [
    "instagram_post",
    "instagram_reel",
    "instagram_story",
    "facebook_post",
    "facebook_live",
    "facebook_group",
    "facebook_reel",
    "tiktok",
    "youtube_video",
    "youtube_shorts",
]
SUMMARY_METRICS = [
    "engagements",
    "impressions",
    "engagementRate",
    "postsCount",
    "reach",
    "views",
    "estimatedValueGenerated",
    "estimatedContentCost",
    "campaignsCost",
    "returnOnInvestment",
    "cpe",
    "cpm",
    "paidEngagements",
    "paidImpressions",
    "paidEngagementRate",
    "paidPostsCount",
    "paidViews",
    "paidAdSpend",
    "paidReturnOnAdSpend",
    "paidCpe",
    "paidCpm",
    "trackingLinksClicks",
    "trackingLinksConversions",
    "trackingLinksConversionValue",
    "affiliateLinksClicks",
    "affiliateLinksConversions",
    "affiliateLinksSales",
]
POST_SORT = [
    "engagements",
    "impressions",
    "engagementRate",
    "estimatedValueGenerated",
    "cpe",
    "cpm",
    "postDate",
    "paidEngagements",
    "paidImpressions",
    "paidEngagementRate",
    "paidCpe",
    "paidCpm",
]
ENUMS = [  # (seed, path, parameter, values)
    *[
        ("000", p, "platform", PLATFORMS)
        for p in (
            "/v2/instances/performance",
            "/v2/instances/performance-over-time",
            "/v2/posts/performance",
        )
    ],
    *[
        ("000", p, "contentType", CONTENT_TYPES)
        for p in (
            "/v2/instances/performance",
            "/v2/instances/performance-over-time",
            "/v2/posts/performance",
        )
    ],
    ("000", "/v2/instances/performance", "dateBasis", ["post_date", "performance_date"]),
    ("000", "/v2/instances/performance", "metrics", SUMMARY_METRICS),
    (
        "001",
        "/v2/instances/performance-over-time",
        "granularity",
        ["year", "quarter", "month", "week", "day"],
    ),
    ("002", "/v2/posts/performance", "sortDirection", ["ASC", "DESC"]),
    ("002", "/v2/posts/performance", "sortProperty", POST_SORT),
    ("003", "/v2/campaigns/performance", "sortProperty", ["estimatedRoi"]),
]
# Metric names the pages mention in prose, with the operation whose metrics must include them.
METRIC_MENTIONS = [
    ("000", "/v2/instances/performance", ["engagements", "impressions", "reach", "views"]),
    (
        "001",
        "/v2/instances/performance-over-time",
        [
            "likes",
            "comments",
            "shares",
            "engagements",
            "impressions",
            "paidLikes",
            "paidComments",
            "paidShares",
            "paidEngagements",
            "paidImpressions",
        ],
    ),
    (
        "002",
        "/v2/posts/performance",
        [
            "engagements",
            "impressions",
            "engagementRate",
            "estimatedValueGenerated",
            "cpe",
            "cpm",
            "paidEngagements",
            "paidImpressions",
            "paidEngagementRate",
            "paidCpe",
            "paidCpm",
        ],
    ),
    (
        "002",
        "*",
        [
            "trackingLinksClicks",
            "trackingLinksConversions",
            "affiliateLinksClicks",
            "affiliateLinksSales",
            "affiliateLinksRoi",
        ],
    ),
    ("000", "*", ["crosspostedFacebookOnlyViews"]),
    *[
        ("003", p, ["paidImpressions", "paidEngagementRate", "paidCpm"])
        for p in ("/v2/campaigns/performance", "/v2/platforms/performance", "/v2/posts/performance")
    ],
    ("000", "/v2/platforms/return-on-investment", ["paidReturnOnAdSpend"]),
]
BOUNDS = [  # (seed, path, parameter, keyword, value)
    ("001", "/v2/instances/performance-over-time", "pageSize", "minimum", 1),
    ("001", "/v2/instances/performance-over-time", "pageSize", "maximum", 100),
    ("001", "/v2/instances/performance-over-time", "pageSize", "default", 50),
    ("001", "/v2/instances/performance-over-time", "pageNumber", "minimum", 1),
    ("001", "/v2/instances/performance-over-time", "pageNumber", "maximum", 500),
    ("002", "/v2/posts/performance", "pageSize", "maximum", 100),
    ("000", "/v2/instances/performance", "campaignIds", "maxItems", 50),
    ("002", "/v2/posts/performance", "sortDirection", "default", "DESC"),
    ("000", "/v2/instances/performance", "dateBasis", "default", "post_date"),
    ("001", "/v2/instances/performance-over-time", "granularity", "default", "month"),
]
TOKEN_CODES = ["INVALID_CLIENT_CREDENTIALS", "CLIENT_DISABLED", "NO_ACCESSIBLE_INSTANCES"]
ERROR_TYPES = ["ANL_00400", "ANL_00422", "ANL_00401", "ANL_00403", "ANL_00404", "ANL_00500"]


def _metric_enum(path: str) -> set[str]:
    spec = load_spec()
    if path == "/v2/platforms/return-on-investment":
        return set(
            resolve(spec["components"]["schemas"]["ReturnOnInvestmentMetrics"])["properties"]
        )
    items = resolve(parameters(path)["metrics"]["schema"]["items"])
    return set(items["enum"])


def _param_schema(path: str, name: str) -> dict[str, Any]:
    schema = resolve(parameters(path)[name]["schema"])
    return dict(schema)


@pytest.mark.parametrize(("seed", "method", "path"), OPERATIONS)
def test_seeded_operation_is_in_spec(seed: str, method: str, path: str) -> None:
    assert path in seed_text(seed), f"table row not backed by seed {seed}"
    assert method in load_spec()["paths"][path]


def test_spec_has_exactly_the_ten_operations() -> None:
    assert sorted((m, p) for p, m, _ in operations()) == sorted((m, p) for _, m, p in OPERATIONS)


@pytest.mark.parametrize(("seed", "path", "name", "required"), PARAMETERS)
def test_seeded_parameter_is_in_spec(seed: str, path: str, name: str, required: bool) -> None:
    squashed = seed_text(seed).replace(" ", "").replace("\n", "")
    assert name in squashed, f"table row not backed by seed {seed}"
    declared = parameters(path)
    assert name in declared, f"{path} lacks parameter {name}"
    assert declared[name].get("required", False) is required


@pytest.mark.parametrize(("seed", "path", "name", "values"), ENUMS)
def test_seeded_enum_values_are_in_spec(seed: str, path: str, name: str, values: list[str]) -> None:
    schema = _param_schema(path, name)
    enum = (
        set(resolve(schema["items"])["enum"])
        if schema.get("type") == "array"
        else set(schema["enum"])
    )
    assert set(values) <= enum, f"{path} {name} lacks {sorted(set(values) - enum)}"


@pytest.mark.parametrize(("seed", "path", "names"), METRIC_MENTIONS)
def test_seeded_metric_names_are_in_spec(seed: str, path: str, names: list[str]) -> None:
    text = seed_text(seed)
    assert all(n in text for n in names), f"table row not backed by seed {seed}"
    if path == "*":
        everywhere = set().union(
            *(
                _metric_enum(p)
                for p in (
                    "/v2/campaigns/performance",
                    "/v2/creators/performance",
                    "/v2/posts/performance",
                    "/v2/platforms/performance",
                )
            )
        )
        assert set(names) <= everywhere
    else:
        assert set(names) <= _metric_enum(path), sorted(set(names) - _metric_enum(path))


@pytest.mark.parametrize(("seed", "path", "name", "keyword", "value"), BOUNDS)
def test_seeded_bounds_are_in_spec(
    seed: str, path: str, name: str, keyword: str, value: object
) -> None:
    assert _param_schema(path, name)[keyword] == value


def test_array_parameters_use_repeated_keys_and_document_three_encodings() -> None:
    for path, _, operation in operations():
        for parameter in map(resolve, operation.get("parameters", [])):
            if resolve(parameter["schema"]).get("type") == "array":
                assert parameter.get("style", "form") == "form", (path, parameter["name"])
                assert parameter.get("explode", True) is True, (path, parameter["name"])
                assert "param[]=a&param[]=b" in parameter["description"]


def test_every_report_requires_bearer_jwt_and_token_endpoint_does_not() -> None:
    spec = load_spec()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    for path, _, operation in operations():
        assert ("security" in operation) == (path == "/oauth/token")
    assert spec["paths"]["/oauth/token"]["post"]["security"] == []


@pytest.mark.parametrize(
    ("path", "method", "operation"), list(operations()), ids=[p for p, _, _ in operations()]
)
def test_errors_are_problem_json_on_documented_statuses(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    expected = (
        {"400", "401", "403", "429", "500"}
        if path == "/oauth/token"
        else {"400", "401", "403", "404", "429", "500"}
    )
    responses = operation["responses"]
    assert expected <= set(responses)
    for status in expected:
        content = resolve(responses[status])["content"]
        assert list(content) == ["application/problem+json"]
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
        assert {"X-Ratelimit-Limit", "X-Ratelimit-Window"} <= set(
            resolve(responses[status])["headers"]
        )


def test_problem_schema_carries_the_documented_members() -> None:
    problem = load_spec()["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "detail"}
    assert {"code", "validMetrics", "validValues"} <= set(problem["properties"])
    assert problem["additionalProperties"] is True
    assert "status" not in problem["properties"]
    text = str(load_spec())
    for name in [*TOKEN_CODES, *ERROR_TYPES, "ANL_00429"]:
        assert name in text


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_every_field_of_every_seed_example_is_in_the_response_schema(seed: str) -> None:
    spec = load_spec()
    checked = 0
    for path, example in seed_json_examples(seed):
        if path is None or not isinstance(example, dict) or "clientId" in example:
            continue
        method = "post" if path == "/oauth/token" else "get"
        schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        if example == {"data": {}, "pagination": {}}:
            # The v1 migration note's generic envelope: every paginated report declares it.
            for name in ("InstanceListResponse", "PostPerformanceResponse", "TimeSeriesResponse"):
                assert {"data", "pagination"} <= set(
                    spec["components"]["schemas"][name]["properties"]
                )
            continue
        errors = list(validator_for(schema).iter_errors(example))
        assert not errors, f"seed {seed} {path}: {errors[0].message}"
        declared = schema_properties(schema)
        for key in _keys(example):
            assert key in declared, f"seed {seed} {path}: field {key!r} not declared"
        checked += 1
    assert checked >= 1


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def test_response_enumerations_are_open_strings() -> None:
    schemas = load_spec()["components"]["schemas"]
    for name in (
        "Campaign",
        "CampaignPerformance",
        "PlatformPerformance",
        "PlatformReturnOnInvestment",
        "PostPerformance",
        "CreatorProfile",
        "PostCreatorProfile",
    ):
        for field in ("status", "platform", "contentType"):
            prop = schemas[name]["properties"].get(field)
            if prop is not None:
                assert prop["type"] == "string", (name, field)
                assert "enum" not in prop, (name, field)
                assert "$ref" not in prop, (name, field)


def test_metric_values_are_nullable_numbers_and_next_cursor_is_nullable() -> None:
    schemas = load_spec()["components"]["schemas"]
    for name in (
        "SummaryMetrics",
        "TimeSeriesMetrics",
        "CampaignMetrics",
        "PlatformMetrics",
        "CreatorMetrics",
        "ReturnOnInvestmentMetrics",
    ):
        for prop in schemas[name]["properties"].values():
            assert prop == {"type": ["number", "null"]}, name
    assert schemas["NextCursor"]["type"] == ["string", "null"]
    assert schemas["Pagination"]["required"] == ["page", "pageSize", "totalPages", "totalItems"]
