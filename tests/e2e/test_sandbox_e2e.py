"""Every operation, sync and async, against the sandbox over a live port; results equal to
what the sandbox serves to a plain HTTP client."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import httpx
import pytest

import later_reporting as lr
from later_reporting.sandbox import SandboxApp, SandboxConfig, create_app, serve_in_thread

START, END = "2025-01-01", "2025-03-31"


def raw(sandbox_url: str, path: str, **params: Any) -> dict[str, Any]:
    """The sandbox's own answer, fetched with plain httpx (no SDK)."""
    with httpx.Client(base_url=sandbox_url) as http:
        token = http.post(
            "/oauth/token", json={"clientId": "demo-client", "clientSecret": "demo-secret"}
        ).json()["jwt"]
        rows: list[Any] = []
        number = 1
        while True:
            body = http.get(
                path,
                params={**params, "pageSize": 100, "pageNumber": number},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            if "pagination" not in body:
                return body
            data = body["data"]
            rows.extend(data["instanceIds"] if isinstance(data, dict) else data)
            if number >= body["pagination"]["totalPages"]:
                return {"data": rows}
            number += 1


CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("instances.list", "/v2/instances", {}, {}),
    ("campaigns.list", "/v2/campaigns", {}, {}),
    (
        "instances.performance_over_time",
        "/v2/instances/performance-over-time",
        {"start": START, "end": END, "granularity": "week"},
        {"startDate": START, "endDate": END, "granularity": "week"},
    ),
    (
        "campaigns.performance",
        "/v2/campaigns/performance",
        {"start": START, "end": END, "sort_property": "estimatedRoi", "metrics": ["estimatedRoi"]},
        {
            "startDate": START,
            "endDate": END,
            "sortProperty": "estimatedRoi",
            "metrics": "estimatedRoi",
        },
    ),
    (
        "platforms.performance",
        "/v2/platforms/performance",
        {"start": START, "end": END, "platforms": ["instagram", "tiktok"]},
        {"startDate": START, "endDate": END, "platform": ["instagram", "tiktok"]},
    ),
    (
        "creators.performance",
        "/v2/creators/performance",
        {"start": START, "end": END, "date_basis": "performance_date"},
        {"startDate": START, "endDate": END, "dateBasis": "performance_date"},
    ),
    (
        "posts.performance",
        "/v2/posts/performance",
        {
            "start": START,
            "end": "2025-01-15",
            "content_types": ["instagram_reel"],
            "metrics": ["avgWatchTime", "impressions"],
        },
        {
            "startDate": START,
            "endDate": "2025-01-15",
            "contentType": "instagram_reel",
            "metrics": ["avgWatchTime", "impressions"],
        },
    ),
]


def as_json(item: Any) -> Any:
    return item if isinstance(item, str) else item.to_dict()


def normalise(rows: list[Any]) -> list[Any]:
    """Datetimes as instants (the models re-serialise ...000Z as +00:00)."""

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value

    return [fix(r) for r in rows]


@pytest.mark.parametrize(("method", "path", "kwargs", "params"), CASES, ids=[c[0] for c in CASES])
def test_sync_results_equal_the_sandbox(
    client: lr.Client,
    sandbox_url: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    params: dict[str, Any],
) -> None:
    resource, name = method.split(".")
    rows = [as_json(r) for r in getattr(getattr(client, resource), name)(**kwargs)]
    expected = raw(sandbox_url, path, **params)["data"]
    assert rows
    assert normalise(rows) == normalise(expected)


@pytest.mark.parametrize(("method", "path", "kwargs", "params"), CASES, ids=[c[0] for c in CASES])
async def test_async_results_equal_the_sandbox(
    async_client: lr.AsyncClient,
    sandbox_url: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    params: dict[str, Any],
) -> None:
    resource, name = method.split(".")
    rows = [as_json(r) async for r in getattr(getattr(async_client, resource), name)(**kwargs)]
    expected = raw(sandbox_url, path, **params)["data"]
    assert normalise(rows) == normalise(expected)


def test_summary_and_roi(client: lr.Client, sandbox_url: str) -> None:
    summary = client.instances.performance(
        start=START, end=END, metrics=["engagements", "cpe", "paidCpm"]
    )
    expected = raw(
        sandbox_url,
        "/v2/instances/performance",
        startDate=START,
        endDate=END,
        metrics=["engagements", "cpe", "paidCpm"],
    )["data"]["metrics"]
    assert summary.to_dict() == expected
    roi = client.platforms.return_on_investment(start=START, end=END)
    assert [r.to_dict() for r in roi] == raw(
        sandbox_url, "/v2/platforms/return-on-investment", startDate=START, endDate=END
    )["data"]


async def test_async_summary_and_roi(async_client: lr.AsyncClient) -> None:
    summary = await async_client.instances.performance(
        start=START, end=END, metrics=["engagements"]
    )
    assert isinstance(summary.engagements, int | float)
    roi = await async_client.platforms.return_on_investment(start=START, end=END)
    assert {r.platform for r in roi} >= {"instagram", "tiktok"}


def test_api_errors_from_the_sandbox(client: lr.Client) -> None:
    with pytest.raises(lr.InstanceAccessDenied, match="instance_xyz"):
        list(client.posts.performance(start=START, end=END, instance_ids=["instance_xyz"]))
    # A metric restricted to other content types is refused locally, as the sandbox would.
    with pytest.raises(lr.ValidationError, match="avgWatchTime not supported") as info:
        list(client.posts.performance(start=START, end=END, metrics=["avgWatchTime"]))
    valid = str(info.value).split("valid metrics are: ")[1].split(", ")
    assert "impressions" in valid
    assert "avgWatchTime" not in valid


@pytest.mark.parametrize(
    ("client_id", "secret", "error"),
    [
        ("demo-client", "wrong", lr.InvalidClientCredentials),
        ("disabled-client", "disabled-secret", lr.ClientDisabled),
        ("empty-client", "empty-secret", lr.NoAccessibleInstances),
    ],
)
def test_token_errors_from_the_sandbox(
    sandbox_url: str, client_id: str, secret: str, error: type[Exception]
) -> None:
    with (
        lr.Client(base_url=sandbox_url, client_id=client_id, client_secret=secret) as c,
        pytest.raises(error),
    ):
        c.authenticate()


def test_in_process_asgi_transport() -> None:
    app = create_app(SandboxConfig(rate_limit=None))

    async def run() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with lr.AsyncClient(
            base_url="http://127.0.0.1",
            client_id="demo-client",
            client_secret="demo-secret",
            transport=transport,
        ) as c:
            return [i async for i in c.instances.list()]

    assert asyncio.run(run()) == ["instance_abc", "instance_def"]


def test_token_expiring_mid_iteration_is_refreshed_transparently() -> None:
    app = SandboxApp(SandboxConfig(rate_limit=None, token_lifetime=1.0))
    with (
        serve_in_thread(app) as url,
        lr.Client(
            base_url=url,
            client_id="demo-client",
            client_secret="demo-secret",
            rate_limit=None,
            concurrency=2,
        ) as c,
    ):
        rows = []
        for row in c.posts.performance(start="2025-01-01", end="2025-03-31", page_size=100).dicts():
            rows.append(row["postId"])
            if len(rows) % 1000 == 0:
                time.sleep(0.3)  # let the 1 s token expire between pages
    assert len(rows) == len(set(rows)) > 5000
    assert len(app.tokens.issued) >= 2
