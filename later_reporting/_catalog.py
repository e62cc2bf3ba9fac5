"""What the API knows: platforms, content types, the metrics and sort keys of each report,
and the default metric set of each (shared by the sandbox and the command line).

Mirrors ``openapi/later-reporting-v2.yaml``; ``tests/sandbox/test_catalog.py`` holds the two
equal.
"""

from __future__ import annotations

PLATFORM_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram_post", "instagram_reel", "instagram_story"),
    "facebook": ("facebook_post", "facebook_live", "facebook_group", "facebook_reel"),
    "tiktok": ("tiktok",),
    "youtube": ("youtube_video", "youtube_shorts"),
    "twitter": (),
}
CONTENT_TYPES: tuple[str, ...] = (
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
)
PLATFORM_OF: dict[str, str] = {
    ct: platform for platform, cts in PLATFORM_CONTENT_TYPES.items() for ct in cts
}


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


SUMMARY = _names("""engagements, impressions, engagementRate, postsCount, reach, views,
    estimatedValueGenerated, estimatedContentCost, campaignsCost, returnOnInvestment, cpe, cpm,
    paidEngagements, paidImpressions, paidEngagementRate, paidPostsCount, paidViews, paidAdSpend,
    paidReturnOnAdSpend, paidCpe, paidCpm, trackingLinksClicks, trackingLinksConversions,
    trackingLinksConversionValue, affiliateLinksClicks, affiliateLinksConversions,
    affiliateLinksSales""")
TIMESERIES = _names("""likes, comments, shares, clicks, impressions, reach, engagements, views,
    engagementRate, postsCount, estimatedValueGenerated, cpe, cpm, paidLikes, paidComments,
    paidShares, paidImpressions, paidEngagements, paidEngagementRate, paidReach, paidViews""")
CAMPAIGN = _names("""likes, comments, shares, clicks, saves, impressions, reach, engagements,
    views, totalInteractions, replies, reposts, potentialReach, videoViewTotalTime,
    crosspostedViews, crosspostedFacebookOnlyViews, engagementRate, postsCount,
    influencersCount, impressionsPerPost, estimatedValueGenerated, estimatedContentCost,
    estimatedRoi, cpe, cpm, paidLikes, paidComments, paidShares, paidClicks, paidImpressions,
    paidEngagements, paidEngagementRate, paidViews, paidReach, paidSaves, paidCpe, paidCpm,
    paidPostsCount, paidInfluencersCount, paidAdSpend, paidReturnOnAdSpend, paidInitialPlays,
    paidCost, trackingLinksClicks, trackingLinksConversions, trackingLinksConversionValue,
    affiliateLinksClicks, affiliateLinksConversions, affiliateLinksConversionRate,
    affiliateLinksSales, affiliateLinksCommissionEarned, affiliateLinksRoi""")
CAMPAIGN_SORT = _names("""impressions, engagements, reach, engagementRate, clicks, postsCount,
    influencersCount, impressionsPerPost, estimatedValueGenerated, estimatedContentCost,
    estimatedRoi, cpe, cpm, firstPostDate, lastPostDate, paidImpressions, paidEngagements,
    paidEngagementRate, paidClicks, paidPostsCount, paidInfluencersCount, paidCpe, paidCpm,
    paidAdSpend, paidReturnOnAdSpend, trackingLinksClicks, trackingLinksConversions,
    trackingLinksConversionValue, affiliateLinksClicks, affiliateLinksConversions,
    affiliateLinksConversionRate, affiliateLinksSales, affiliateLinksCommissionEarned,
    affiliateLinksRoi""")
CREATOR = _names("""likes, comments, shares, saves, impressions, reach, engagements, views,
    totalInteractions, replies, reposts, potentialReach, videoViewTotalTime, avgWatchTime,
    navigationTapExit, navigationTapBack, navigationTapForward, navigationSwipeForward,
    crosspostedViews, crosspostedFacebookOnlyViews, engagementRate, postsCount,
    estimatedValueGenerated, estimatedContentCost, estimatedRoi, cpe, cpm, paidLikes,
    paidComments, paidShares, paidImpressions, paidEngagements, paidEngagementRate, paidViews,
    paidReach, paidSaves, paidCpe, paidCpm, paidPostsCount, paidCost, trackingLinksClicks,
    trackingLinksConversions, trackingLinksConversionValue, affiliateLinksClicks,
    affiliateLinksConversions, affiliateLinksConversionRate, affiliateLinksSales,
    affiliateLinksCommissionEarned, affiliateLinksRoi""")
PLATFORM = _names("""likes, comments, shares, saves, impressions, reach, engagements, views,
    totalInteractions, replies, reposts, potentialReach, videoViewTotalTime, avgWatchTime,
    navigationTapExit, navigationTapBack, navigationTapForward, navigationSwipeForward,
    crosspostedViews, crosspostedFacebookOnlyViews, engagementRate, postsCount,
    impressionsPerPost, engagementsPerPost, estimatedValueGenerated, cpe, cpm, paidLikes,
    paidComments, paidShares, paidImpressions, paidEngagements, paidEngagementRate, paidViews,
    paidReach, paidSaves, paidCpe, paidCpm, paidPostsCount, paidAdSpend, paidReturnOnAdSpend""")
POST = _names("""likes, comments, shares, saves, impressions, reach, engagements, views,
    totalInteractions, replies, reposts, potentialReach, followersAtPostDate, videoViewTotalTime,
    avgWatchTime, navigationTapExit, navigationTapBack, navigationTapForward,
    navigationSwipeForward, crosspostedViews, crosspostedFacebookOnlyViews, engagementRate,
    estimatedValueGenerated, cpe, cpm, paidLikes, paidComments, paidShares, paidImpressions,
    paidEngagements, paidEngagementRate, paidViews, paidReach, paidSaves, paidCpe, paidCpm""")
POST_SORT = _names("""engagements, impressions, engagementRate, estimatedValueGenerated, cpe,
    cpm, postDate, paidEngagements, paidImpressions, paidEngagementRate, paidCpe, paidCpm""")
ROI = _names("""valueOfLikes, valueOfComments, valueOfShares, valueOfImpressions, valueGenerated,
    estimatedContentCost, returnOnInvestment, paidAdSpend, paidReturnOnAdSpend""")

TIMESERIES_DEFAULT = _names("""clicks, comments, cpe, cpm, engagementRate, engagements,
    estimatedValueGenerated, impressions, likes, paidComments, paidEngagementRate,
    paidEngagements, paidImpressions, paidLikes, paidShares, shares""")
POST_DEFAULT = _names("""cpe, cpm, engagementRate, engagements, estimatedValueGenerated,
    impressions, paidCpe, paidCpm, paidEngagementRate, paidEngagements, paidImpressions""")
CAMPAIGN_DEFAULT = _names("""engagements, impressions, reach, engagementRate, postsCount,
    influencersCount, estimatedValueGenerated, estimatedContentCost, estimatedRoi, cpe, cpm,
    paidImpressions, paidEngagements, paidAdSpend, paidReturnOnAdSpend""")
CREATOR_DEFAULT = _names("""engagements, impressions, reach, engagementRate, postsCount,
    estimatedValueGenerated, estimatedContentCost, estimatedRoi, cpe, cpm, paidEngagements,
    paidImpressions, affiliateLinksSales""")
PLATFORM_DEFAULT = _names("""engagements, impressions, reach, views, engagementRate, postsCount,
    impressionsPerPost, engagementsPerPost, estimatedValueGenerated, cpe, cpm, paidImpressions,
    paidEngagements, paidAdSpend, paidReturnOnAdSpend""")

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


def valid_metrics(allowed: tuple[str, ...], content_types: frozenset[str]) -> list[str]:
    """The metrics of ``allowed`` valid when the filters admit ``content_types``."""
    return [m for m in allowed if m not in RESTRICTED or content_types <= RESTRICTED[m]]
