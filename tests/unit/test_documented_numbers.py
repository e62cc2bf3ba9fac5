"""Every number the documentation promises, pinned by value and, where a caller can see it,
by behaviour. Each test names where its number is documented.

Sources: README "Using the SDK from Python" (what the SDK does for you), README "Credentials",
the API contract decisions (contract-decisions.md: "Auth", "Query conventions", "Pagination",
"Rate limits"), the API fact sheet (api-facts.md: 2.3 Dates, 2.5 filters, 2.7 Pagination,
2.9 Rate limits), the spec openapi/later-reporting-v2.yaml, and the module docstrings of
_retry.py, _auth.py and _validation.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import json
import random
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import later_reporting as lr
from later_reporting._auth import make_token
from later_reporting._errors import parse_retry_after
from later_reporting._ratelimit import RateBudget
from later_reporting._retry import retry_delay, waits_too_long
from tests.unit.helpers import BASE, SECRET, jwt

KINDS = ["sync", "async"]
Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """A MockTransport handler that answers the token POST and records every report GET."""

    def __init__(self, reply: Handler, token: Callable[[], str] = jwt) -> None:
        self.reply, self.token = reply, token
        self.gets: list[httpx.Request] = []
        self.posts: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            with self.lock:
                self.posts.append(request)
            return httpx.Response(200, json={"jwt": self.token()})
        with self.lock:
            self.gets.append(request)
        return self.reply(request)

    @property
    def sent(self) -> int:
        return len(self.posts) + len(self.gets)


def instances_page(number: int, total_pages: int, size: int = 1) -> httpx.Response:
    ids = [f"i{number}-{n}" for n in range(size)]
    return httpx.Response(
        200,
        json={
            "data": {"instanceIds": ids},
            "pagination": {
                "page": number,
                "pageSize": size,
                "totalPages": total_pages,
                "totalItems": total_pages * size,
            },
        },
    )


def paged(total_pages: int, size: int = 1) -> Handler:
    def reply(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("pageNumber", "1"))
        return instances_page(number, total_pages, size)

    return reply


def statuses(*codes: int, headers: dict[str, str] | None = None) -> Handler:
    """Answer with these statuses in turn, then a one-page instance list."""
    queue = list(codes)

    def reply(request: httpx.Request) -> httpx.Response:
        if queue:
            return httpx.Response(queue.pop(0), headers=headers or {})
        return instances_page(1, 1)

    return reply


async def call(kind: str, server: Server, use: Callable[[Any], Any], **options: Any) -> Any:
    """Run ``use(client)`` on a sync or an async client; paginators are read to the end."""
    settings: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": SECRET,
        "base_url": BASE,
        "rate_limit": None,
        "transport": httpx.MockTransport(server),
    }
    settings.update(options)
    if kind == "sync":
        with lr.Client(**settings) as client:
            result = use(client)
            return list(result) if isinstance(result, lr.Paginator) else result
    async with lr.AsyncClient(**settings) as aclient:
        result = use(aclient)
        if isinstance(result, lr.AsyncPaginator):
            return [row async for row in result]
        return await result


# --- Retries: README "Retries and rate limits"; _retry.py docstring of retry_delay ----------


@pytest.mark.parametrize("kind", KINDS)
async def test_default_is_two_retries_then_the_error(kind: str) -> None:
    server = Server(statuses(503, 503, 503, 503))
    with pytest.raises(lr.ServerError):
        await call(kind, server, lambda c: c.instances.list())
    assert len(server.gets) == 3  # the request and exactly 2 retries


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_the_retried_statuses(kind: str, status: int) -> None:
    server = Server(statuses(status))
    assert await call(kind, server, lambda c: c.instances.list()) == ["i1-0"]
    assert len(server.gets) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [400, 404, 422, 501])
async def test_other_statuses_are_not_retried(kind: str, status: int) -> None:
    # 501 is a 5xx outside the documented set (429, 500, 502, 503, 504).
    server = Server(statuses(status))
    with pytest.raises(lr.APIError):
        await call(kind, server, lambda c: c.instances.list())
    assert len(server.gets) == 1


def test_client_defaults_in_the_signatures() -> None:
    # README "Retries and rate limits" and "Timeouts": 2 retries, 120 requests/minute, 30 s.
    for cls in (lr.Client, lr.AsyncClient):
        parameters = inspect.signature(cls).parameters
        assert parameters["max_retries"].default == 2
        assert parameters["rate_limit"].default == 120
        assert parameters["timeout"].default == 30.0


def test_backoff_starts_at_half_a_second() -> None:
    # _retry.py: "0.5 s doubling to 8 s", equal jitter (half to all of the step).
    rng = random.Random(11)
    first = [retry_delay(0, rng=rng) for _ in range(2000)]
    assert min(first) >= 0.25 and max(first) <= 0.5
    assert min(first) < 0.26 and max(first) > 0.49
    second = [retry_delay(1, rng=rng) for _ in range(2000)]
    assert min(second) >= 0.5 and max(second) <= 1.0


def test_backoff_never_exceeds_eight_seconds() -> None:
    # _retry.py "capped at 8 s"; README "capped exponential backoff with jitter".
    rng = random.Random(5)
    late = [retry_delay(attempt, rng=rng) for attempt in range(4, 40) for _ in range(100)]
    assert max(late) <= 8.0
    assert max(late) > 7.9
    assert min(late) >= 4.0  # half of the 8 s cap: the cap, not a larger one, is jittered


def test_retry_after_is_honoured_up_to_what_the_caller_can_wait() -> None:
    # README "Retries": Retry-After is honoured; one longer than the call may wait (its
    # timeout, or the rate window when it is the window rolling over) fails fast.
    assert retry_delay(0, retry_after=119.5) == 119.5
    assert retry_delay(0, retry_after=121) == 121
    assert not waits_too_long(30, total_timeout=30, window=None)
    assert waits_too_long(31, total_timeout=30, window=None)
    assert not waits_too_long(59, total_timeout=30, window=60)  # the window rolling over
    assert waits_too_long(86_400, total_timeout=5, window=60)
    # Without a known timeout the caller's budget is two minutes.
    assert not waits_too_long(120, total_timeout=None, window=None)
    assert waits_too_long(121, total_timeout=None, window=None)
    # A 429's wait for one request slot of the advertised rate is capped at two minutes.
    assert retry_delay(0, rate_limited=True, slot=600.0, rng=random.Random(0)) == 120


@pytest.mark.parametrize("value", ["soon", "", "1.5.2", "-3", "Wed, 99 Foo 2015 07:28:00 GMT"])
def test_retry_after_garbage_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None
    assert retry_delay(0, retry_after=parse_retry_after(value), rng=random.Random(1)) <= 0.5


@pytest.mark.parametrize("kind", KINDS)
async def test_a_429_with_garbage_retry_after_is_still_retried(kind: str) -> None:
    server = Server(statuses(429, headers={"Retry-After": "not-a-number"}))
    assert await call(kind, server, lambda c: c.instances.list()) == ["i1-0"]
    assert len(server.gets) == 2


# --- Auth: _auth.py docstring; contract-decisions.md "Auth" ---------------------------------


def token_with(iat: float, exp: float) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return ".".join([part({"alg": "HS256"}), part({"iat": iat, "exp": exp}), "sig"])


@pytest.mark.parametrize(
    ("lifetime", "skew"),
    [(300, 30.0), (600, 60.0), (601, 60.0), (43_200, 60.0), (86_400, 60.0)],
)
def test_tokens_refresh_a_tenth_of_their_lifetime_early_at_most_a_minute(
    lifetime: int, skew: float
) -> None:
    issued = 1_800_000_000.0
    token = make_token(token_with(issued, issued + lifetime), issued)
    assert token.expires_at == issued + lifetime
    assert token.refresh_at == issued + lifetime - skew


@pytest.mark.parametrize("kind", KINDS)
async def test_a_401_with_a_valid_token_is_replayed_once(kind: str) -> None:
    server = Server(lambda r: httpx.Response(401, json={"type": "ANL_00401"}))
    with pytest.raises(lr.AuthenticationError):
        await call(kind, server, lambda c: c.instances.list())
    assert len(server.gets) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_a_401_for_expired_tokens_is_replayed_at_most_three_times(kind: str) -> None:
    server = Server(
        lambda r: httpx.Response(401, json={"type": "ANL_00401"}),
        token=lambda: jwt(lifetime=-1),
    )
    with pytest.raises(lr.AuthenticationError):
        await call(kind, server, lambda c: c.instances.list())
    assert len(server.gets) == 4  # the request and 3 replays


# --- Timeouts and rate: README "Timeouts"; contract-decisions.md "Rate limits" --------------


@pytest.mark.parametrize("kind", KINDS)
async def test_default_timeout_is_thirty_seconds_connect_ten(kind: str) -> None:
    server = Server(paged(1))
    await call(kind, server, lambda c: c.instances.list())
    for request in (server.posts[0], server.gets[0]):  # the token POST and a report GET
        assert request.extensions["timeout"] == {
            "connect": 10.0,
            "read": 30.0,
            "write": 30.0,
            "pool": 30.0,
        }


def test_the_default_rate_is_120_requests_per_60_seconds() -> None:
    budget = RateBudget()
    assert (budget.limit, budget.window) == (120, 60.0)


# --- Pagination: contract-decisions.md "Pagination"; api-facts.md 2.7; README "Pagination" --


@pytest.mark.parametrize("kind", KINDS)
async def test_exactly_500_pages_are_read_in_full(kind: str) -> None:
    server = Server(paged(500))
    rows = await call(kind, server, lambda c: c.instances.list(page_size=1))
    assert len(rows) == 500
    assert rows[-1] == "i500-0"
    assert len(server.gets) == 500


@pytest.mark.parametrize("kind", KINDS)
async def test_501_pages_are_past_the_cap(kind: str) -> None:
    server = Server(paged(501))
    with pytest.raises(lr.QueryTooLargeError, match="500-page cap"):
        await call(kind, server, lambda c: c.instances.list(page_size=1))
    assert len(server.gets) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_max_items_one_reads_one_row_from_one_page(kind: str) -> None:
    server = Server(paged(3, size=5))
    rows = await call(kind, server, lambda c: c.instances.list(max_items=1))
    assert rows == ["i1-0"]
    assert len(server.gets) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [1, 100])
async def test_page_size_bounds_are_accepted(kind: str, size: int) -> None:
    server = Server(paged(1, size=size))
    rows = await call(kind, server, lambda c: c.instances.list(page_size=size))
    assert len(rows) == size
    assert server.gets[0].url.params["pageSize"] == str(size)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [0, 101])
async def test_page_size_outside_1_to_100_is_refused_before_any_request(
    kind: str, size: int
) -> None:
    server = Server(paged(1))
    with pytest.raises(lr.ValidationError, match=r"page_size.*from 1 to 100"):
        await call(kind, server, lambda c: c.instances.list(page_size=size))
    assert server.sent == 0


# --- Filters: contract-decisions.md "Query conventions"; api-facts.md 2.3 and 2.5 ----------

JANUARY = {"start": "2025-01-01", "end": "2025-01-31"}


def empty_report(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": [],
            "pagination": {"page": 1, "pageSize": 50, "totalPages": 0, "totalItems": 0},
        },
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_exactly_50_campaign_ids_are_sent(kind: str) -> None:
    server = Server(empty_report)
    ids = list(range(1, 51))
    await call(kind, server, lambda c: c.posts.performance(**JANUARY, campaign_ids=ids))
    assert server.gets[0].url.params.get_list("campaignIds") == [str(i) for i in ids]


@pytest.mark.parametrize("kind", KINDS)
async def test_51_campaign_ids_are_refused_before_any_request(kind: str) -> None:
    server = Server(empty_report)
    ids = list(range(1, 52))
    with pytest.raises(lr.ValidationError, match=r"at most 50 campaign ids per request, got 51"):
        await call(kind, server, lambda c: c.posts.performance(**JANUARY, campaign_ids=ids))
    assert server.sent == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_a_256_character_instance_id_is_sent_and_257_refused(kind: str) -> None:
    # The SDK's own plausibility bound (later_reporting/_validation.py, MAX_ID_LENGTH); the
    # spec's instanceIds items (openapi/later-reporting-v2.yaml) state no maxLength.
    server = Server(empty_report)
    longest = "i" * 256
    await call(kind, server, lambda c: c.posts.performance(**JANUARY, instance_ids=[longest]))
    assert server.gets[0].url.params.get_list("instanceIds") == [longest]
    before = server.sent
    with pytest.raises(lr.ValidationError, match="instance_ids"):
        await call(kind, server, lambda c: c.posts.performance(**JANUARY, instance_ids=["i" * 257]))
    assert server.sent == before


@pytest.mark.parametrize("kind", KINDS)
async def test_an_empty_instance_id_list_is_refused_omit_it_for_every_instance(kind: str) -> None:
    # contract-decisions.md "Query conventions": omitted instanceIds means every instance; an
    # empty list would silently mean the same, so it is refused and the message says to omit it.
    server = Server(empty_report)
    with pytest.raises(
        lr.ValidationError, match=r"^instance_ids: is empty; omit it to query every instance$"
    ):
        await call(kind, server, lambda c: c.posts.performance(**JANUARY, instance_ids=[]))
    assert server.sent == 0
    await call(kind, server, lambda c: c.posts.performance(**JANUARY))
    assert "instanceIds" not in server.gets[0].url.params


@pytest.mark.parametrize(
    ("start", "latest_end"),
    [
        (dt.date(2024, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2024, 2, 29), dt.date(2026, 2, 27)),  # 29 February: two years end on the 28th
        (dt.date(2023, 7, 15), dt.date(2025, 7, 14)),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
async def test_the_range_is_at_most_two_years(
    kind: str, start: dt.date, latest_end: dt.date
) -> None:
    server = Server(empty_report)
    await call(kind, server, lambda c: c.posts.performance(start=start, end=latest_end))
    assert server.gets[0].url.params["endDate"] == latest_end.isoformat()
    before = server.sent
    too_late = latest_end + dt.timedelta(days=1)
    with pytest.raises(lr.ValidationError, match="longer than two years"):
        await call(kind, server, lambda c: c.posts.performance(start=start, end=too_late))
    assert server.sent == before


# --- Clock tolerance: README "What the SDK does for you" (Auth); _auth.py docstring ---------


@pytest.mark.parametrize(
    ("late", "expires_after_receipt"),
    [
        (5.0, 595.0),  # within 5 s of iat: the clocks agree, the token ends at its exp
        (-5.0, 605.0),
        (5.5, 600.0),  # more than 5 s: the granted 600 s are counted from receipt
        (-5.5, 600.0),
    ],
)
def test_clocks_count_as_disagreeing_beyond_five_seconds(
    late: float, expires_after_receipt: float
) -> None:
    issued = 1_800_000_000.0
    received = issued + late
    token = make_token(token_with(issued, issued + 600), received)
    assert token.expires_at == received + expires_after_receipt
