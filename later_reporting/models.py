"""Stable public names for the typed models and request enums.

They are the classes generated from the spec; importing them from here (not from the
generated package) keeps user code working when the generated package is regenerated.

A field the server did not send reads as ``None`` (metric fields are ``float | None``);
``model.fields_set`` / ``model.is_set("engagementRate")`` tell a field left out from one sent
as ``null``, and ``model.to_dict()`` gives back what was received under the API's names.
``model["engagementRate"]`` reads a field by its API name. Enum members are named after their
values in snake_case (``CampaignMetric.ENGAGEMENT_RATE == "engagementRate"``).
(``openapi/templates/`` is where the generator is told so.)
"""

from later_reporting_api.models import (
    Campaign,
    CampaignMetric,
    CampaignMetrics,
    CampaignPerformance,
    CampaignSortProperty,
    ContentType,
    Creator,
    CreatorMetric,
    CreatorMetrics,
    CreatorPerformance,
    CreatorProfile,
    CreatorSortProperty,
    DateBasis,
    Granularity,
    Platform,
    PlatformMetric,
    PlatformMetrics,
    PlatformPerformance,
    PlatformReturnOnInvestment,
    PlatformSortProperty,
    PostCreatorProfile,
    PostMetric,
    PostPerformance,
    PostSortProperty,
    ReturnOnInvestmentMetrics,
    SortDirection,
    SummaryMetric,
    SummaryMetrics,
    TimeSeriesBucket,
    TimeSeriesMetric,
    TimeSeriesMetrics,
)

__all__ = [
    "Campaign",
    "CampaignMetric",
    "CampaignMetrics",
    "CampaignPerformance",
    "CampaignSortProperty",
    "ContentType",
    "Creator",
    "CreatorMetric",
    "CreatorMetrics",
    "CreatorPerformance",
    "CreatorProfile",
    "CreatorSortProperty",
    "DateBasis",
    "Granularity",
    "Platform",
    "PlatformMetric",
    "PlatformMetrics",
    "PlatformPerformance",
    "PlatformReturnOnInvestment",
    "PlatformSortProperty",
    "PostCreatorProfile",
    "PostMetric",
    "PostPerformance",
    "PostSortProperty",
    "ReturnOnInvestmentMetrics",
    "SortDirection",
    "SummaryMetric",
    "SummaryMetrics",
    "TimeSeriesBucket",
    "TimeSeriesMetric",
    "TimeSeriesMetrics",
]
