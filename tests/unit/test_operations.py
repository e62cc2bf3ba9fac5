"""The operation table follows the spec: a spec change it does not follow fails, naming it.

For each row of ``later_reporting._operations.OPERATIONS``: its path is a GET of the spec
answered by its response model's schema; it is dated, paged, granular, takes metrics (which,
and whether required) and sorts (by what) exactly when the spec's parameters say so; and its
row key names fields of its rows. Every GET under ``/v2`` has a row.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

import later_reporting as lr
from contract_tests.spec_support import load_spec, parameters, resolve, schema_properties
from later_reporting._operations import EXPORTED, OPERATIONS, Operation, _names


def _enum(parameter: dict[str, Any] | None) -> set[str]:
    if parameter is None:
        return set()
    schema = resolve(parameter["schema"])
    return set(resolve(schema.get("items", schema))["enum"])


def differences(op: Operation) -> list[str]:
    """How an operation's row of the table differs from the spec (empty: it follows it)."""
    paths = load_spec()["paths"]
    if "get" not in paths.get(op.path, {}):
        return [f"{op.name}: the spec has no GET {op.path}"]
    params = parameters(op.path)
    found: list[str] = []

    def expect(what: str, table: object, spec: object) -> None:
        if table != spec:
            found.append(f"{op.name}: {what} is {table!r} in the table, {spec!r} in the spec")

    expect("dated", op.dated, "startDate" in params and "endDate" in params)
    expect("paginated", op.paginated, "pageNumber" in params)
    expect("granular", op.granular, "granularity" in params)
    expect("takes metrics", op.metric is not None, "metrics" in params)
    expect("metrics required", op.metrics_required, bool(params.get("metrics", {}).get("required")))
    if op.metric is not None:
        expect("metrics", sorted(op.metrics), sorted(_enum(params.get("metrics"))))
        expect("metric enum", sorted(str(m.value) for m in op.metric), sorted(op.metrics))
    expect("sorts", sorted(op.sorts), sorted(_enum(params.get("sortProperty"))))
    expect("sort enum", op.sort is not None, "sortProperty" in params)
    content = paths[op.path]["get"]["responses"]["200"]["content"]["application/json"]
    expect("response model", op.response.__name__, content["schema"]["$ref"].split("/")[-1])
    fields = schema_properties(content["schema"])
    missing = [k for k in (*op.key, *op.default_metrics) if k not in fields]
    expect("row fields missing from the response schema", missing, [])
    return found


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_follows_the_spec(name: str) -> None:
    assert differences(OPERATIONS[name]) == []


def test_every_api_operation_has_a_row() -> None:
    spec_gets = {
        path for path, item in load_spec()["paths"].items() if "get" in item and path != "/v2"
    }
    assert {op.path for op in OPERATIONS.values()} == {p for p in spec_gets if p.startswith("/v2/")}


def test_export_names_are_unique_and_read_from_the_table() -> None:
    assert sorted(EXPORTED) == sorted(op.export for op in OPERATIONS.values() if op.export)
    assert EXPORTED["posts-performance"] is OPERATIONS["posts.performance"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"dated": False}, "posts.performance: dated is False in the table, True in the spec"),
        ({"paginated": False}, "posts.performance: paginated is False"),
        ({"metrics": ("impressions",)}, "posts.performance: metrics is ['impressions']"),
        ({"sorts": ()}, "posts.performance: sorts is []"),
        ({"path": "/v2/posts/perf"}, "the spec has no GET /v2/posts/perf"),
        ({"key": ("postUuid",)}, "row fields missing from the response schema is ['postUuid']"),
    ],
)
def test_a_difference_is_named(change: dict[str, Any], named: str) -> None:
    changed = dataclasses.replace(OPERATIONS["posts.performance"], **change)
    assert any(named in problem for problem in differences(changed)), differences(changed)


def test_each_operation_is_the_client_method_it_names() -> None:
    """``posts.performance`` is ``client.posts.performance``, on both clients."""
    options = {"client_id": "c", "client_secret": "s", "base_url": "https://x.test"}
    with lr.Client(**options) as client:
        for name, op in OPERATIONS.items():
            assert f"{op.resource}.{op.method}" == name
            assert callable(getattr(getattr(client, op.resource), op.method)), name
    async_client = lr.AsyncClient(**options)
    for name, op in OPERATIONS.items():
        assert callable(getattr(getattr(async_client, op.resource), op.method)), name
    asyncio.run(async_client.aclose())


def test_the_tables_wrapped_name_lists_read_as_names() -> None:
    # Default metrics are written as wrapped, comma-separated lists in the table.
    assert _names("""cpe, cpm,
        engagementRate,impressions, """) == ("cpe", "cpm", "engagementRate", "impressions")
    assert _names("") == ()
    assert OPERATIONS["posts.performance"].default_metrics[:3] == ("cpe", "cpm", "engagementRate")


@pytest.mark.parametrize(
    ("name", "date_basis", "sort", "splits"),
    [
        ("posts.performance", "post_date", None, True),
        ("posts.performance", "post_date", "postDate", True),
        ("posts.performance", "post_date", "impressions", False),
        ("posts.performance", "performance_date", None, False),
        ("posts.performance", "performance_date", "postDate", False),
        ("creators.performance", "post_date", None, False),
    ],
)
def test_only_posts_by_post_date_split_past_the_page_cap(
    name: str, date_basis: str, sort: str | None, splits: bool
) -> None:
    assert OPERATIONS[name].splittable(date_basis, sort) is splits


def test_why_a_result_cannot_be_split_is_named() -> None:
    assert OPERATIONS["creators.performance"].split_reason == (
        "creators.performance results cannot be split by date"
    )
    assert OPERATIONS["posts.performance"].split_reason == (
        "splitting by date keeps the order only for posts by post date, sorted by postDate"
    )
