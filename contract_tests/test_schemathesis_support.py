"""The suite's own checks allow exactly the documented cases, each for its named rule."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.generation.modes import GenerationMode

from contract_tests import schemathesis_support as support

POSTS = "/v2/posts/performance"
DATES = {"startDate": "2025-01-01", "endDate": "2025-01-31"}


def case(query: dict[str, Any], path: str = POSTS, mode: str = "positive") -> Any:
    operation = SimpleNamespace(path=path, method="GET", label=f"GET {path}")
    meta = SimpleNamespace(
        generation=SimpleNamespace(mode=GenerationMode(mode)),
        phase=SimpleNamespace(data=None),
    )
    return SimpleNamespace(query=query, operation=operation, meta=meta, _meta=meta, headers={})


def response(status: int, body: Any) -> Any:
    return SimpleNamespace(status_code=status, content=json.dumps(body).encode())


def problem(type_: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "title": "t", "detail": detail, **extra}


ALLOWED = [
    (
        "platform and contentType cannot be combined",
        {**DATES, "platform": ["instagram"], "contentType": ["tiktok"]},
        400,
        problem("ANL_00400", "cannot be combined"),
    ),
    (
        "startDate after endDate",
        {"startDate": "2025-02-01", "endDate": "2025-01-01"},
        400,
        problem("ANL_00400", "x"),
    ),
    (
        "date range longer than two years",
        {"startDate": "2024-01-01", "endDate": "2026-01-01"},
        400,
        problem("ANL_00400", "x"),
    ),
    (
        "metric unsupported for the filters (body lists validMetrics)",
        {**DATES, "metrics": ["avgWatchTime"]},
        400,
        problem("ANL_00400", "x", validMetrics=["likes"]),
    ),
    (
        "nextCursor not one the API issued for this query (cursors are opaque)",
        {**DATES, "nextCursor": "abc"},
        400,
        problem("ANL_00400", "x"),
    ),
    (
        "instanceIds outside the client's instances",
        {**DATES, "instanceIds": ["instance_xyz"]},
        403,
        problem("ANL_00403", "x"),
    ),
]


@pytest.mark.parametrize(("rule", "query", "status", "body"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_documented_refusal_is_allowed_by_its_named_rule(
    rule: str, query: dict[str, Any], status: int, body: dict[str, Any]
) -> None:
    found = support.documented_rule(case(query), status, body)
    assert found is not None and found.name == rule
    assert support.positive_data_acceptance(None, response(status, body), case(query)) is None


REFUSED = [
    # The int64 rejection the sandbox once made: no documented rule covers it.
    (
        {**DATES, "campaignIds": ["9223372036854775807"]},
        400,
        problem("ANL_00400", "'campaignIds' must be integers"),
    ),
    # A documented problem type, but the request does not break the rule it would name.
    ({**DATES, "platform": ["instagram"]}, 400, problem("ANL_00400", "cannot be combined")),
    ({"startDate": "2024-01-01", "endDate": "2025-12-31"}, 400, problem("ANL_00400", "x")),
    ({**DATES, "metrics": ["likes"]}, 400, problem("ANL_00400", "x", validMetrics=["likes"])),
    ({**DATES, "metrics": ["likes"]}, 400, problem("ANL_00400", "x")),
    ({**DATES, "nextCursor": "null"}, 400, problem("ANL_00400", "x")),
    ({**DATES}, 403, problem("ANL_00403", "x")),
    # The right rule, the wrong status or type.
    ({**DATES, "instanceIds": ["x"]}, 404, problem("ANL_00403", "x")),
    ({**DATES, "platform": ["a"], "contentType": ["b"]}, 400, problem("ANL_00422", "x")),
    ({**DATES, "platform": ["a"], "contentType": ["b"]}, 400, "not a problem"),
    ({**DATES}, 401, problem("ANL_00401", "x")),
    ({**DATES}, 500, problem("ANL_00500", "x")),
]


@pytest.mark.parametrize(("query", "status", "body"), REFUSED)
def test_any_other_refusal_of_schema_valid_data_fails(
    query: dict[str, Any], status: int, body: Any
) -> None:
    assert support.documented_rule(case(query), status, body) is None
    with pytest.raises(AssertionError, match=f"refused with {status} by no documented rule"):
        support.positive_data_acceptance(None, response(status, body), case(query))


def test_not_judged_token_endpoint_rate_limits_and_negative_data() -> None:
    body = problem("ANL_00401", "x")
    check = support.positive_data_acceptance
    assert check(None, response(401, body), case({}, path="/oauth/token")) is None
    assert check(None, response(429, problem("ANL_00429", "x")), case(DATES)) is None
    assert (
        check(None, response(400, problem("ANL_00400", "x")), case(DATES, mode="negative")) is None
    )


@pytest.mark.parametrize(
    ("query", "pagination", "items", "ok"),
    [
        ({}, {"page": 1, "pageSize": 50}, 3, True),
        ({"pageSize": "5"}, {"page": 1, "pageSize": 5}, 5, True),
        ({"pageSize": "5", "pageNumber": "2"}, {"page": 2, "pageSize": 5}, 1, True),
        ({"limit": "7"}, {"page": 1, "pageSize": 7}, 7, True),
        ({"pageSize": "5"}, {"page": 1, "pageSize": 50}, 5, False),
        ({"pageSize": "5"}, {"page": 1, "pageSize": 5}, 6, False),
        ({"pageNumber": "3"}, {"page": 1, "pageSize": 50}, 0, False),
    ],
)
def test_paging_honours_the_request(
    query: dict[str, str], pagination: dict[str, int], items: int, ok: bool
) -> None:
    body = {"data": [{}] * items, "pagination": {**pagination, "totalPages": 9, "totalItems": 9}}
    run = lambda: support.paging_honours_the_request(None, response(200, body), case(query))  # noqa: E731
    if ok:
        assert run() is None
    else:
        with pytest.raises(AssertionError, match="Asked for"):
            run()


def test_every_check_the_suite_names_is_registered() -> None:
    from schemathesis.checks import CHECKS

    names = set(CHECKS.get_all_names())
    assert set(support.CHECKS) <= names
    assert CHECKS.get_one("positive_data_acceptance") is support.positive_data_acceptance


SPELLING_REFUSAL = problem(
    "ANL_00400", "'dateBasis' must be one of postDate, performanceDate; got 'post_date'."
)


@pytest.mark.parametrize(("found", "allowed"), [("postDate", True), ("post_date", False)])
def test_date_basis_spelling_refusal_is_allowed_only_where_the_fingerprint_found_it(
    found: str, allowed: bool, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "http://127.0.0.1:9"
    report = tmp_path / "fingerprint.json"
    report.write_text(json.dumps({"base_url": url, "date_basis_spelling": found}))
    monkeypatch.setenv("LATER_REPORTING_FINGERPRINT", str(report))
    monkeypatch.setenv("LATER_REPORTING_BASE_URL", url)
    query = {**DATES, "dateBasis": ["post_date"]}
    rule = support.documented_rule(case(query), 400, SPELLING_REFUSAL)
    assert (rule is not None) is allowed
    if allowed:
        assert rule is not None and "postDate spelling" in rule.name


def test_date_basis_spelling_refusal_without_a_fingerprint_fails(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATER_REPORTING_FINGERPRINT", str(tmp_path / "none.json"))
    query = {**DATES, "dateBasis": ["post_date"]}
    with pytest.raises(AssertionError, match="by no documented rule"):
        support.positive_data_acceptance(None, response(400, SPELLING_REFUSAL), case(query))
