"""A hostile server: every malformed answer becomes a clear error, never a hang or a crash."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import later_reporting as lr
from tests.reliability.hostile import gzip_bomb, serve_hostile


def run(behaviour: str, kind: str = "sync", **kwargs: Any) -> tuple[Exception, float, int]:
    with serve_hostile(behaviour) as server:
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "client_id": "c",
            "client_secret": "s",
            "rate_limit": None,
            **kwargs,
        }

        def call() -> None:
            if kind == "sync":
                with lr.Client(**options) as client:
                    list(client.instances.list())
                return

            async def main() -> None:
                async with lr.AsyncClient(**options) as client:
                    [i async for i in client.instances.list()]

            asyncio.run(main())

        started = time.monotonic()
        with pytest.raises(lr.LaterReportingError) as info:
            call()
        return info.value, time.monotonic() - started, len(server.report_requests)


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


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
@KINDS
def test_malformed_answers(behaviour: str, error: type[Exception], message: str, kind: str) -> None:
    raised, _, requests = run(behaviour, kind)
    assert type(raised) is error
    assert message in str(raised)
    retried = behaviour in ("html-error", "short-body", "corrupt-gzip", "cut-gzip")
    assert requests == (3 if retried else 1)


@KINDS
def test_huge_body_is_refused_without_reading_it_all(kind: str) -> None:
    raised, elapsed, _ = run("huge", kind)
    assert isinstance(raised, lr.UnexpectedResponseError)
    assert "larger than" in str(raised)
    assert elapsed < 10


@KINDS
def test_gzip_body_is_decoded(kind: str) -> None:
    with serve_hostile("gzip") as server:
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "client_id": "c",
            "client_secret": "s",
        }
        if kind == "sync":
            with lr.Client(**options) as client:
                ids = list(client.instances.list())
        else:

            async def main() -> list[str]:
                async with lr.AsyncClient(**options) as client:
                    return [i async for i in client.instances.list()]

            ids = asyncio.run(main())
    assert ids == ["instance_abc"]
    assert server.requests[-1].startswith("GET /v2/instances")


@KINDS
def test_gzip_bomb_is_refused_by_its_decoded_size(kind: str) -> None:
    assert len(gzip_bomb()) < 1024 * 1024  # 128 MiB decoded, twice the 64 MiB cap
    raised, _, requests = run("gzip-bomb", kind)
    assert isinstance(raised, lr.UnexpectedResponseError)
    assert f"larger than {64 * 1024 * 1024} bytes" in str(raised)
    assert requests == 1


@KINDS
def test_slow_drip_past_the_timeout_is_a_timeout_not_a_hang(kind: str) -> None:
    raised, elapsed, requests = run("slow-drip", kind, timeout=1.0, max_retries=1)
    assert isinstance(raised, lr.APITimeoutError)
    assert requests == 2
    assert elapsed < 6
