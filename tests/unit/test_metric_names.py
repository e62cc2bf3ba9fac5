"""Metric names in the API's spelling (engagementRate) or in snake_case (engagement_rate)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import later_reporting as lr
import later_reporting.models as models
from later_reporting._rows import snake
from later_reporting._validation import api_metric_name
from later_reporting.cli import main
from later_reporting.models import CampaignMetric, CampaignPerformance

REPORT = ["export", "campaigns-performance", "--start", "2025-01-01", "--end", "2025-01-31"]
METRIC_ENUMS = [
    obj
    for name, obj in sorted(vars(models).items())
    if name.endswith("Metric") and isinstance(obj, type) and issubclass(obj, enum.Enum)
]


@pytest.mark.parametrize("kind", METRIC_ENUMS, ids=lambda e: e.__name__)
def test_every_metric_reads_back_from_its_snake_case(kind: type[enum.Enum]) -> None:
    for member in kind:
        assert api_metric_name(snake(member.value)) == member.value
        assert api_metric_name(member.value) == member.value


async def _campaigns(client: lr.Client | lr.AsyncClient, metrics: list[Any]) -> list[Any]:
    rows = client.campaigns.performance(
        start="2025-01-01", end="2025-01-31", metrics=metrics, max_items=3
    )
    if isinstance(client, lr.AsyncClient):
        return [row async for row in rows]  # type: ignore[union-attr]
    return list(rows)  # type: ignore[arg-type]


@pytest.fixture(params=["sync", "async"])
async def any_client(request: pytest.FixtureRequest, sandbox_url: str) -> Any:
    kind = lr.Client if request.param == "sync" else lr.AsyncClient
    client = kind(
        base_url=sandbox_url, rate_limit=None, client_id="demo-client", client_secret="demo-secret"
    )
    yield client
    if isinstance(client, lr.AsyncClient):
        await client.aclose()
    else:
        client.close()


async def test_the_sdk_takes_snake_case_metric_names(any_client: Any) -> None:
    snake_rows = await _campaigns(any_client, ["engagement_rate", "posts_count"])
    api_rows = await _campaigns(any_client, ["engagementRate", CampaignMetric.POSTS_COUNT])
    assert snake_rows
    assert all(isinstance(row, CampaignPerformance) for row in snake_rows)
    assert [r.to_dict() for r in snake_rows] == [r.to_dict() for r in api_rows]
    assert all(r.metrics.is_set("engagementRate") for r in snake_rows)
    assert all(set(r.metrics.to_dict()) == {"engagementRate", "postsCount"} for r in snake_rows)


async def test_an_unknown_metric_is_named_as_given(any_client: Any) -> None:
    with pytest.raises(lr.ValidationError, match="'engagement_ratio' is not valid here"):
        await _campaigns(any_client, ["engagement_ratio"])


def test_the_cli_takes_snake_case_metric_names(tmp_path: Path, sandbox_url: str) -> None:
    env = {
        "LATER_REPORTING_CLIENT_ID": "demo-client",
        "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        "LATER_REPORTING_BASE_URL": sandbox_url,
    }
    outputs = {}
    for spelling in ("engagement_rate,posts_count", "engagementRate,postsCount"):
        target = tmp_path / f"{spelling.replace(',', '-')}.csv"
        args = [*REPORT, "--metrics", spelling, "-o", str(target)]
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        outputs[spelling] = target.read_text(encoding="utf-8")
    snake_csv, api_csv = outputs.values()
    assert snake_csv == api_csv
    assert snake_csv.splitlines()[0].endswith(",engagement_rate,posts_count")
    wrong = CliRunner().invoke(main, [*REPORT, "--metrics", "engagement_ratio", "-o", "-"], env=env)
    assert wrong.exit_code == 2
    assert "'engagement_ratio' is not valid" in wrong.output
