"""What the API knows beyond each operation's row of the table (``_operations``): platforms
and their content types, the metrics and sort keys each enum allows in the response
schema's order, and which metrics the filters restrict (shared by the SDK's validation, the
sandbox and the command line).

Which metric is valid for which report is read from the spec: the per-operation ``metrics``
and ``sortProperty`` enums, through the generated models. Which metric is valid for which
filter is the one table :data:`RESTRICTED` below; :func:`valid_metrics` combines the two, and
both the SDK's validation and the sandbox ask it. ``contract_tests/test_metric_validity.py``
walks every report, filter and metric and holds the spec, the SDK and the sandbox equal.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from typing import Any

import attrs
import later_reporting_api.models as spec

PLATFORM_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram_post", "instagram_reel", "instagram_story"),
    "facebook": ("facebook_post", "facebook_live", "facebook_group", "facebook_reel"),
    "tiktok": ("tiktok",),
    "youtube": ("youtube_video", "youtube_shorts"),
    "twitter": (),
}
CONTENT_TYPES: tuple[str, ...] = tuple(ct for cts in PLATFORM_CONTENT_TYPES.values() for ct in cts)
PLATFORM_OF: dict[str, str] = {
    ct: platform for platform, cts in PLATFORM_CONTENT_TYPES.items() for ct in cts
}


def _fields(model: type[Any]) -> list[str]:
    """The response schema's property names, in the spec's order, squashed for matching."""
    return [f.name.replace("_", "") for f in attrs.fields(model) if f.init]


def _ordered(enum: type[Enum], *models: type[Any]) -> tuple[str, ...]:
    """The values of a spec enum, in the order the response schemas declare them."""
    order = [name for model in models for name in _fields(model)]
    values = [str(member.value) for member in enum]

    def position(value: str) -> tuple[int, str]:
        squashed = value.lower()
        return (order.index(squashed) if squashed in order else len(order), value)

    return tuple(sorted(values, key=position))


def _properties(model: type[Any]) -> tuple[str, ...]:
    """The JSON names of a response schema whose properties are all nullable numbers."""
    api_names: dict[str, str] = model._API_NAMES  # JSON name -> attribute, in schema order
    return tuple(api_names)


SUMMARY = _ordered(spec.SummaryMetric, spec.SummaryMetrics)
TIMESERIES = _ordered(spec.TimeSeriesMetric, spec.TimeSeriesMetrics)
CAMPAIGN = _ordered(spec.CampaignMetric, spec.CampaignMetrics)
CAMPAIGN_SORT = _ordered(spec.CampaignSortProperty, spec.CampaignPerformance, spec.CampaignMetrics)
CREATOR = _ordered(spec.CreatorMetric, spec.CreatorMetrics)
CREATOR_SORT = _ordered(spec.CreatorSortProperty, spec.CreatorMetrics)
PLATFORM = _ordered(spec.PlatformMetric, spec.PlatformMetrics)
PLATFORM_SORT = _ordered(spec.PlatformSortProperty, spec.PlatformMetrics)
POST = _ordered(spec.PostMetric, spec.PostPerformance)
POST_SORT = _ordered(spec.PostSortProperty, spec.PostPerformance)
ROI = _properties(spec.ReturnOnInvestmentMetrics)
# Each request metric enum with its values in the spec's order.
METRICS_OF: dict[type[Enum], tuple[str, ...]] = {
    spec.SummaryMetric: SUMMARY,
    spec.TimeSeriesMetric: TIMESERIES,
    spec.CampaignMetric: CAMPAIGN,
    spec.CreatorMetric: CREATOR,
    spec.PlatformMetric: PLATFORM,
    spec.PostMetric: POST,
}

# Metrics that exist only for some content types: asking for one while the filters allow
# other content is a 400 listing the valid metrics.
RESTRICTED: dict[str, frozenset[str]] = {
    "avgWatchTime": frozenset({"instagram_reel"}),
    "crosspostedViews": frozenset({"instagram_reel"}),
    "crosspostedFacebookOnlyViews": frozenset({"instagram_reel"}),
    "navigationTapExit": frozenset({"instagram_story"}),
    "navigationTapBack": frozenset({"instagram_story"}),
    "navigationTapForward": frozenset({"instagram_story"}),
    "navigationSwipeForward": frozenset({"instagram_story"}),
}
VIDEO_TYPES = frozenset(
    {
        "instagram_reel",
        "instagram_story",
        "facebook_live",
        "facebook_reel",
        "tiktok",
        "youtube_video",
        "youtube_shorts",
    }
)


def admitted(
    platforms: Collection[str] | None, content_types: Collection[str] | None
) -> frozenset[str]:
    """The content types a request's filters admit (``None`` or empty: filter absent)."""
    if platforms:
        return frozenset(ct for p in platforms for ct in PLATFORM_CONTENT_TYPES[p])
    if content_types:
        return frozenset(content_types)
    return frozenset(CONTENT_TYPES)


def valid_metrics(allowed: tuple[str, ...], content_types: frozenset[str]) -> list[str]:
    """The metrics of ``allowed`` valid when the filters admit ``content_types``."""
    return [m for m in allowed if m not in RESTRICTED or content_types <= RESTRICTED[m]]
