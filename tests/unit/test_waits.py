"""Deliberate waits are announced: logged at INFO and heard by listeners past 2 s."""

from __future__ import annotations

import logging

import pytest

from later_reporting import _waits
from later_reporting._rows import flat_name


def test_visible_after_is_two_seconds() -> None:
    # Two seconds: the threshold named for visible waits (README, "Waits are visible").
    assert _waits.VISIBLE_AFTER == 2.0


def test_long_wait_is_logged_and_heard(caplog: pytest.LogCaptureFixture) -> None:
    heard: list[tuple[float, str]] = []
    with (
        caplog.at_level(logging.INFO, logger="later_reporting"),
        _waits.listening(lambda s, r: heard.append((s, r))),
    ):
        _waits.announce(41.0, "rate limit")
    assert heard == [(41.0, "rate limit")]
    assert "waiting 41.0 s: rate limit" in caplog.text


def test_short_wait_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    heard: list[tuple[float, str]] = []
    with (
        caplog.at_level(logging.INFO, logger="later_reporting"),
        _waits.listening(lambda s, r: heard.append((s, r))),
    ):
        _waits.announce(2.0, "backoff")
    assert heard == []
    assert caplog.text == ""


def test_listener_is_removed_after_the_block() -> None:
    heard: list[float] = []
    with _waits.listening(lambda s, r: heard.append(s)):
        pass
    _waits.announce(10.0, "backoff")
    assert heard == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (("creatorProfile", "fullName"), "creator_profile_full_name"),
        (("engagementRate",), "engagement_rate"),
        (("postsCount",), "posts_count"),
        (("cpe",), "cpe"),
        (("metrics", "paidCpm"), "metrics_paid_cpm"),
        (("postId",), "post_id"),
    ],
)
def test_flat_name_is_snake_case_without_dots(path: tuple[str, ...], name: str) -> None:
    assert flat_name(path) == name
