"""The sandbox ASGI application: routing, auth, rate limiting, faults, paging, responses."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from later_reporting._operations import OPERATIONS
from later_reporting.sandbox import _query as q
from later_reporting.sandbox._auth import DEFAULT_CLIENTS, SandboxClient, Tokens
from later_reporting.sandbox._clock import Clock
from later_reporting.sandbox._data import build_dataset
from later_reporting.sandbox._faults import FaultDice, Faults
from later_reporting.sandbox._problems import Problem, invalid
from later_reporting.sandbox._reports import Reports, Selection, Sort, campaign_row

UNLIMITED = 1_000_000
COMPRESS_MIN_BYTES = 20
COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox behaves. Every field has a default; ``SandboxConfig()`` is the API as
    documented, limited to 120 requests per minute per client address.

    Attributes:
        seed: Seed of the synthetic dataset (the same seed, the same data). Default ``7``.
        posts: How many posts the dataset holds. Default ``110_000`` (2024-01-01 to
            2026-06-30).
        token_lifetime: Seconds a JWT lives (its ``exp``). Default ``3600.0``.
        rate_limit: Requests per ``rate_limit_window`` per client address before a 429 with
            ``Retry-After``. Default ``120``; ``None`` turns the limit off (tests, demos).
        rate_limit_window: Seconds of the fixed rate-limit window. Default ``60``.
        cursor_paging: Page with ``limit`` / ``nextCursor`` and no totals instead of page
            numbers with totals. Default ``False``.
        faults: What goes wrong, and how often (``Faults``). Default: nothing.
        clients: The OAuth clients (``SandboxClient``). Default: ``demo-client`` /
            ``demo-secret`` and the others listed in the module's docstring.
        compress: Gzip responses when the client asks (``Accept-Encoding``). Default ``True``.
        date_basis_spelling: The ``dateBasis`` values accepted: ``"post_date"`` (default,
            with ``performance_date``) or ``"postDate"`` (with ``performanceDate``).
        rate_limit_headers: Send ``X-Ratelimit-Limit`` / ``X-Ratelimit-Window`` on every
            response. Default ``True``.
        array_encodings: The array encodings accepted: ``"comma"`` (``a,b``), ``"repeat"``
            (``k=a&k=b``), ``"brackets"`` (``k[]=a``). Default: all three.
        as_of: The sandbox's "today": posts published later do not exist yet, and metrics
            accrue only up to this day, so recent posts grow as it advances. Default ``None``
            (the dataset's last day).
        even_post_rate: Spread the posts evenly over the dataset's days. Default ``False``:
            more campaigns run as time goes on, so recent months hold more posts.
    """

    seed: int = 7
    posts: int = 110_000
    token_lifetime: float = 3600.0
    rate_limit: int | None = 120
    rate_limit_window: int = 60
    cursor_paging: bool = False
    faults: Faults = field(default_factory=Faults)
    clients: tuple[SandboxClient, ...] = DEFAULT_CLIENTS
    compress: bool = True  # gzip when the client asks (Accept-Encoding), as nginx or a CDN do
    # API variants the public docs disagree on (told apart by contract_tests/fingerprint.py):
    # the spelling of dateBasis values, rate-limit headers on every response, and which array
    # encodings (`a,b`, repeated keys, `key[]=`) the server accepts.
    date_basis_spelling: q.DateBasisSpelling = "post_date"
    rate_limit_headers: bool = True
    array_encodings: tuple[q.ArrayEncoding, ...] = q.ARRAY_ENCODINGS
    as_of: dt.date | None = None  # the sandbox's "today" (see _clock.py); None: the data's end
    even_post_rate: bool = False

    def __post_init__(self) -> None:
        q.check_variant(self.date_basis_spelling, self.array_encodings)


class DroppedConnection(Exception):
    """Raised after a partial response so that the server drops the connection."""


class RateLimiter:
    """Fixed-window request counter per client address."""

    def __init__(self, limit: int | None, window: int) -> None:
        self.limit, self.window = limit, window
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        return {
            "X-Ratelimit-Limit": str(self.limit or UNLIMITED),
            "X-Ratelimit-Window": str(self.window),
        }

    def check(self, key: str) -> None:
        if not self.limit:
            return
        now = time.time()
        slot = int(now // self.window)
        with self._lock:
            count = self._counts.get((key, slot), 0) + 1
            self._counts = {k: v for k, v in self._counts.items() if k[1] == slot}
            self._counts[(key, slot)] = count
        if count > self.limit:
            wait = max(1, math.ceil((slot + 1) * self.window - now))
            raise Problem(
                "ANL_00429",
                f"Rate limit of {self.limit} requests per {self.window} s exceeded.",
                headers={"Retry-After": str(wait)},
            )


def not_allowed(method: str, path: str, allow: str) -> Problem:
    """405 for a known path asked with a method it does not support, naming those it does."""
    return Problem(
        "ANL_00405", f"{method} is not supported on {path}; use {allow}.", headers={"Allow": allow}
    )


Handler = Callable[[Request, SandboxClient], Awaitable[dict[str, Any]]]


class SandboxApp:
    """A faithful local implementation of the Later Influence Reporting API v2, as an ASGI
    application (build it with ``create_app``).

    Args:
        config: How it behaves; ``None`` for ``SandboxConfig()``.

    Attributes:
        config: That configuration.
        token_requests: How many ``/oauth/token`` requests it has answered (for tests).
        report_requests: How many report requests it has answered (for tests).
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = Clock.at(self.config.as_of)
        self.dataset = self.clock.dataset(
            build_dataset(self.config.seed, self.config.posts, even=self.config.even_post_rate)
        )
        self.reports = Reports(self.dataset, clock=self.clock)
        self.tokens = Tokens(self.config.clients, self.config.token_lifetime)
        self.limiter = RateLimiter(self.config.rate_limit, self.config.rate_limit_window)
        self.dice = FaultDice(self.config.faults)
        self.token_requests = 0
        self.report_requests = 0
        self.routes: dict[str, Handler] = {
            "/v2/instances": self.instances,
            "/v2/instances/performance": self.summary,
            "/v2/instances/performance-over-time": self.timeseries,
            "/v2/campaigns": self.campaigns,
            "/v2/campaigns/performance": self.campaigns_performance,
            "/v2/platforms/performance": self.platforms_performance,
            "/v2/platforms/return-on-investment": self.return_on_investment,
            "/v2/creators/performance": self.creators_performance,
            "/v2/posts/performance": self.posts_performance,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            response = await self.respond(request)
        except Problem as problem:
            response = JSONResponse(
                problem.body(),
                problem.status,
                media_type="application/problem+json",
                headers=problem.headers,
            )
        except DroppedConnection:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"4096"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
            raise
        if self.config.rate_limit_headers:
            response.headers.update(self.limiter.headers())
        if self.config.compress:
            # nginx's defaults: level 1, bodies of 20 bytes or more (so the token answer too).
            await GZipMiddleware(
                response, minimum_size=COMPRESS_MIN_BYTES, compresslevel=COMPRESS_LEVEL
            )(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        path = request.url.path.rstrip("/") or "/"
        host = request.client.host if request.client else "local"
        if path == "/oauth/token":
            if request.method != "POST":
                raise not_allowed(request.method, path, "POST")
            self.limiter.check(host)
            if self.config.faults.on_token_endpoint:
                await self.inject_faults()
            return await self.token(request)
        handler = self.routes.get(path)
        if handler is None:
            raise Problem("ANL_00404", f"No route {request.method} {path}.")
        if request.method not in ("GET", "HEAD"):
            raise not_allowed(request.method, path, "GET, HEAD")
        self.limiter.check(host)
        self.report_requests += 1
        await self.inject_faults()
        client = self.tokens.verify(request.headers.get("authorization"))
        q.check_encodings(request.scope["query_string"], self.config.array_encodings)
        return JSONResponse(await handler(request, client))

    async def inject_faults(self) -> None:
        delay = self.dice.delay()
        if delay:
            await asyncio.sleep(delay)
        outcome, retry_after = self.dice.outcome()
        if outcome == "error":
            raise Problem("ANL_00500", "Injected fault: unexpected server failure.")
        if outcome == "rate_limit":
            raise Problem(
                "ANL_00429",
                "Injected fault: rate limit exceeded.",
                headers={"Retry-After": "1"} if retry_after else None,
            )
        if outcome == "drop":
            raise DroppedConnection

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid('The request body must be JSON: {"clientId", "clientSecret"}.') from exc
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) and body.get(k) for k in ("clientId", "clientSecret")
        ):
            raise invalid("'clientId' and 'clientSecret' are required non-empty strings.")
        return JSONResponse({"jwt": self.tokens.issue(body["clientId"], body["clientSecret"])})

    # --- shared request pieces ---------------------------------------------------------------

    def selection(self, query: q.Query, client: SandboxClient) -> Selection:
        start, end = q.date_range(query)
        content = q.content_types(query)
        instances = query.array("instanceIds")
        campaigns = query.campaign_ids()
        basis = q.date_basis(query, self.config.date_basis_spelling)
        return Selection(start, end, self.scope(instances, client), campaigns, content, basis)

    @staticmethod
    def scope(instances: list[str] | None, client: SandboxClient) -> tuple[str, ...]:
        if instances is None:
            return client.instances
        outside = [i for i in dict.fromkeys(instances) if i not in client.instances]
        if outside:
            raise Problem(
                "ANL_00403",
                f"Instance(s) not accessible with these credentials: {', '.join(outside)}.",
            )
        return tuple(dict.fromkeys(instances))

    @staticmethod
    def metrics(query: q.Query, operation: str, sel: Selection) -> tuple[str, ...]:
        """The metrics a report query asks for (its operation's defaults when none)."""
        op = OPERATIONS[operation]
        return q.metrics(
            query,
            op.metrics,
            op.default_metrics,
            sel.content_types,
            required=op.metrics_required,
        )

    @staticmethod
    def sort(query: q.Query, operation: str) -> Sort:
        op = OPERATIONS[operation]
        prop = q.sort_property(query, op.sorts, op.path.removeprefix("/v2"))
        direction = query.choice("sortDirection", ("ASC", "DESC"), "DESC")
        return Sort(prop, direction == "DESC")

    def page(self, query: q.Query, total: int, identity: str) -> tuple[int, int, int]:
        """(offset, size, page number) from pageSize/pageNumber or limit/nextCursor."""
        size = query.integer("pageSize", 1, 100, 50)
        limit = query.integer("limit", 1, 100, None)
        size = limit or size or 50
        number = query.integer("pageNumber", 1, 500, 1) or 1
        cursor = query.scalar("nextCursor")
        if cursor == "":
            raise invalid("'nextCursor' is empty; omit it (or send null) for the first page.")
        if cursor is not None and cursor != "null":
            try:
                state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
                offset = int(state["o"])
                if state["q"] != identity or offset < 0:
                    raise ValueError("cursor of another query")
            except (ValueError, KeyError, TypeError) as exc:
                raise invalid(
                    "'nextCursor' is not a cursor of this query; start a new walk without it."
                ) from exc
            return offset, size, offset // size + 1
        return (number - 1) * size, size, number

    def paginated(
        self, query: q.Query, items: list[Any], render: Callable[[list[Any]], Any]
    ) -> dict[str, Any]:
        identity = hashlib.sha256(
            repr(
                sorted(
                    (k, v)
                    for k, v in query.values.items()
                    if k not in ("pageNumber", "nextCursor", "pageSize", "limit")
                )
            ).encode()
        ).hexdigest()[:16]
        offset, size, number = self.page(query, len(items), identity)
        chunk = items[offset : offset + size]
        if self.config.cursor_paging:
            more = offset + size < len(items)
            cursor = (
                base64.urlsafe_b64encode(json.dumps({"o": offset + size, "q": identity}).encode())
                .decode()
                .rstrip("=")
            )
            return {"data": render(chunk), "nextCursor": cursor if more else None}
        return {
            "data": render(chunk),
            "pagination": {
                "page": number,
                "pageSize": size,
                "totalPages": math.ceil(len(items) / size),
                "totalItems": len(items),
            },
        }

    # --- operations ------------------------------------------------------------------------------

    async def instances(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        return self.paginated(query, list(client.instances), lambda ids: {"instanceIds": ids})

    async def summary(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "instances.performance", sel)
        return {"data": {"metrics": self.reports.summary(sel, metrics)}, "nextCursor": None}

    async def timeseries(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "instances.performance_over_time", sel)
        granularity = (
            query.choice("granularity", ("day", "week", "month", "quarter", "year"), "month")
            or "month"
        )
        rows = self.reports.timeseries(sel, metrics, granularity)
        return self.paginated(query, rows, list)

    async def campaigns(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        instances = self.scope(query.array("instanceIds"), client)
        rows = [
            campaign_row(c, *self.reports_first_last(c.campaign_id))
            for c in self.dataset.campaigns
            if c.instance_id in instances
        ]
        return self.paginated(query, rows, list)

    def reports_first_last(self, campaign_id: int) -> tuple[str | None, str | None]:
        return self.reports.campaign_post_dates().get(campaign_id, (None, None))

    async def campaigns_performance(
        self, request: Request, client: SandboxClient
    ) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "campaigns.performance", sel)
        sort = self.sort(query, "campaigns.performance")
        return self.paginated(query, self.reports.campaigns_performance(sel, metrics, sort), list)

    async def platforms_performance(
        self, request: Request, client: SandboxClient
    ) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "platforms.performance", sel)
        sort = self.sort(query, "platforms.performance")
        return self.paginated(query, self.reports.platforms_performance(sel, metrics, sort), list)

    async def return_on_investment(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        return {
            "data": self.reports.return_on_investment(
                sel, OPERATIONS["platforms.return_on_investment"].metrics
            ),
            "nextCursor": None,
        }

    async def creators_performance(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "creators.performance", sel)
        sort = self.sort(query, "creators.performance")
        return self.paginated(query, self.reports.creators_performance(sel, metrics, sort), list)

    async def posts_performance(self, request: Request, client: SandboxClient) -> dict[str, Any]:
        query = q.Query(request.scope["query_string"])
        sel = self.selection(query, client)
        metrics = self.metrics(query, "posts.performance", sel)
        sort = self.sort(query, "posts.performance")
        rows, earned = self.reports.posts_order(sel, sort)
        positions = list(range(rows.shape[0]))

        def render(chunk: list[int]) -> list[dict[str, Any]]:
            if not chunk:
                return []
            part = slice(chunk[0], chunk[-1] + 1)
            return self.reports.post_rows(
                rows[part], {k: v[part] for k, v in earned.items()}, metrics
            )

        return self.paginated(query, positions, render)
