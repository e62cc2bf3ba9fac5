"""The sandbox's deterministic dataset (the metrics' arithmetic is ``_arithmetic``, the name
tables ``_names``).

Posts are stored column-wise in numpy arrays with their lifetime totals. Daily values are
never stored: a post earns the share ``F(t) - F(t-1)`` of each total on day ``t`` after it
was published, with ``F`` a closed-form curve that reaches 1 after ``HORIZON`` days. So the
amount earned in any window ``[a, b]`` is ``total * (F(b - p) - F(a - 1 - p))``.

Date bases:
- ``post_date``: posts published inside the range, with what they earned up to ``AS_OF``.
- ``performance_date``: posts that earned anything inside the range, with only what they
  earned inside it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from later_reporting._catalog import CONTENT_TYPES, PLATFORM_OF, VIDEO_TYPES
from later_reporting.sandbox._names import FIRST, LAST, THEMES

EPOCH = dt.date(2024, 1, 1)
AS_OF = dt.date(2026, 6, 30)
LAST_DAY = (AS_OF - EPOCH).days
HORIZON = 60
TAU = 6.0
DEMO_INSTANCES = ("instance_abc", "instance_def")
INSTANCES = (*DEMO_INSTANCES, "instance_xyz")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Lifetime totals kept per post; every metric is derived from these.
BASE = (
    "impressions",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "reach",
    "views",
    "replies",
    "reposts",
    "potentialReach",
    "videoViewTotalTime",
    "crosspostedViews",
    "crosspostedFacebookOnlyViews",
    "navigationTapExit",
    "navigationTapBack",
    "navigationTapForward",
    "navigationSwipeForward",
    "paidImpressions",
    "paidLikes",
    "paidComments",
    "paidShares",
    "paidSaves",
    "paidClicks",
    "paidViews",
    "paidReach",
    "paidInitialPlays",
    "trackingLinksClicks",
    "trackingLinksConversions",
    "trackingLinksConversionValue",
    "affiliateLinksClicks",
    "affiliateLinksConversions",
    "affiliateLinksSales",
    "affiliateLinksCommissionEarned",
)
# Fixed amounts, not accrued over time.
FIXED = ("cost", "paidAdSpend", "followersAtPostDate", "avgWatchTime")


@dataclass(frozen=True)
class Campaign:
    campaign_id: int
    name: str
    instance_id: str
    description: str | None
    status: str
    start: dt.datetime
    days: int = 0  # how long a completed or archived campaign ran


@dataclass(frozen=True)
class Creator:
    creator_id: int
    full_name: str
    picture: str | None
    handle: str
    platforms: tuple[str, ...]


@dataclass
class Dataset:
    """Every post, campaign and creator of the sandbox."""

    campaigns: list[Campaign]
    creators: list[Creator]
    post_id: IntArray
    post_day: IntArray  # days since EPOCH
    post_second: IntArray  # second of the day
    campaign_idx: IntArray
    creator_idx: IntArray
    content_idx: IntArray
    instance_idx: IntArray
    totals: dict[str, FloatArray]

    @property
    def size(self) -> int:
        return int(self.post_id.shape[0])


def accrued(days_since_post: IntArray | FloatArray) -> FloatArray:
    """``F(t)``: the share of a lifetime total earned by the end of day ``t`` after posting."""
    t = np.asarray(days_since_post, dtype=np.float64)
    full = 1.0 - np.exp(-HORIZON / TAU)
    share = (1.0 - np.exp(-(np.clip(t, -1, HORIZON - 1) + 1) / TAU)) / full
    result: FloatArray = np.where(t < 0, 0.0, np.where(t >= HORIZON - 1, 1.0, share))
    return result


def window_share(post_day: IntArray, first: int, last: int) -> FloatArray:
    """Share of each post's totals earned on days ``first..last`` (inclusive)."""
    return accrued(last - post_day) - accrued(first - 1 - post_day)


@functools.cache
def build_dataset(
    seed: int = 7,
    posts: int = 110_000,
    creators: int = 600,
    campaigns: int = 46,
    even: bool = False,
) -> Dataset:
    """Build (once per process and arguments) the deterministic dataset.

    By default more campaigns run as time goes on, so the post rate grows; ``even`` spreads
    the posts evenly over the days instead (each post in one of the campaigns running on its
    day).
    """
    rng = np.random.default_rng(seed)
    campaign_list = _campaigns(rng, campaigns)
    creator_list = _creators(rng, creators)

    # Campaign popularity: the demo instances get most posts; drafts have none.
    weights = rng.uniform(0.5, 1.5, len(campaign_list))
    for i, c in enumerate(campaign_list):
        if c.instance_id == "instance_xyz":
            weights[i] *= 0.6
        if c.status == "draft":
            weights[i] = 0.0
    campaign_idx = rng.choice(len(campaign_list), size=posts, p=weights / weights.sum())
    creator_idx = rng.integers(0, len(creator_list), size=posts)
    content_idx = rng.integers(0, len(CONTENT_TYPES), size=posts)
    # Every post falls inside its campaign: from its start to its end (AS_OF while live).
    first_day, last_day = (
        np.array(a, dtype=np.int64) for a in zip(*map(active_days, campaign_list), strict=True)
    )
    span = last_day[campaign_idx] - first_day[campaign_idx] + 1
    post_day = first_day[campaign_idx] + np.floor(rng.random(posts) * span).astype(np.int64)
    if even:
        post_day, campaign_idx = _even_days(rng, posts, weights, first_day, last_day)
    # The seed campaigns post on Instagram and TikTok in 2024 and 2025 (the docs' examples).
    seeded = {c.campaign_id: i for i, c in enumerate(campaign_list)}
    for cid, days in ((1, [10, 200, 400, 600, 380, 700]), (49761, [14, 30, 45, 60, 75])):
        index = seeded[cid]
        rows = np.flatnonzero(campaign_idx == index)[:24]
        content_idx[rows] = np.resize([0, 1, 7, 2], rows.shape[0])
        post_day[rows] = first_day[index] + np.resize(days, rows.shape[0])
    order = np.lexsort((rng.integers(0, 86_400, size=posts), post_day))
    campaign_idx, creator_idx, content_idx, post_day = (
        a[order] for a in (campaign_idx, creator_idx, content_idx, post_day)
    )
    post_second = np.sort(rng.integers(0, 86_400, size=posts))[np.argsort(np.argsort(order))]
    instance_of_campaign = np.array([INSTANCES.index(c.instance_id) for c in campaign_list])
    totals = _totals(rng, content_idx)
    return Dataset(
        campaigns=campaign_list,
        creators=creator_list,
        post_id=np.arange(100_001, 100_001 + posts, dtype=np.int64),
        post_day=post_day.astype(np.int64),
        post_second=post_second.astype(np.int64),
        campaign_idx=campaign_idx.astype(np.int64),
        creator_idx=creator_idx.astype(np.int64),
        content_idx=content_idx.astype(np.int64),
        instance_idx=instance_of_campaign[campaign_idx].astype(np.int64),
        totals=totals,
    )


def _even_days(
    rng: np.random.Generator,
    posts: int,
    weights: FloatArray,
    first_day: IntArray,
    last_day: IntArray,
) -> tuple[IntArray, IntArray]:
    """Post days spread evenly over ``EPOCH..AS_OF``, and for each post a campaign running on
    that day, drawn by the campaigns' popularity (one campaign runs on every day)."""
    post_day = rng.integers(0, LAST_DAY + 1, size=posts).astype(np.int64)
    running = (first_day[None, :] <= post_day[:, None]) & (post_day[:, None] <= last_day[None, :])
    cumulative = np.cumsum(np.where(running, weights[None, :], 0.0), axis=1)
    draw = rng.random(posts) * cumulative[:, -1]
    campaign_idx = np.argmax(cumulative > draw[:, None], axis=1).astype(np.int64)
    return post_day, campaign_idx


def active_days(campaign: Campaign) -> tuple[int, int]:
    """First and last day (since EPOCH) a campaign's posts may fall on.

    A live campaign runs from its start to ``AS_OF``; a completed or archived one ran for
    ``campaign.days``; a draft has no posts at all.
    """
    first = (campaign.start.date() - EPOCH).days
    if campaign.status == "live":
        return first, LAST_DAY
    return first, min(first + campaign.days - 1, LAST_DAY)


def _campaigns(rng: np.random.Generator, count: int) -> list[Campaign]:
    fixed = [
        Campaign(
            1,
            "Always-on Ambassadors",
            "instance_abc",
            "Evergreen ambassador programme",
            "live",
            dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        ),
        Campaign(
            49761,
            "Summer Collection 2024",
            "instance_abc",
            "Seasonal product launch",
            "live",
            dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
        ),
        Campaign(
            49802,
            "Fall Influencer Push",
            "instance_abc",
            None,
            "draft",
            dt.datetime(2024, 9, 1, tzinfo=dt.UTC),
        ),
    ]
    result = list(fixed)
    taken = {c.campaign_id for c in fixed}
    statuses = ("live", "live", "completed", "draft", "archived")
    for i in range(count - len(fixed)):
        instance = INSTANCES[i % 3] if i % 5 else "instance_def"
        day = int(rng.integers(0, LAST_DAY - 30))
        theme = THEMES[i % len(THEMES)]
        campaign_id = 49700 + i * 3
        if campaign_id in taken:  # ids are unique: 49802 is the docs' draft
            campaign_id += 1
        result.append(
            Campaign(
                campaign_id,
                f"{theme} {2024 + day // 366}",
                instance,
                None if i % 4 == 0 else f"{theme} with {int(rng.integers(5, 40))} creators",
                statuses[i % len(statuses)],
                dt.datetime.combine(EPOCH + dt.timedelta(days=day), dt.time(), tzinfo=dt.UTC),
                int(rng.integers(30, 180)),
            )
        )
    return result


def _creators(rng: np.random.Generator, count: int) -> list[Creator]:
    platforms = ("instagram", "tiktok", "facebook", "youtube")
    result = []
    for i in range(count):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        handle = name.lower().replace(" ", "") + (str(i) if i >= len(FIRST) else "")
        chosen = tuple(p for j, p in enumerate(platforms) if (i >> j) & 1 or j == i % 4)
        result.append(
            Creator(
                12_345 + i,
                name,
                None if i % 9 == 0 else f"https://example.com/creators/{handle}.jpg",
                handle,
                chosen,
            )
        )
    return result


def _totals(rng: np.random.Generator, content_idx: IntArray) -> dict[str, FloatArray]:
    n = content_idx.shape[0]
    content = np.array(CONTENT_TYPES)[content_idx]
    is_video = np.isin(content, list(VIDEO_TYPES))
    is_reel = content == "instagram_reel"
    is_story = content == "instagram_story"
    followers = np.round(rng.lognormal(9.5, 1.2, n))
    impressions = np.round(followers * rng.uniform(0.2, 1.6, n))
    rate = rng.uniform(0.01, 0.12, n)
    likes = np.round(impressions * rate * 0.8)
    paid = rng.random(n) < 0.18
    paid_impressions = np.where(paid, np.round(impressions * rng.uniform(0.3, 1.2, n)), 0)

    def share(base: FloatArray, low: float, high: float) -> FloatArray:
        return np.round(base * rng.uniform(low, high, n))

    t: dict[str, FloatArray] = {
        "impressions": impressions,
        "likes": likes,
        "comments": share(likes, 0.02, 0.12),
        "shares": share(likes, 0.01, 0.08),
        "saves": share(likes, 0.0, 0.1),
        "clicks": share(impressions, 0.002, 0.02),
        "reach": np.round(impressions * rng.uniform(0.6, 0.95, n)),
        "views": np.where(is_video, share(impressions, 0.5, 1.1), np.nan),
        "replies": share(likes, 0.0, 0.03),
        "reposts": share(likes, 0.0, 0.02),
        "potentialReach": followers,
        "followersAtPostDate": followers,
        "videoViewTotalTime": np.where(is_video, share(impressions, 3.0, 20.0), np.nan),
        "avgWatchTime": np.where(is_reel, np.round(rng.uniform(2000, 25000, n)), np.nan),
        "crosspostedViews": np.where(is_reel, share(impressions, 0.1, 0.5), np.nan),
        "navigationTapExit": np.where(is_story, share(impressions, 0.01, 0.05), np.nan),
        "navigationTapBack": np.where(is_story, share(impressions, 0.01, 0.04), np.nan),
        "navigationTapForward": np.where(is_story, share(impressions, 0.1, 0.4), np.nan),
        "navigationSwipeForward": np.where(is_story, share(impressions, 0.01, 0.05), np.nan),
        "paidImpressions": paid_impressions,
        "paidLikes": share(paid_impressions, 0.005, 0.04),
        "paidAdSpend": np.where(
            paid, np.round(paid_impressions * rng.uniform(0.004, 0.02, n), 2), 0
        ),
        "cost": np.round(followers * rng.uniform(0.002, 0.02, n) + 25, 2),
        "trackingLinksClicks": share(impressions, 0.0, 0.01),
        "affiliateLinksClicks": share(impressions, 0.0, 0.012),
    }
    t["crosspostedFacebookOnlyViews"] = np.round(t["crosspostedViews"] * 0.35)
    t["paidComments"] = share(t["paidLikes"], 0.02, 0.1)
    t["paidShares"] = share(t["paidLikes"], 0.01, 0.06)
    t["paidSaves"] = share(t["paidLikes"], 0.0, 0.05)
    t["paidClicks"] = share(paid_impressions, 0.002, 0.02)
    t["paidViews"] = np.where(is_video, share(paid_impressions, 0.4, 1.0), 0)
    t["paidReach"] = share(paid_impressions, 0.6, 0.9)
    t["paidInitialPlays"] = np.where(is_video, share(paid_impressions, 0.3, 0.8), 0)
    t["trackingLinksConversions"] = share(t["trackingLinksClicks"], 0.01, 0.08)
    t["trackingLinksConversionValue"] = np.round(
        t["trackingLinksConversions"] * rng.uniform(15, 120, n), 2
    )
    t["affiliateLinksConversions"] = share(t["affiliateLinksClicks"], 0.01, 0.1)
    t["affiliateLinksSales"] = np.round(t["affiliateLinksConversions"] * rng.uniform(20, 90, n), 2)
    t["affiliateLinksCommissionEarned"] = np.round(t["affiliateLinksSales"] * 0.12, 2)
    return {k: v.astype(np.float64) for k, v in t.items()}


def content_type(ds: Dataset, i: int) -> str:
    return CONTENT_TYPES[int(ds.content_idx[i])]


def platform(ds: Dataset, i: int) -> str:
    return PLATFORM_OF[content_type(ds, i)]


def post_datetime(ds: Dataset, i: int) -> dt.datetime:
    day = EPOCH + dt.timedelta(days=int(ds.post_day[i]))
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(
        seconds=int(ds.post_second[i])
    )


def earned(ds: Dataset, rows: IntArray, basis: str, first: int, last: int) -> dict[str, FloatArray]:
    """Base amounts of ``rows`` under a date basis: accrued totals, then fixed amounts."""
    if basis == "performance_date":
        share = window_share(ds.post_day[rows], first, last)
    else:
        share = accrued(LAST_DAY - ds.post_day[rows])
    out = {name: np.floor(ds.totals[name][rows] * share) for name in BASE if name in ds.totals}
    for name in FIXED:
        out[name] = ds.totals[name][rows]
    return out


def day_index(day: dt.date) -> int:
    return (day - EPOCH).days


def as_date(index: int) -> dt.date:
    return EPOCH + dt.timedelta(days=index)


def select(values: Sequence[str], universe: Sequence[str]) -> list[int]:
    return [universe.index(v) for v in values]
