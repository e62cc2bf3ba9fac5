"""The demo dataset makes sense to someone reading the exported files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import later_reporting as lr
from later_reporting.sandbox import SandboxConfig
from later_reporting.sandbox._data import AS_OF, EPOCH, LAST_DAY, build_dataset


def test_campaign_dates_and_statuses_agree_with_their_posts(client: lr.Client) -> None:
    campaigns = list(client.campaigns.list())
    assert len({c.campaign_id for c in campaigns}) == len(campaigns)  # ids are unique
    assert {c.status for c in campaigns} >= {"live", "draft"}
    for campaign in campaigns:
        start = campaign.start_date
        assert isinstance(start, dt.datetime)
        if campaign.status == "draft":
            assert campaign.first_post_date is None, campaign.campaign_id
            assert campaign.last_post_date is None, campaign.campaign_id
            continue
        if campaign.status == "live":
            assert start.date() <= AS_OF, campaign.campaign_id  # a live campaign has started
        first, last = campaign.first_post_date, campaign.last_post_date
        assert isinstance(first, dt.datetime) and isinstance(last, dt.datetime)
        assert start <= first <= last, campaign.campaign_id


@pytest.mark.parametrize("even", [False, True], ids=["growing", "even-post-rate"])
def test_every_post_falls_inside_its_campaign(even: bool) -> None:
    ds = build_dataset(even=even)
    starts = np.array([(c.start.date() - EPOCH).days for c in ds.campaigns])
    drafts = [i for i, c in enumerate(ds.campaigns) if c.status == "draft"]
    assert drafts
    assert not np.isin(ds.campaign_idx, drafts).any()  # a draft has no posts
    assert (ds.post_day >= starts[ds.campaign_idx]).all()
    finished = np.array([c.status in ("completed", "archived") for c in ds.campaigns])
    ends = np.array([(c.start.date() - EPOCH).days + c.days - 1 for c in ds.campaigns])
    mask = finished[ds.campaign_idx]
    assert mask.any()
    assert (ds.post_day[mask] <= ends[ds.campaign_idx[mask]]).all()


def test_the_dataset_is_deterministic() -> None:
    build = build_dataset.__wrapped__
    one, two = build(seed=7, posts=2_000), build(seed=7, posts=2_000)
    assert one.campaigns == two.campaigns
    for name in ("post_id", "post_day", "post_second", "campaign_idx", "content_idx"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name


def posts_per_tenth(days: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """Posts in each tenth of the dataset's days, first to last."""
    return np.bincount(days * 10 // (LAST_DAY + 1), minlength=10)


def test_the_demo_post_rate_grows_and_an_even_one_does_not() -> None:
    assert SandboxConfig().even_post_rate is False  # the demo data is unchanged by default
    build = build_dataset.__wrapped__
    growing = posts_per_tenth(build(seed=7, posts=20_000).post_day)
    even = build(seed=7, posts=20_000, even=True)
    assert growing[-1] > 2 * growing[0]
    tenths = posts_per_tenth(even.post_day)
    assert tenths.min() > 0.9 * tenths.mean()
    assert tenths.max() < 1.1 * tenths.mean()
    # The last 60 days hold their share of the posts, as a two-year daily run assumes.
    recent = (even.post_day > LAST_DAY - 60).mean()
    assert 0.9 * 60 / (LAST_DAY + 1) < recent < 1.1 * 60 / (LAST_DAY + 1)
    assert np.array_equal(even.post_id, np.arange(100_001, 120_001))
