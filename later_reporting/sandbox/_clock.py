"""The sandbox's clock: the day the sandbox takes as "today".

Without a clock (``SandboxConfig.as_of=None``) the sandbox answers as of the last day of its
dataset, as it always has. With ``as_of`` set:

- posts published after ``as_of`` do not exist yet (the dataset is cut at that day);
- a post's metrics are what it has earned by the end of ``as_of`` (``post_date`` basis), and
  a ``performance_date`` window earns nothing after ``as_of``.

So moving the clock forward one day makes the posts of the last ``HORIZON`` days grow, adds
the day's new posts, and leaves settled posts unchanged: what a daily refresh sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from later_reporting.sandbox import _data as d
from later_reporting.sandbox._data import Dataset, FloatArray, IntArray


@dataclasses.dataclass(frozen=True)
class Clock:
    """``as_of`` as a day index of the dataset, or None for the dataset's own last day."""

    day: int | None = None

    @classmethod
    def at(cls, as_of: dt.date | None) -> Clock:
        return cls(None if as_of is None else d.day_index(as_of))

    def dataset(self, dataset: Dataset) -> Dataset:
        """The posts published on or before ``as_of`` (posts are stored in post-day order)."""
        if self.day is None:
            return dataset
        end = int(np.searchsorted(dataset.post_day, self.day, "right"))
        if end == dataset.size:
            return dataset
        part = slice(0, end)
        return dataclasses.replace(
            dataset,
            post_id=dataset.post_id[part],
            post_day=dataset.post_day[part],
            post_second=dataset.post_second[part],
            campaign_idx=dataset.campaign_idx[part],
            creator_idx=dataset.creator_idx[part],
            content_idx=dataset.content_idx[part],
            instance_idx=dataset.instance_idx[part],
            totals={name: values[part] for name, values in dataset.totals.items()},
        )

    def has_happened(self, day: int) -> bool:
        return self.day is None or day <= self.day

    def earned(
        self, ds: Dataset, rows: IntArray, basis: str, first: int, last: int
    ) -> dict[str, FloatArray]:
        """``_data.earned`` as of the clock's day."""
        if self.day is None:
            return d.earned(ds, rows, basis, first, last)
        if basis == "performance_date":
            # Nothing is earned after today: the window ends at as_of (or is empty).
            return d.earned(ds, rows, basis, first, max(min(last, self.day), first - 1))
        # post_date: everything earned from publication up to the end of as_of, which is
        # the performance window [first day of the dataset, as_of].
        return d.earned(ds, rows, "performance_date", 0, self.day)
