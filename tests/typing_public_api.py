"""Checked by mypy --strict (nox -s typecheck): the public API as users write it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, assert_type

import httpx

import later_reporting as lr

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow  # no type information: mypy sees pyarrow.Table as Any

from later_reporting.models import (
    CampaignMetric,
    PostPerformance,
    SortDirection,
    SummaryMetrics,
)


def sync_usage() -> None:
    with lr.Client(client_id="id", client_secret="secret", timeout=10.0) as client:
        ids: list[str] = list(client.instances.list())
        summary: SummaryMetrics = client.instances.performance(
            start=dt.date(2025, 1, 1), end="2025-12-31", metrics=["engagements"]
        )
        posts: lr.Paginator[PostPerformance] = client.posts.performance(
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 1, 31),
            sort_direction=SortDirection.ASC,
            instance_ids=ids,
            campaign_ids=[1, 2],
            max_items=10,
        )
        for post in posts:
            post_id: int = post.post_id
            print(post_id, summary.engagements)
            assert_type(post.impressions, float | None)
        assert_type(summary.engagements, float | None)
        assert_type(summary["engagementRate"], float | None)
        assert_type(summary.is_set("engagementRate"), bool)
        assert_type(summary.fields_set, frozenset[str])
        metric: CampaignMetric = CampaignMetric.ENGAGEMENT_RATE
        campaigns = client.campaigns.performance(
            start="2025-01-01", end="2025-01-31", metrics=[metric, CampaignMetric.POSTS_COUNT]
        )
        for campaign in campaigns:
            assert_type(campaign.metrics.engagement_rate, float | None)
        bare = "impressions"  # a bare str is not a list of metrics: mypy rejects it
        client.posts.performance(start="2025-01-01", end="2025-01-31", metrics=bare)  # type: ignore[arg-type]
        first: lr.Page[PostPerformance] = posts.first_page()
        total: int | None = first.total_items
        print(total, posts.total_pages)
        for raw in posts.dicts():
            print(raw["postId"])
        try:
            list(client.creators.performance(start="2025-01-01", end="2025-01-31"))
        except lr.UnsupportedMetricError as error:
            valid: list[str] = error.valid_metrics
            print(valid, error.status_code, error.type, error.request_id)
            assert_type(error.code, str | None)
            assert_type(error.request_id, str | None)
            assert_type(error.status_code, int)
        except lr.RateLimitedError as error:
            wait: float | None = error.retry_after
            print(wait)


async def async_usage() -> None:
    async with lr.AsyncClient(client_id="id", client_secret="secret") as client:
        paginator: lr.AsyncPaginator[PostPerformance] = client.posts.performance(
            start="2025-01-01", end="2025-01-31"
        )
        async for post in paginator:
            print(post.post_date)
        roi = await client.platforms.return_on_investment(start="2025-01-01", end="2025-01-31")
        print([row.platform for row in roi])


def routes() -> None:
    with lr.Client(client_id="id", client_secret="secret", proxy="http://proxy:3128") as client:
        print(client.base_url)
    with httpx.Client(verify=True) as http, lr.Client(http_client=http) as mine:
        try:
            mine.authenticate()
        except lr.ClientClosedError as error:
            print(error)
    lr.AsyncClient(http_client=httpx.AsyncClient(), proxy=None)


def item_access(post: PostPerformance, summary: SummaryMetrics) -> None:
    assert_type(post["postId"], int)
    assert_type(post["impressions"], float | None)
    assert_type(post["engagementRate"], float | None)
    assert_type(summary["views"], float | None)


if __name__ == "__main__":
    asyncio.run(async_usage())


def frames_and_options() -> None:
    with lr.Client(client_id="id", client_secret="secret") as client:
        posts = client.posts.performance(start="2025-01-01", end="2025-01-31")
        assert_type(posts.to_pandas(), pandas.DataFrame)
        assert_type(posts.to_polars(), polars.DataFrame)
        assert_type(posts.to_arrow(), pyarrow.Table)  # Any to mypy: pyarrow has no stubs
        assert_type(posts.iter_arrow(), Iterator[pyarrow.RecordBatch])
        assert_type(client.with_options(timeout=5, max_retries=0, rate_limit=10), lr.Client)


async def async_frames_and_options() -> None:
    async with lr.AsyncClient(client_id="id", client_secret="secret") as client:
        posts = client.posts.performance(start="2025-01-01", end="2025-01-31")
        assert_type(await posts.to_pandas(), pandas.DataFrame)
        assert_type(await posts.to_polars(), polars.DataFrame)
        assert_type(await posts.to_arrow(), pyarrow.Table)
        assert_type(posts.iter_arrow(), AsyncIterator[pyarrow.RecordBatch])
        assert_type(client.with_options(concurrency=2), lr.AsyncClient)
