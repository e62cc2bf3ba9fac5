"""The one table of the API's operations: what exists, what each accepts and what it returns.

Everything that needs to know about an operation reads it here: the resource methods and
their validation, the paginator (which rows a body holds, whether a query splits by date),
the export columns and the command line (``export``: the export name, default metrics,
row key), the dlt source and the sandbox (metrics and sort keys). Metric and sort values
come from the spec's enums (through ``_catalog``); ``tests/unit/test_operations.py`` holds
each row to the spec's path, parameters and enums, so a spec change the table does not
follow fails naming the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any, Literal

import later_reporting_api.models as spec
from later_reporting_api.api.campaigns import get_campaigns_performance, list_campaigns
from later_reporting_api.api.creators import get_creators_performance
from later_reporting_api.api.instances import (
    get_instances_performance,
    get_instances_performance_over_time,
    list_instances,
)
from later_reporting_api.api.platforms import (
    get_platforms_performance,
    get_platforms_return_on_investment,
)
from later_reporting_api.api.posts import get_posts_performance

from later_reporting import _catalog as cat
from later_reporting import models as m

# What ``data`` holds: a list of row objects, ``{"instanceIds": [str, ...]}``, or
# ``{"metrics": {...}}`` (the instance summary).
Shape = Literal["rows", "ids", "summary"]


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


@dataclass(frozen=True)
class Operation:
    """One API operation, as every layer of the SDK sees it.

    ``name`` is ``resource.method`` (``posts.performance``: ``client.posts.performance``).
    ``metrics``/``sorts`` are the values the spec's enums allow, in the response schema's
    order; ``default_metrics`` what the server returns without ``metrics``. ``splits_by``
    names the sort under which a result past the page cap can be split by post date and
    merged in order (``None``: it cannot be split). ``export`` is the report's name on the
    command line and in the dlt source (``None``: not exported); ``key`` the fields naming a
    row; ``metrics_in`` where a row keeps its metrics (``None``: at the top level, ``""``:
    the row is the metrics); ``single_row`` a summary for the whole filter.
    """

    name: str
    path: str
    module: ModuleType
    response: type[Any]
    row: type[Any]
    metric: type[Enum] | None = None
    sort: type[Enum] | None = None
    metrics: tuple[str, ...] = ()
    default_metrics: tuple[str, ...] = ()
    sorts: tuple[str, ...] = ()
    metrics_required: bool = False
    paginated: bool = True
    dated: bool = True
    granular: bool = False
    shape: Shape = "rows"
    splits_by: str | None = None
    export: str | None = None
    key: tuple[str, ...] = ()
    metrics_in: str | None = "metrics"
    single_row: bool = False

    @property
    def resource(self) -> str:
        return self.name.split(".")[0]

    @property
    def method(self) -> str:
        return self.name.split(".")[1]

    def splittable(self, date_basis: str, sort: str | None) -> bool:
        """Whether a result past the page cap can be split by date and stay in order."""
        return (
            self.splits_by is not None
            and date_basis == "post_date"
            and sort in (None, self.splits_by)
        )

    @property
    def split_reason(self) -> str:
        """Why a result past the page cap cannot be split (as a QueryTooLargeError says)."""
        if self.splits_by is None:
            return f"{self.name} results cannot be split by date"
        return (
            f"splitting by date keeps the order only for {self.resource} by post date, "
            f"sorted by {self.splits_by}"
        )


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "instances.list",
            "/v2/instances",
            list_instances,
            spec.InstanceListResponse,
            str,
            dated=False,
            shape="ids",
        ),
        Operation(
            "instances.performance",
            "/v2/instances/performance",
            get_instances_performance,
            spec.SummaryResponse,
            m.SummaryMetrics,
            spec.SummaryMetric,
            metrics=cat.SUMMARY,
            default_metrics=cat.SUMMARY,
            metrics_required=True,
            paginated=False,
            shape="summary",
            export="instances-performance",
            metrics_in="",
            single_row=True,
        ),
        Operation(
            "instances.performance_over_time",
            "/v2/instances/performance-over-time",
            get_instances_performance_over_time,
            spec.TimeSeriesResponse,
            m.TimeSeriesBucket,
            spec.TimeSeriesMetric,
            metrics=cat.TIMESERIES,
            default_metrics=_names("""clicks, comments, cpe, cpm, engagementRate, engagements,
                estimatedValueGenerated, impressions, likes, paidComments, paidEngagementRate,
                paidEngagements, paidImpressions, paidLikes, paidShares, shares"""),
            granular=True,
            export="timeseries",
            key=("startDate",),
        ),
        Operation(
            "campaigns.list",
            "/v2/campaigns",
            list_campaigns,
            spec.CampaignListResponse,
            m.Campaign,
            dated=False,
            export="campaigns",
            key=("campaignId",),
        ),
        Operation(
            "campaigns.performance",
            "/v2/campaigns/performance",
            get_campaigns_performance,
            spec.CampaignPerformanceResponse,
            m.CampaignPerformance,
            spec.CampaignMetric,
            spec.CampaignSortProperty,
            metrics=cat.CAMPAIGN,
            default_metrics=_names("""engagements, impressions, reach, engagementRate,
                postsCount, influencersCount, estimatedValueGenerated, estimatedContentCost,
                estimatedRoi, cpe, cpm, paidImpressions, paidEngagements, paidAdSpend,
                paidReturnOnAdSpend"""),
            sorts=cat.CAMPAIGN_SORT,
            export="campaigns-performance",
            key=("campaignId",),
        ),
        Operation(
            "platforms.performance",
            "/v2/platforms/performance",
            get_platforms_performance,
            spec.PlatformPerformanceResponse,
            m.PlatformPerformance,
            spec.PlatformMetric,
            spec.PlatformSortProperty,
            metrics=cat.PLATFORM,
            default_metrics=_names("""engagements, impressions, reach, views, engagementRate,
                postsCount, impressionsPerPost, engagementsPerPost, estimatedValueGenerated,
                cpe, cpm, paidImpressions, paidEngagements, paidAdSpend, paidReturnOnAdSpend"""),
            sorts=cat.PLATFORM_SORT,
            export="platforms-performance",
            key=("platform", "contentType"),
        ),
        Operation(
            "platforms.return_on_investment",
            "/v2/platforms/return-on-investment",
            get_platforms_return_on_investment,
            spec.PlatformReturnOnInvestmentResponse,
            m.PlatformReturnOnInvestment,
            metrics=cat.ROI,
            default_metrics=cat.ROI,
            paginated=False,
            export="platforms-roi",
            key=("platform",),
            single_row=True,
        ),
        Operation(
            "creators.performance",
            "/v2/creators/performance",
            get_creators_performance,
            spec.CreatorPerformanceResponse,
            m.CreatorPerformance,
            spec.CreatorMetric,
            spec.CreatorSortProperty,
            metrics=cat.CREATOR,
            default_metrics=_names("""engagements, impressions, reach, engagementRate,
                postsCount, estimatedValueGenerated, estimatedContentCost, estimatedRoi, cpe,
                cpm, paidEngagements, paidImpressions, affiliateLinksSales"""),
            sorts=cat.CREATOR_SORT,
            export="creators-performance",
            key=("creatorId",),
        ),
        Operation(
            "posts.performance",
            "/v2/posts/performance",
            get_posts_performance,
            spec.PostPerformanceResponse,
            m.PostPerformance,
            spec.PostMetric,
            spec.PostSortProperty,
            metrics=cat.POST,
            default_metrics=_names("""cpe, cpm, engagementRate, engagements,
                estimatedValueGenerated, impressions, paidCpe, paidCpm, paidEngagementRate,
                paidEngagements, paidImpressions"""),
            sorts=cat.POST_SORT,
            splits_by="postDate",
            export="posts-performance",
            key=("postId",),
            metrics_in=None,
        ),
    )
}

EXPORTED: dict[str, Operation] = {op.export: op for op in OPERATIONS.values() if op.export}
"""The operations the command line and the dlt source export, by export name."""
