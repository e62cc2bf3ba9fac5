"""The sandbox's clock: posts after ``as_of`` do not exist, recent ones grow, old ones stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from later_reporting._catalog import CONTENT_TYPES
from later_reporting.sandbox import SandboxApp, SandboxConfig
from later_reporting.sandbox._data import AS_OF
from later_reporting.sandbox._reports import Selection, Sort

DEMO = ("instance_abc", "instance_def")


def posts(app: SandboxApp, start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
    sel = Selection(start, end, DEMO, None, CONTENT_TYPES, "post_date")
    rows, earned = app.reports.posts_order(sel, Sort(None, False))
    return {r["postId"]: r for r in app.reports.post_rows(rows, earned, ("impressions", "likes"))}


def sandbox(as_of: dt.date | None) -> SandboxApp:
    return SandboxApp(SandboxConfig(posts=3_000, rate_limit=None, as_of=as_of))


def test_without_a_clock_the_sandbox_answers_as_of_the_end_of_its_data() -> None:
    assert SandboxConfig().as_of is None
    start, end = dt.date(2026, 3, 1), AS_OF
    assert posts(sandbox(None), start, end) == posts(sandbox(AS_OF), start, end)


def test_posts_published_after_as_of_do_not_exist_yet() -> None:
    today = dt.date(2025, 3, 1)
    seen = posts(sandbox(today), dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert seen
    assert max(r["postDate"][:10] for r in seen.values()) <= today.isoformat()
    later = posts(
        sandbox(today + dt.timedelta(days=30)), dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    )
    assert set(seen) < set(later)


def test_recent_posts_grow_as_the_clock_advances_and_settled_posts_do_not() -> None:
    today = dt.date(2025, 3, 1)
    before = posts(sandbox(today), dt.date(2024, 11, 1), today)
    after = posts(sandbox(today + dt.timedelta(days=1)), dt.date(2024, 11, 1), today)
    settled = today - dt.timedelta(days=61)
    recent = [p for p, r in before.items() if r["postDate"][:10] >= "2025-02-20"]
    old = [p for p, r in before.items() if r["postDate"][:10] <= settled.isoformat()]
    assert recent and old
    assert all(after[p]["impressions"] >= before[p]["impressions"] for p in recent)
    assert sum(after[p]["impressions"] - before[p]["impressions"] for p in recent) > 0
    assert all(after[p] == before[p] for p in old)


def test_a_performance_window_earns_nothing_after_as_of() -> None:
    today = dt.date(2025, 3, 1)
    app = sandbox(today)
    sel = Selection(
        dt.date(2025, 2, 1), dt.date(2025, 3, 31), DEMO, None, CONTENT_TYPES, "performance_date"
    )
    buckets = app.reports.timeseries(sel, ("impressions",), "day")
    assert buckets[-1]["startDate"] == today.isoformat()
    whole = app.reports.summary(sel, ("impressions",))["impressions"]
    cut = Selection(sel.start, today, DEMO, None, CONTENT_TYPES, "performance_date")
    assert whole == app.reports.summary(cut, ("impressions",))["impressions"]
