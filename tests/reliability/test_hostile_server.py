"""A hostile server: every malformed answer becomes a clear error, never a hang or a crash."""

from __future__ import annotations

import time

import pytest

import later_reporting as lr
from tests.reliability.hostile import gzip_bomb, serve_hostile


def run(behaviour: str, **kwargs: object) -> tuple[Exception, float, int]:
    with (
        serve_hostile(behaviour) as server,
        lr.Client(
            base_url=server.base_url, client_id="c", client_secret="s", rate_limit=None, **kwargs
        ) as client,
    ):  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(lr.LaterReportingError) as info:
            list(client.instances.list())
        return info.value, time.monotonic() - started, len(server.report_requests)


@pytest.mark.parametrize(
    ("behaviour", "error", "message"),
    [
        ("truncated-json", lr.UnexpectedResponseError, "not valid JSON"),
        ("wrong-content-type", lr.UnexpectedResponseError, "expected a JSON response"),
        ("html-200", lr.UnexpectedResponseError, "text/html"),
        ("error-body-200", lr.UnexpectedResponseError, "looks like an error: ANL_00500"),
        ("json-not-object", lr.UnexpectedResponseError, "not an object"),
        ("html-error", lr.ServerError, "text/html, not problem+json"),
        ("short-body", lr.APIConnectionError, "connection failed"),
        ("corrupt-gzip", lr.UnexpectedResponseError, "gzip response body is corrupt"),
        ("cut-gzip", lr.UnexpectedResponseError, "gzip response body ends before its end"),
        ("brotli", lr.UnexpectedResponseError, "compressed with br, which the SDK does not"),
    ],
)
def test_malformed_answers(behaviour: str, error: type[Exception], message: str) -> None:
    raised, _, requests = run(behaviour)
    assert type(raised) is error
    assert message in str(raised)
    retried = behaviour in ("html-error", "short-body", "corrupt-gzip", "cut-gzip")
    assert requests == (3 if retried else 1)


def test_huge_body_is_refused_without_reading_it_all() -> None:
    raised, elapsed, _ = run("huge")
    assert isinstance(raised, lr.UnexpectedResponseError)
    assert "larger than" in str(raised)
    assert elapsed < 10


def test_gzip_body_is_decoded() -> None:
    with (
        serve_hostile("gzip") as server,
        lr.Client(base_url=server.base_url, client_id="c", client_secret="s") as client,
    ):
        assert list(client.instances.list()) == ["instance_abc"]
    assert server.requests[-1].startswith("GET /v2/instances")


def test_gzip_bomb_is_refused_by_its_decoded_size() -> None:
    assert len(gzip_bomb()) < 1024 * 1024  # 128 MiB decoded, twice the 64 MiB cap
    raised, _, requests = run("gzip-bomb")
    assert isinstance(raised, lr.UnexpectedResponseError)
    assert f"larger than {64 * 1024 * 1024} bytes" in str(raised)
    assert requests == 1


def test_slow_drip_past_the_timeout_is_a_timeout_not_a_hang() -> None:
    raised, elapsed, requests = run("slow-drip", timeout=1.0, max_retries=1)
    assert isinstance(raised, lr.APITimeoutError)
    assert requests == 2
    assert elapsed < 6
