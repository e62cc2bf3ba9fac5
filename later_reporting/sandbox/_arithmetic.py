"""The arithmetic of the sandbox's metrics: every metric derived from summed base amounts,
sums and distinct counts per group, and each metric's value as the API renders it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from later_reporting.sandbox._data import BASE, FloatArray, IntArray


def _div(num: FloatArray, den: FloatArray, scale: float = 1.0) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.where(den > 0, num / np.where(den > 0, den, 1) * scale, np.nan)
    return result


def derive(
    sums: dict[str, FloatArray],
    posts: FloatArray,
    paid_posts: FloatArray,
    creators: FloatArray,
    paid_creators: FloatArray,
) -> dict[str, FloatArray]:
    """Every metric from summed base amounts (arrays, one value per group)."""
    s = sums
    engagements = s["likes"] + s["comments"] + s["shares"] + s["saves"]
    paid_engagements = s["paidLikes"] + s["paidComments"] + s["paidShares"] + s["paidSaves"]
    value_of = {
        "valueOfLikes": s["likes"] * 0.3,
        "valueOfComments": s["comments"] * 0.5,
        "valueOfShares": s["shares"] * 0.4,
        "valueOfImpressions": s["impressions"] / 1000 * 5.0,
    }
    emv = sum(value_of.values(), np.zeros_like(engagements))
    revenue = s["trackingLinksConversionValue"] + s["affiliateLinksSales"]
    m: dict[str, FloatArray] = {name: s[name] for name in BASE if name in s}
    m.update(value_of)
    m.update(
        {
            "engagements": engagements,
            "totalInteractions": engagements + s["replies"] + s["reposts"],
            "engagementRate": _div(engagements, s["impressions"], 100),
            "postsCount": posts,
            "paidPostsCount": paid_posts,
            "influencersCount": creators,
            "paidInfluencersCount": paid_creators,
            "impressionsPerPost": _div(s["impressions"], posts),
            "engagementsPerPost": _div(engagements, posts),
            "estimatedValueGenerated": emv,
            "valueGenerated": emv,
            "estimatedContentCost": s["cost"],
            "campaignsCost": s["cost"],
            "estimatedRoi": _div(emv, s["cost"]),
            "returnOnInvestment": _div(emv, s["cost"]),
            "cpe": _div(s["cost"], engagements),
            "cpm": _div(s["cost"], s["impressions"], 1000),
            "paidEngagements": paid_engagements,
            "paidEngagementRate": _div(paid_engagements, s["paidImpressions"], 100),
            "paidAdSpend": s["paidAdSpend"],
            "paidCost": s["paidAdSpend"],
            "paidCpe": _div(s["paidAdSpend"], paid_engagements),
            "paidCpm": _div(s["paidAdSpend"], s["paidImpressions"], 1000),
            "paidReturnOnAdSpend": _div(revenue, s["paidAdSpend"]),
            "affiliateLinksConversionRate": _div(
                s["affiliateLinksConversions"], s["affiliateLinksClicks"]
            ),
            "affiliateLinksRoi": _div(s["affiliateLinksCommissionEarned"], s["cost"]),
            "avgWatchTime": s["avgWatchTime"],
            "followersAtPostDate": s["followersAtPostDate"],
        }
    )
    return m


RATES = frozenset(
    {
        "engagementRate",
        "paidEngagementRate",
        "impressionsPerPost",
        "engagementsPerPost",
        "estimatedRoi",
        "returnOnInvestment",
        "cpe",
        "cpm",
        "paidCpe",
        "paidCpm",
        "paidReturnOnAdSpend",
        "affiliateLinksConversionRate",
        "affiliateLinksRoi",
        "avgWatchTime",
    }
)
MONEY = frozenset(
    {
        "estimatedValueGenerated",
        "valueGenerated",
        "estimatedContentCost",
        "campaignsCost",
        "paidAdSpend",
        "paidCost",
        "trackingLinksConversionValue",
        "affiliateLinksSales",
        "affiliateLinksCommissionEarned",
        "valueOfLikes",
        "valueOfComments",
        "valueOfShares",
        "valueOfImpressions",
    }
)


def render(value: float, name: str) -> float | int | None:
    """A metric as JSON: ``None`` for not available, integers for counts, 2 decimals else."""
    if value != value:  # NaN: not available for this row
        return None
    if name in RATES or name in MONEY:
        return round(float(value), 2)
    return int(value)


def group_sums(values: dict[str, FloatArray], keys: IntArray, groups: int) -> dict[str, FloatArray]:
    """Sum each base amount per group; a group whose values are all missing stays missing."""
    out: dict[str, FloatArray] = {}
    for name, array in values.items():
        present = ~np.isnan(array)
        total: FloatArray = np.bincount(
            keys[present], weights=array[present], minlength=groups
        ).astype(np.float64)
        seen = np.bincount(keys[present], minlength=groups).astype(np.float64)
        if name == "avgWatchTime":
            total = _div(total, seen)
        out[name] = np.where(seen > 0, total, np.nan)
    return out


def distinct_count(
    keys: IntArray, values: IntArray, groups: int, mask: npt.NDArray[np.bool_] | None = None
) -> FloatArray:
    """Number of distinct ``values`` per group key."""
    if mask is not None:
        keys, values = keys[mask], values[mask]
    if keys.size == 0:
        return np.zeros(groups)
    pairs = np.unique(keys * 1_000_003 + values)
    return np.bincount(pairs // 1_000_003, minlength=groups).astype(np.float64)
