"""Each report computed from the dataset: selection, aggregation, time buckets, sorting.

Results are cached per normalised query (everything but the page), so reading page N of a
large result costs only the rendering of that page.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from later_reporting._catalog import CONTENT_TYPES, PLATFORM_OF
from later_reporting.sandbox import _arithmetic as arith
from later_reporting.sandbox import _data as d
from later_reporting.sandbox._clock import Clock
from later_reporting.sandbox._data import Dataset, FloatArray, IntArray

Row = dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """The filters every report shares, already validated."""

    start: dt.date
    end: dt.date
    instances: tuple[str, ...]
    campaigns: tuple[int, ...] | None
    content_types: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Sort:
    prop: str | None
    descending: bool


class Reports:
    """Computes reports over one dataset, with an LRU cache of results."""

    def __init__(self, dataset: Dataset, cache_size: int = 64, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.ds = self.clock.dataset(dataset)
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = cache_size
        self._campaign_ids = np.array([c.campaign_id for c in dataset.campaigns])

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = compute()
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    # --- selection -----------------------------------------------------------------------

    def rows(self, sel: Selection) -> IntArray:
        """Indices of the posts a selection covers, in post order."""
        return self._cached(("rows", sel), lambda: self._rows(sel))  # type: ignore[no-any-return]

    def _rows(self, sel: Selection) -> IntArray:
        ds = self.ds
        first, last = d.day_index(sel.start), d.day_index(sel.end)
        if sel.basis == "performance_date":
            lo = np.searchsorted(ds.post_day, first - d.HORIZON + 1, "left")
        else:
            lo = np.searchsorted(ds.post_day, first, "left")
        hi = np.searchsorted(ds.post_day, last, "right")
        idx = np.arange(lo, hi)
        mask = np.isin(ds.instance_idx[idx], d.select(sel.instances, d.INSTANCES))
        mask &= np.isin(ds.content_idx[idx], d.select(sel.content_types, CONTENT_TYPES))
        if sel.campaigns is not None:
            wanted = np.flatnonzero(np.isin(self._campaign_ids, sel.campaigns))
            mask &= np.isin(ds.campaign_idx[idx], wanted)
        return idx[mask]

    def _bounds(self, sel: Selection) -> tuple[int, int]:
        return d.day_index(sel.start), d.day_index(sel.end)

    # --- grouped reports -------------------------------------------------------------------

    def grouped(
        self, sel: Selection, keys_of: Callable[[IntArray], IntArray], groups: int
    ) -> tuple[dict[str, FloatArray], FloatArray]:
        """All metrics per group key, and the number of posts in each group."""
        rows = self.rows(sel)
        first, last = self._bounds(sel)
        earned = self.clock.earned(self.ds, rows, sel.basis, first, last)
        keys = keys_of(rows)
        sums = arith.group_sums(earned, keys, groups)
        posts = np.bincount(keys, minlength=groups).astype(np.float64)
        paid = earned["paidAdSpend"] > 0
        paid_posts = np.bincount(keys[paid], minlength=groups).astype(np.float64)
        creators = arith.distinct_count(keys, self.ds.creator_idx[rows], groups)
        paid_creators = arith.distinct_count(keys, self.ds.creator_idx[rows], groups, paid)
        return arith.derive(sums, posts, paid_posts, creators, paid_creators), posts

    def summary(self, sel: Selection, metrics: tuple[str, ...]) -> Row:
        metric_values, _ = self._cached(
            ("summary", sel), lambda: self.grouped(sel, lambda r: np.zeros(r.shape, np.int64), 1)
        )
        return {m: arith.render(metric_values[m][0], m) for m in metrics}

    def campaigns_performance(
        self, sel: Selection, metrics: tuple[str, ...], sort: Sort
    ) -> list[Row]:
        def compute() -> list[Row]:
            n = len(self.ds.campaigns)
            values, posts = self.grouped(sel, lambda r: self.ds.campaign_idx[r], n)
            first_post, last_post = self._first_last(sel, n)
            out = []
            for i in np.flatnonzero(posts > 0):
                c = self.ds.campaigns[i]
                row = campaign_row(c, first_post.get(int(i)), last_post.get(int(i)))
                row["metrics"] = {m: arith.render(values[m][i], m) for m in metrics}
                row["_sort"] = {
                    **{m: values[m][i] for m in values},
                    "firstPostDate": row["firstPostDate"] or "",
                    "lastPostDate": row["lastPostDate"] or "",
                }
                out.append(row)
            return sort_rows(out, sort, lambda r: r["campaignId"])

        return self._cached(("campaigns", sel, metrics, sort), compute)  # type: ignore[no-any-return]

    def campaign_post_dates(self) -> dict[int, tuple[str, str]]:
        """First and last post date of every campaign that has posts (all time)."""

        def compute() -> dict[int, tuple[str, str]]:
            out = {}
            for key in np.unique(self.ds.campaign_idx):
                members = np.flatnonzero(self.ds.campaign_idx == key)
                out[self.ds.campaigns[int(key)].campaign_id] = (
                    iso(d.post_datetime(self.ds, int(members[0]))),
                    iso(d.post_datetime(self.ds, int(members[-1]))),
                )
            return out

        return self._cached(("campaign_dates",), compute)  # type: ignore[no-any-return]

    def _first_last(self, sel: Selection, n: int) -> tuple[dict[int, str], dict[int, str]]:
        rows = self.rows(sel)
        first: dict[int, str] = {}
        last: dict[int, str] = {}
        for key in np.unique(self.ds.campaign_idx[rows]):
            members = rows[self.ds.campaign_idx[rows] == key]
            first[int(key)] = iso(d.post_datetime(self.ds, int(members[0])))
            last[int(key)] = iso(d.post_datetime(self.ds, int(members[-1])))
        return first, last

    def creators_performance(
        self, sel: Selection, metrics: tuple[str, ...], sort: Sort
    ) -> list[Row]:
        def compute() -> list[Row]:
            n = len(self.ds.creators)
            values, posts = self.grouped(sel, lambda r: self.ds.creator_idx[r], n)
            out = []
            for i in np.flatnonzero(posts > 0):
                c = self.ds.creators[i]
                out.append(
                    {
                        "creatorId": c.creator_id,
                        "creator": {
                            "fullName": c.full_name,
                            "profilePictureUrl": c.picture,
                            "profiles": [profile(c, p) for p in c.platforms],
                        },
                        "metrics": {m: arith.render(values[m][i], m) for m in metrics},
                        "_sort": values_at(values, int(i)),
                    }
                )
            return sort_rows(out, sort, lambda r: r["creatorId"])

        return self._cached(("creators", sel, metrics, sort), compute)  # type: ignore[no-any-return]

    def platforms_performance(
        self, sel: Selection, metrics: tuple[str, ...], sort: Sort
    ) -> list[Row]:
        def compute() -> list[Row]:
            values, posts = self.grouped(sel, lambda r: self.ds.content_idx[r], len(CONTENT_TYPES))
            out = []
            for i in np.flatnonzero(posts > 0):
                ct = CONTENT_TYPES[i]
                out.append(
                    {
                        "platform": PLATFORM_OF[ct],
                        "contentType": ct,
                        "metrics": {m: arith.render(values[m][i], m) for m in metrics},
                        "_sort": values_at(values, int(i)),
                        "_id": int(i),
                    }
                )
            return sort_rows(out, sort, lambda r: r["_id"])

        return self._cached(("platforms", sel, metrics, sort), compute)  # type: ignore[no-any-return]

    def return_on_investment(self, sel: Selection, fields: tuple[str, ...]) -> list[Row]:
        platforms = list(dict.fromkeys(PLATFORM_OF.values()))
        platform_of_ct = np.array([platforms.index(PLATFORM_OF[ct]) for ct in CONTENT_TYPES])
        values, posts = self.grouped(
            sel, lambda r: platform_of_ct[self.ds.content_idx[r]], len(platforms)
        )
        return [
            {"platform": p, "metrics": {m: arith.render(values[m][i], m) for m in fields}}
            for i, p in enumerate(platforms)
            if posts[i] > 0
        ]

    # --- time series ---------------------------------------------------------------------------

    def timeseries(self, sel: Selection, metrics: tuple[str, ...], granularity: str) -> list[Row]:
        def compute() -> list[Row]:
            rows = self.rows(sel)
            out: list[Row] = []
            buckets = time_buckets(sel.start, sel.end, granularity)
            post_day = self.ds.post_day[rows]
            if sel.basis == "post_date":
                earned = self.clock.earned(self.ds, rows, "post_date", 0, 0)
                starts = np.array([d.day_index(a) for a, _ in buckets])
                keys = np.searchsorted(starts, post_day, "right") - 1
                values, posts = self._derive_groups(earned, keys, rows, len(buckets))
                for i, (a, b) in enumerate(buckets):
                    if posts[i] > 0:
                        out.append(bucket_row(a, b, values, i, metrics))
                return out
            for a, b in buckets:
                first, last = d.day_index(a), d.day_index(b)
                if not self.clock.has_happened(first):
                    break  # buckets after the sandbox's today have no performance yet
                lo = np.searchsorted(post_day, first - d.HORIZON + 1, "left")
                hi = np.searchsorted(post_day, last, "right")
                sub = rows[lo:hi]
                if sub.size == 0:
                    continue
                earned = self.clock.earned(self.ds, sub, "performance_date", first, last)
                values, posts = self._derive_groups(earned, np.zeros(sub.shape, np.int64), sub, 1)
                if posts[0] > 0:
                    out.append(bucket_row(a, b, values, 0, metrics))
            return out

        return self._cached(("timeseries", sel, metrics, granularity), compute)  # type: ignore[no-any-return]

    def _derive_groups(
        self, earned: dict[str, FloatArray], keys: IntArray, rows: IntArray, groups: int
    ) -> tuple[dict[str, FloatArray], FloatArray]:
        sums = arith.group_sums(earned, keys, groups)
        posts = np.bincount(keys, minlength=groups).astype(np.float64)
        paid = earned["paidAdSpend"] > 0
        paid_posts = np.bincount(keys[paid], minlength=groups).astype(np.float64)
        creators = arith.distinct_count(keys, self.ds.creator_idx[rows], groups)
        return arith.derive(sums, posts, paid_posts, creators, creators), posts

    # --- posts -------------------------------------------------------------------------------

    def posts_order(self, sel: Selection, sort: Sort) -> tuple[IntArray, dict[str, FloatArray]]:
        """The selected posts in response order, and their base amounts (aligned)."""

        def compute() -> tuple[IntArray, dict[str, FloatArray]]:
            rows = self.rows(sel)
            first, last = self._bounds(sel)
            earned = self.clock.earned(self.ds, rows, sel.basis, first, last)
            ids = self.ds.post_id[rows]
            prop = sort.prop or "postDate"
            if prop == "postDate":
                primary = (self.ds.post_day[rows] * 86_400 + self.ds.post_second[rows]).astype(
                    np.float64
                )
            else:
                primary = post_metrics(earned, prop)
            missing = np.isnan(primary)
            filled = np.where(missing, 0.0, primary)
            # lexsort: last key is primary; NaN always last, ties by postId ascending.
            order = np.lexsort((ids, -filled if sort.descending else filled, missing))
            return rows[order], {k: v[order] for k, v in earned.items()}

        return self._cached(("posts", sel, sort), compute)  # type: ignore[no-any-return]

    def post_rows(
        self, rows: IntArray, earned: dict[str, FloatArray], metrics: tuple[str, ...]
    ) -> list[Row]:
        derived = per_post(earned)
        values = {m: derived[m] for m in metrics}
        out = []
        for j, i in enumerate(rows.tolist()):
            creator = self.ds.creators[int(self.ds.creator_idx[i])]
            ct = d.content_type(self.ds, i)
            row: Row = {
                "postId": int(self.ds.post_id[i]),
                "postDate": iso(d.post_datetime(self.ds, i)),
                "campaignId": self.ds.campaigns[int(self.ds.campaign_idx[i])].campaign_id,
                "creatorId": creator.creator_id,
                "instanceId": d.INSTANCES[int(self.ds.instance_idx[i])],
                "contentType": ct,
                "contentUrl": f"https://social.example.com/{ct}/{int(self.ds.post_id[i])}",
                "contentImageUrl": None
                if ct == "instagram_story"
                else f"https://example.com/posts/{int(self.ds.post_id[i])}.jpg",
                "creatorProfile": {
                    "contentType": ct,
                    "fullName": creator.full_name,
                    "handleName": creator.handle,
                    "profileImage": creator.picture,
                    "profileLink": f"https://{PLATFORM_OF[ct]}.example.com/{creator.handle}",
                },
            }
            for m in metrics:
                row[m] = arith.render(values[m][j], m)
            out.append(row)
        return out


def per_post(earned: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Every metric for each post (no aggregation), derived from its own amounts."""
    ones = np.ones_like(earned["impressions"])
    return arith.derive(earned, ones, (earned["paidAdSpend"] > 0).astype(np.float64), ones, ones)


def post_metrics(earned: dict[str, FloatArray], name: str) -> FloatArray:
    """One metric for each post."""
    return per_post(earned)[name]


def values_at(values: dict[str, FloatArray], i: int) -> dict[str, float]:
    return {m: float(v[i]) for m, v in values.items()}


def sort_rows(rows: list[Row], sort: Sort, ident: Callable[[Row], Any]) -> list[Row]:
    """Sort by a metric (missing values last), ties by identifier ascending."""
    prop = sort.prop

    def key(row: Row) -> tuple[Any, ...]:
        if prop is None:
            return (0, 0, ident(row))
        value = row["_sort"].get(prop)
        missing = value is None or value == "" or value != value
        if missing:
            return (1, 0, ident(row))
        if isinstance(value, str):
            ordinal = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            value = ordinal
        return (0, -value if sort.descending else value, ident(row))

    ordered = sorted(rows, key=key)
    for row in ordered:
        row.pop("_sort", None)
        row.pop("_id", None)
    return ordered


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def campaign_row(c: d.Campaign, first_post: str | None, last_post: str | None) -> Row:
    return {
        "campaignId": c.campaign_id,
        "campaignName": c.name,
        "instanceId": c.instance_id,
        "description": c.description,
        "status": c.status,
        "startDate": iso(c.start),
        "firstPostDate": first_post,
        "lastPostDate": last_post,
    }


def profile(c: d.Creator, platform: str) -> Row:
    return {
        "platform": platform,
        "handleName": c.handle,
        "profileLink": f"https://{platform}.example.com/{c.handle}",
        "profileImage": c.picture,
    }


def bucket_row(
    a: dt.date, b: dt.date, values: dict[str, FloatArray], i: int, metrics: tuple[str, ...]
) -> Row:
    return {
        "startDate": a.isoformat(),
        "endDate": b.isoformat(),
        "metrics": {m: arith.render(values[m][i], m) for m in metrics},
    }


def time_buckets(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    """Calendar buckets covering ``start..end``, edges clipped to the range."""
    buckets = []
    cursor = start
    while cursor <= end:
        if granularity == "day":
            first, nxt = cursor, cursor + dt.timedelta(days=1)
        elif granularity == "week":
            first = cursor - dt.timedelta(days=cursor.weekday())
            nxt = first + dt.timedelta(days=7)
        elif granularity == "month":
            first = cursor.replace(day=1)
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
        elif granularity == "quarter":
            first = cursor.replace(month=(cursor.month - 1) // 3 * 3 + 1, day=1)
            nxt = (first + dt.timedelta(days=95)).replace(day=1)
        else:
            first = cursor.replace(month=1, day=1)
            nxt = first.replace(year=first.year + 1)
        buckets.append((max(first, start), min(nxt - dt.timedelta(days=1), end)))
        cursor = nxt
    return buckets
