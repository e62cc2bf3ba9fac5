"""One answer to "is this metric valid here?": the spec, the SDK's validation and the sandbox.

For every report with a ``metrics`` parameter, every filter (none, each platform, each content
type) and every metric name any report knows, the three must agree:

- the spec's per-operation enum says whether the name is a metric of that report at all;
- the SDK's local validation accepts exactly the metrics the sandbox accepts for those filters;
- the sandbox answers 200 for the valid ones and 400 with ``validMetrics`` naming them otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.spec_support import parameters, resolve
from contract_tests.test_sandbox_behaviour import Sandbox
from later_reporting import _catalog as cat
from later_reporting import _validation
from later_reporting._errors import ValidationError
from later_reporting._seam import OPERATIONS

REPORTS = {
    "instances.performance": "/v2/instances/performance",
    "instances.performance_over_time": "/v2/instances/performance-over-time",
    "campaigns.performance": "/v2/campaigns/performance",
    "platforms.performance": "/v2/platforms/performance",
    "creators.performance": "/v2/creators/performance",
    "posts.performance": "/v2/posts/performance",
}
FILTERS: list[tuple[str, str | None]] = [
    ("none", None),
    *[("platform", p) for p in cat.PLATFORM_CONTENT_TYPES],
    *[("contentType", ct) for ct in cat.CONTENT_TYPES],
]
DATES = {"startDate": "2025-01-01", "endDate": "2025-01-07", "pageSize": "1"}


def spec_metrics(path: str) -> list[str]:
    values: list[str] = resolve(parameters(path)["metrics"]["schema"]["items"])["enum"]
    return values


EVERY_METRIC = sorted({m for path in REPORTS.values() for m in spec_metrics(path)})


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(posts=400)
    yield sandbox
    sandbox.close()


def sdk_accepts(report: str, kind: str, value: str | None, metric: str) -> bool:
    filters: dict[str, Any] = {}
    if kind == "platform":
        filters["platforms"] = [value]
    elif kind == "contentType":
        filters["content_types"] = [value]
    try:
        _validation.report_params(
            OPERATIONS[report], start="2025-01-01", end="2025-01-07", metrics=[metric], **filters
        )
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("report", list(REPORTS))
@pytest.mark.parametrize(("kind", "value"), FILTERS, ids=[f"{k}={v}" for k, v in FILTERS])
def test_spec_sdk_and_sandbox_agree_on_every_metric(
    sandbox: Sandbox, report: str, kind: str, value: str | None
) -> None:
    path = REPORTS[report]
    in_spec = spec_metrics(path)
    query = {**DATES, **({kind: value} if value else {})}

    everything = sandbox.get(path, {**query, "metrics": ",".join(in_spec)})
    if everything.status_code == 200:
        server_valid = set(in_spec)
    else:
        assert everything.status_code == 400, everything.text
        server_valid = set(everything.json()["validMetrics"])
    assert server_valid <= set(in_spec)
    if server_valid:
        only_valid = sandbox.get(path, {**query, "metrics": ",".join(sorted(server_valid))})
        assert only_valid.status_code == 200, only_valid.text

    for metric in EVERY_METRIC:
        accepted = sdk_accepts(report, kind, value, metric)
        expected = metric in server_valid
        assert accepted == expected, (report, kind, value, metric, accepted, expected)
    for metric in sorted(set(in_spec) - server_valid):
        alone = sandbox.get(path, {**query, "metrics": metric})
        assert alone.status_code == 400, (metric, alone.text)
        assert set(alone.json()["validMetrics"]) == server_valid


def test_the_restriction_table_names_only_spec_metrics_and_content_types() -> None:
    every = set(EVERY_METRIC)
    for metric, content in cat.RESTRICTED.items():
        assert metric in every
        assert content <= set(cat.CONTENT_TYPES)


def test_posts_refuse_avg_watch_time_locally_unless_the_filter_admits_only_reels() -> None:
    assert not sdk_accepts("posts.performance", "none", None, "avgWatchTime")
    assert not sdk_accepts("posts.performance", "platform", "instagram", "avgWatchTime")
    assert sdk_accepts("posts.performance", "contentType", "instagram_reel", "avgWatchTime")
