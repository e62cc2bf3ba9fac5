"""The source's declared tables and its refusal of bad arguments before any request."""

from __future__ import annotations

from typing import Any

import pytest

from later_reporting import OptionError
from later_reporting.dlt import REPORT_NAMES, later_reporting


def test_every_report_has_a_table_with_key_disposition_and_typed_columns() -> None:
    source = later_reporting(client_id="id", client_secret="secret", base_url="http://127.0.0.1:9")
    tables = {name: r.compute_table_schema() for name, r in source.resources.items()}
    assert sorted(tables) == sorted(r.replace("-", "_") for r in REPORT_NAMES)
    posts = tables["posts_performance"]
    assert posts["write_disposition"] == "merge"
    assert posts["x-merge-strategy"] == "delete-insert"  # type: ignore[typeddict-item]
    assert posts["columns"]["post_id"]["primary_key"] is True
    assert posts["columns"]["post_id"]["data_type"] == "bigint"
    assert posts["columns"]["post_date"]["data_type"] == "timestamp"
    assert posts["columns"]["impressions"]["data_type"] in ("double", "bigint")
    creators = tables["creators_performance"]
    assert [c for c, v in creators["columns"].items() if v.get("primary_key")] == [
        "period_start",
        "creator_id",
    ]
    assert creators["columns"]["period_start"]["merge_key"] is True
    assert creators["columns"]["period_start"]["data_type"] == "date"
    assert tables["campaigns"]["write_disposition"] == "replace"
    assert tables["timeseries"]["columns"]["start_date"]["data_type"] == "date"
    assert not [c for t in tables.values() for c in t["columns"] if "." in c]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"reports": ["posts"]}, "unknown report"),
        ({"start": "2025-02-30"}, "start must be a date"),
        ({"start": "2025-03-01", "end": "2025-02-01"}, "must not be after"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"granularity": "hour"}, "granularity"),
        ({"slice_months": 25}, "slice_months"),
        ({"max_slices": 0}, "max_slices"),
        ({"reports": ["timeseries"], "metrics": {"posts-performance": ["likes"]}}, "metrics"),
    ],
)
def test_bad_arguments_are_refused_when_the_source_is_built(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message) as raised:
        later_reporting(client_id="id", client_secret="secret", **arguments)
    error = raised.value if isinstance(raised.value, OptionError) else raised.value.__cause__
    assert isinstance(error, OptionError), raised.value  # also a ValidationError and ValueError
