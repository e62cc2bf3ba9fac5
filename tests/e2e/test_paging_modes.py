"""List operations of each row shape against the sandbox paging by page number and by cursor,
on both clients and both row paths: the same rows, every walk counted without a false alarm.
(Every operation is walked by page number in test_sandbox_e2e.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import later_reporting as lr
from later_reporting.sandbox import SandboxConfig, serve_in_thread

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret", "rate_limit": None}
DATES = {"start": "2025-01-01", "end": "2025-01-31"}
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "instances": ("instances.list", {}),
    "timeseries": ("instances.performance_over_time", {**DATES, "granularity": "day"}),
    "campaigns": ("campaigns.list", {}),
    "posts": ("posts.performance", DATES),
}


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    config = {"rate_limit": None, "posts": 3_000}
    with (
        serve_in_thread(SandboxConfig(**config)) as numbered,
        serve_in_thread(SandboxConfig(**config, cursor_paging=True)) as cursored,
    ):
        yield {"numbered": numbered, "cursored": cursored}


def read(kind: str, url: str, call: str, kwargs: dict[str, Any], dicts: bool) -> list[Any]:
    resource, method = call.split(".")

    def paginator(client: Any) -> Any:
        return getattr(getattr(client, resource), method)(**kwargs)

    if kind == "sync":
        with lr.Client(base_url=url, **DEMO) as client:
            p = paginator(client)
            return list(p.dicts()) if dicts else [to_dict(r) for r in p]

    async def run() -> list[Any]:
        async with lr.AsyncClient(base_url=url, **DEMO) as client:
            p = paginator(client)
            if dicts:
                return [r async for r in p.dicts()]
            return [to_dict(r) async for r in p]

    return asyncio.run(run())


def to_dict(row: Any) -> Any:
    return row if isinstance(row, str) else row.to_dict()


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("dicts", [True, False], ids=["dicts", "typed"])
@pytest.mark.parametrize("name", list(CALLS))
def test_cursor_and_page_number_walks_read_the_same_rows(
    urls: dict[str, str], kind: str, dicts: bool, name: str
) -> None:
    call, kwargs = CALLS[name]
    small = {**kwargs, "page_size": 20}
    numbered = read(kind, urls["numbered"], call, small, dicts)
    cursored = read(kind, urls["cursored"], call, small, dicts)
    assert numbered == cursored
    assert len(numbered) > (20 if name != "instances" else 1)
    limited = read(kind, urls["cursored"], call, {**small, "max_items": 10}, dicts)
    assert limited == numbered[:10]
