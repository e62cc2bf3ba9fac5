"""Focused tests of the documented behaviours the sandbox implements."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from later_reporting.sandbox import Faults, SandboxConfig, create_app
from later_reporting.sandbox._reports import time_buckets

DEMO = {"clientId": "demo-client", "clientSecret": "demo-secret"}
R = "/v2/posts/performance"
Q = {"startDate": "2025-01-01", "endDate": "2025-01-31"}


class Sandbox:
    """A sandbox app driven in process through httpx (sync facade over the ASGI transport)."""

    def __init__(self, **config: Any) -> None:
        import asyncio

        self.app = create_app(
            SandboxConfig(rate_limit=None, **config)
            if "rate_limit" not in config
            else SandboxConfig(**config)
        )
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://sandbox"
        )
        self.token = self.post("/oauth/token", DEMO).json()["jwt"]

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.post(path, json=body))

    def get(
        self,
        path: str,
        query: str | dict[str, Any] = "",
        token: str | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"} if auth else {}
        url = f"{path}?{query}" if isinstance(query, str) else path
        params = query if isinstance(query, dict) else None
        return self.loop.run_until_complete(self.http.get(url, params=params, headers=headers))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox()
    yield sandbox
    sandbox.close()


def problem(response: httpx.Response, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == type_
    assert body["title"] and body["detail"]
    assert "status" not in body
    return body


@pytest.mark.parametrize(
    ("query", "type_", "needle"),
    [
        (
            {**Q, "platform": "instagram", "contentType": "tiktok"},
            "ANL_00400",
            "cannot be combined",
        ),
        ({"startDate": "2025-02-01", "endDate": "2025-01-01"}, "ANL_00400", "must not be after"),
        ({"startDate": "2024-01-01", "endDate": "2026-01-01"}, "ANL_00400", "at most two years"),
        ({**Q, "campaignIds": ",".join(str(i) for i in range(51))}, "ANL_00400", "Maximum of 50"),
        ({**Q, "metrics": "avgWatchTime"}, "ANL_00400", "Valid metrics"),
        (
            {**Q, "sortProperty": "badField"},
            "ANL_00422",
            "Invalid sortProperty 'badField' for "
            "/posts/performance. Valid values are: cpe, cpm, engagementRate",
        ),
        ({**Q, "pageSize": "0"}, "ANL_00400", "between 1 and 100"),
        ({**Q, "pageNumber": "501"}, "ANL_00400", "between 1 and 500"),
        ({"startDate": "2025-1-1", "endDate": "2025-01-31"}, "ANL_00400", "YYYY-MM-DD"),
        ({"endDate": "2025-01-31"}, "ANL_00400", "'startDate' is required"),
        ({**Q, "nextCursor": "garbage"}, "ANL_00400", "nextCursor"),
    ],
)
def test_validation_errors(sb: Sandbox, query: dict[str, str], type_: str, needle: str) -> None:
    body = problem(sb.get(R, query), 400, type_)
    assert needle in body["detail"]
    if needle == "Valid metrics":
        assert "impressions" in body["validMetrics"]
        assert "avgWatchTime" not in body["validMetrics"]
    if type_ == "ANL_00422":
        assert body["validValues"][0] == "cpe"


def test_restricted_metric_allowed_when_the_filter_admits_only_its_content(sb: Sandbox) -> None:
    response = sb.get(
        R, {**Q, "contentType": "instagram_reel", "metrics": "avgWatchTime", "pageSize": "5"}
    )
    assert response.status_code == 200
    assert all(isinstance(row["avgWatchTime"], float | int) for row in response.json()["data"])


def test_auth_errors(sb: Sandbox) -> None:
    problem(sb.get(R, Q, auth=False), 401, "ANL_00401")
    problem(sb.get(R, Q, token="not.a.jwt"), 401, "ANL_00401")
    forged = sb.token[:-4] + ("AAAA" if not sb.token.endswith("AAAA") else "BBBB")
    problem(sb.get(R, Q, token=forged), 401, "ANL_00401")
    problem(sb.get(R, {**Q, "instanceIds": "instance_xyz"}), 403, "ANL_00403")
    problem(sb.get("/v2/nope"), 404, "ANL_00404")
    for body, status, code in [
        ({"clientId": "demo-client", "clientSecret": "nope"}, 401, "INVALID_CLIENT_CREDENTIALS"),
        (
            {"clientId": "disabled-client", "clientSecret": "disabled-secret"},
            403,
            "CLIENT_DISABLED",
        ),
        (
            {"clientId": "empty-client", "clientSecret": "empty-secret"},
            403,
            "NO_ACCESSIBLE_INSTANCES",
        ),
    ]:
        response = sb.post("/oauth/token", body)
        assert problem(response, status, f"ANL_00{status}")["code"] == code
    problem(sb.post("/oauth/token", {"clientId": "x"}), 400, "ANL_00400")


def test_token_expires_and_says_when() -> None:
    sandbox = Sandbox(token_lifetime=0.3)
    try:
        assert sandbox.get("/v2/instances").status_code == 200
        time.sleep(0.4)
        body = problem(sandbox.get("/v2/instances"), 401, "ANL_00401")
        assert "expired at" in body["detail"]
    finally:
        sandbox.close()


@pytest.mark.parametrize(
    "encoding",
    [
        "instanceIds=instance_abc,instance_def",
        "instanceIds=instance_abc&instanceIds=instance_def",
        "instanceIds[]=instance_abc&instanceIds[]=instance_def",
    ],
)
def test_three_array_encodings_are_equivalent(sb: Sandbox, encoding: str) -> None:
    base = "startDate=2025-01-01&endDate=2025-01-31&pageSize=1"
    total = sb.get(R, f"{base}&{encoding}").json()["pagination"]["totalItems"]
    assert total == sb.get(R, base).json()["pagination"]["totalItems"] > 0
    one = sb.get(R, f"{base}&instanceIds=instance_abc").json()["pagination"]["totalItems"]
    assert 0 < one < total


def test_platform_includes_all_its_content_types(sb: Sandbox) -> None:
    def total(query: str) -> int:
        count: int = sb.get(
            R, f"startDate=2025-01-01&endDate=2025-01-31&pageSize=1&{query}"
        ).json()["pagination"]["totalItems"]
        return count

    assert total("platform=instagram") == total(
        "contentType=instagram_post,instagram_reel,instagram_story"
    )


def test_date_basis_gives_different_answers(sb: Sandbox) -> None:
    query = {"startDate": "2025-02-01", "endDate": "2025-02-28", "metrics": "engagements"}
    by_post = sb.get("/v2/instances/performance", query).json()["data"]["metrics"]
    by_perf = sb.get(
        "/v2/instances/performance", {**query, "dateBasis": "performance_date"}
    ).json()["data"]["metrics"]
    assert by_post["engagements"] != by_perf["engagements"]
    # A post from January earns metrics in February: it is in February's performance_date
    # result but not in its post_date result.
    posts = sb.get(
        R,
        {
            **query,
            "dateBasis": "performance_date",
            "sortProperty": "postDate",
            "sortDirection": "ASC",
            "pageSize": "1",
        },
    ).json()["data"]
    assert posts[0]["postDate"] < "2025-02-01"


def test_sorting_is_stable_with_id_tiebreak_and_totals_add_up(sb: Sandbox) -> None:
    query = {**Q, "sortProperty": "impressions", "sortDirection": "DESC", "pageSize": "100"}
    first = sb.get(R, query).json()
    pagination = first["pagination"]
    rows = list(first["data"])
    for number in range(2, pagination["totalPages"] + 1):
        rows += sb.get(R, {**query, "pageNumber": str(number)}).json()["data"]
    assert len(rows) == pagination["totalItems"] == len({r["postId"] for r in rows})
    keys = [(-(r["impressions"] or 0), r["postId"]) for r in rows]
    assert keys == sorted(keys)
    assert pagination["totalPages"] == -(-pagination["totalItems"] // 100)


def test_time_buckets_iso_weeks_quarters_and_clipping() -> None:
    weeks = time_buckets(dt.date(2025, 1, 1), dt.date(2025, 1, 20), "week")
    assert weeks[0] == (dt.date(2025, 1, 1), dt.date(2025, 1, 5))  # clipped: Wed..Sun
    assert weeks[1] == (dt.date(2025, 1, 6), dt.date(2025, 1, 12))  # Monday..Sunday
    assert weeks[-1] == (dt.date(2025, 1, 20), dt.date(2025, 1, 20))
    quarters = time_buckets(dt.date(2024, 2, 15), dt.date(2024, 12, 31), "quarter")
    assert quarters == [
        (dt.date(2024, 2, 15), dt.date(2024, 3, 31)),
        (dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
        (dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
        (dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
    ]
    assert time_buckets(dt.date(2024, 2, 1), dt.date(2024, 3, 10), "month")[0][1] == dt.date(
        2024, 2, 29
    )


def test_empty_buckets_are_omitted(sb: Sandbox) -> None:
    # Campaign 1's posts fall on a few days only: most days have no activity.
    body = sb.get(
        "/v2/instances/performance-over-time",
        {
            "startDate": "2024-01-01",
            "endDate": "2024-03-31",
            "granularity": "day",
            "campaignIds": "1",
            "platform": "tiktok",
            "pageSize": "100",
        },
    ).json()
    days = body["pagination"]["totalItems"]
    assert 0 < days < 91
    assert all(b["metrics"]["impressions"] is not None for b in body["data"])


def test_rate_limit_headers_on_every_response_and_429_past_the_limit() -> None:
    sandbox = Sandbox(rate_limit=3)
    try:
        statuses = [sandbox.get("/v2/instances") for _ in range(4)]
        for response in statuses:
            assert response.headers["X-Ratelimit-Limit"] == "3"
            assert response.headers["X-Ratelimit-Window"] == "60"
        body = problem(statuses[-1], 429, "ANL_00429")
        assert body["title"] == "Too Many Requests"
        assert int(statuses[-1].headers["Retry-After"]) >= 1
    finally:
        sandbox.close()


def test_cursor_paging_mode() -> None:
    sandbox = Sandbox(cursor_paging=True)
    try:
        seen: list[int] = []
        query: dict[str, str] = {**Q, "limit": "100"}
        while True:
            body = sandbox.get(R, query).json()
            assert "pagination" not in body
            seen += [row["postId"] for row in body["data"]]
            if body["nextCursor"] is None:
                break
            query = {**Q, "limit": "100", "nextCursor": body["nextCursor"]}
        total = sandbox.get(R, {**Q, "limit": "1"}).json()
        assert len(seen) == len(set(seen)) > 100
        assert total["nextCursor"] is not None
    finally:
        sandbox.close()


def test_injected_faults_are_seeded() -> None:
    sandbox = Sandbox(faults=Faults(error_rate=0.5, seed=3))
    try:
        first = [sandbox.get("/v2/instances").status_code for _ in range(20)]
    finally:
        sandbox.close()
    again = Sandbox(faults=Faults(error_rate=0.5, seed=3))
    try:
        second = [again.get("/v2/instances").status_code for _ in range(20)]
    finally:
        again.close()
    assert first == second
    assert set(first) == {200, 500}


SEED_CURLS = [  # (seed file, path and query of its curl example)
    (
        "000",
        "/v2/instances/performance?startDate=2025-01-01&endDate=2025-12-31&metrics="
        "&instanceIds=&campaignIds=1&platform=instagram&contentType=instagram_post"
        "&dateBasis=post_date",
    ),
    (
        "001",
        "/v2/instances/performance-over-time?startDate=2024-01-01&endDate=2024-12-31"
        "&instanceIds=instance_abc&instanceIds=instance_def&campaignIds=49761&campaignIds=49802"
        "&platform=instagram&platform=tiktok&contentType=instagram_reel&contentType=tiktok"
        "&dateBasis=post_date&pageSize=50&pageNumber=1&granularity=month",
    ),
    (
        "002",
        "/v2/posts/performance?startDate=2024-01-01&endDate=2024-12-31"
        "&instanceIds=instance_abc&instanceIds=instance_def&campaignIds=49761&campaignIds=49802"
        "&platform=instagram&platform=tiktok&contentType=instagram_reel&contentType=tiktok"
        "&dateBasis=post_date&pageSize=50&pageNumber=1&sortProperty=impressions&sortDirection=DESC",
    ),
    ("003", "/v2/instances?pageNumber=1&pageSize=50"),
    (
        "003",
        "/v2/campaigns/performance?startDate=2025-01-01&endDate=2025-01-31"
        "&instanceIds=instance_abc&pageNumber=1&pageSize=10&sortProperty=estimatedRoi"
        "&sortDirection=DESC",
    ),
    (
        "003",
        "/v2/creators/performance?startDate=2025-01-01&endDate=2025-01-31&instanceIds=instance_abc",
    ),
    ("004", "/v2/instances?pageNumber=1&pageSize=50"),
    (
        "004",
        "/v2/campaigns/performance?startDate=2025-01-01&endDate=2025-01-31"
        "&instanceIds=instance_abc&pageNumber=1&pageSize=10&sortProperty=estimatedRoi"
        "&sortDirection=DESC",
    ),
]


@pytest.mark.parametrize(("seed", "url"), SEED_CURLS)
def test_every_seed_curl_example(sb: Sandbox, seed: str, url: str) -> None:
    path, _, query = url.partition("?")
    response = sb.get(path, query)
    if "platform=" in query and "contentType=" in query:
        problem(response, 400, "ANL_00400")
        without = "&".join(p for p in query.split("&") if not p.startswith("contentType="))
        response = sb.get(path, without)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data
    if path == "/v2/instances/performance":
        assert len(data["metrics"]) == 27
        assert data["metrics"]["postsCount"] > 0


@pytest.mark.parametrize("campaign_id", ["9223372036854775807", "-9223372036854775807", "0"])
def test_every_int64_campaign_id_is_accepted(sb: Sandbox, campaign_id: str) -> None:
    response = sb.get(R, {**Q, "campaignIds": campaign_id, "pageSize": "1"})
    assert response.status_code == 200, response.text
    assert response.json()["pagination"]["totalItems"] == 0


@pytest.mark.parametrize("campaign_id", ["9223372036854775808", "-9223372036854775809", "1.5"])
def test_campaign_ids_outside_int64_are_refused(sb: Sandbox, campaign_id: str) -> None:
    body = problem(sb.get(R, {**Q, "campaignIds": campaign_id}), 400, "ANL_00400")
    assert "64-bit integers" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", R, "GET, HEAD"),
        ("DELETE", "/v2/instances", "GET, HEAD"),
        ("GET", "/oauth/token", "POST"),
    ],
)
def test_an_unsupported_method_on_a_known_path_is_405_with_allow(
    sb: Sandbox, method: str, path: str, allow: str
) -> None:
    response = sb.loop.run_until_complete(
        sb.http.request(method, path, headers={"Authorization": f"Bearer {sb.token}"})
    )
    body = problem(response, 405, "ANL_00405")
    assert response.headers["allow"] == allow
    assert method in body["detail"]
