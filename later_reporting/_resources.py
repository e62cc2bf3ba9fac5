"""One method per operation, grouped by resource, for the sync and the async client.

Each method is written once, on the sync resource: its signature and docstring are what
users see, and its body names its operation and hands its arguments on. The async resource
takes the same function (:func:`paged`, :func:`awaited`): on an async resource, the body's
``_list`` builds an ``AsyncPaginator`` and ``_one`` a coroutine, so the twins differ only in
what they return. ``_list`` validates the arguments (``_validation``) and gives the client's
send function, the operation and the checked parameters to the paginator (``_pagination``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Coroutine, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from later_reporting import _validation as v
from later_reporting._operations import OPERATIONS, Operation
from later_reporting._pagination import AsyncPaginator, Paginator, Query, page_size_for
from later_reporting._seam import parse
from later_reporting.models import (
    Campaign,
    CampaignPerformance,
    CreatorPerformance,
    PlatformPerformance,
    PlatformReturnOnInvestment,
    PostPerformance,
    SummaryMetrics,
    TimeSeriesBucket,
)

if TYPE_CHECKING:
    from later_reporting._client import AsyncClient, Client

DateLike = dt.date | str
# A list or tuple of values; a bare ``str`` does not fit (it would be read letter by letter).
Values = list[str] | list[str | Enum] | tuple[str | Enum, ...] | Sequence[Enum]
Ids = list[str] | tuple[str, ...]
DEFAULT_PAGE_SIZE = 100
# Arguments that shape the walk rather than the request's filters.
_WALK = frozenset({"self", "page_size", "max_items", "timeout"})
# Validation names these arguments with a trailing underscore (the plain names are its checks).
_RENAMED = {"instance_ids": "instance_ids_", "campaign_ids": "campaign_ids_"}

P = ParamSpec("P")
T = TypeVar("T")


def _enum_value(value: object) -> object:
    return getattr(value, "value", value)


def _params(op: Operation, args: dict[str, Any]) -> dict[str, Any]:
    """The generated function's keyword arguments, every filter checked."""
    given = {_RENAMED.get(k, k): value for k, value in args.items() if k not in _WALK}
    return v.report_params(op, **given)


def _query(client: Client | AsyncClient, op: Operation, args: dict[str, Any]) -> Query:
    """A list method's arguments as a checked query (before any request is sent)."""
    params = _params(op, args)
    max_items = v.max_items(args["max_items"])
    params["page_size"] = page_size_for(v.page_size(args["page_size"]), max_items)
    v.call_timeout(args["timeout"])  # checked now, not at the first page
    basis = _enum_value(args.get("date_basis")) or "post_date"
    sort = _enum_value(args.get("sort_property"))
    return Query(
        op=op,
        params=params,
        page_size=params["page_size"],
        timeout=args["timeout"],
        max_items=max_items,
        on_drift=client.on_drift,
        splittable=op.splittable(str(basis), None if sort is None else str(sort)),
        descending=_enum_value(args.get("sort_direction")) != "ASC",
    )


def _single(op: Operation, body: dict[str, Any]) -> Any:
    """The result of an operation that does not page: the summary's metrics, or its rows."""
    data = parse(op, body).data
    return data.metrics if op.shape == "summary" else data


class _Resource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _list(self, name: str, args: dict[str, Any]) -> Paginator[Any]:
        op = OPERATIONS[name]
        query = _query(self._client, op, args)
        return Paginator(self._client._send, query, self._client.concurrency)

    def _one(self, name: str, args: dict[str, Any]) -> Any:
        op = OPERATIONS[name]
        return _single(op, self._client._send(op, _params(op, args), args["timeout"]))


class _AsyncResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def _list(self, name: str, args: dict[str, Any]) -> AsyncPaginator[Any]:
        op = OPERATIONS[name]
        query = _query(self._client, op, args)
        return AsyncPaginator(self._client._send, query, self._client.concurrency)

    async def _one(self, name: str, args: dict[str, Any]) -> Any:
        op = OPERATIONS[name]
        return _single(op, await self._client._send(op, _params(op, args), args["timeout"]))


def paged(
    method: Callable[Concatenate[Any, P], Paginator[T]],
) -> Callable[Concatenate[Any, P], AsyncPaginator[T]]:
    """The async twin of a list method: the same function, whose ``self._list`` on an async
    resource returns an ``AsyncPaginator``."""
    twin: Any = method  # the same body; only the resource it runs on differs
    return cast("Callable[Concatenate[Any, P], AsyncPaginator[T]]", twin)


def awaited(
    method: Callable[Concatenate[Any, P], T],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """The async twin of a single-result method: a coroutine awaiting ``self._one``."""

    async def twin(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: T = await cast("Coroutine[Any, Any, T]", method(self, *args, **kwargs))
        return result

    functools.update_wrapper(twin, method)  # its name, docstring and signature
    return twin


# --- one method per operation (the async resources below take the same functions) ----------


class Instances(_Resource):
    """``/v2/instances``, the instance summary and its time series."""

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[str]:
        """The instance ids bound to these credentials.

        Args:
            page_size: Ids per request, 1 to 100; default ``100``.
            max_items: Stop after this many ids; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of instance ids (an ``AsyncPaginator`` on the async client).
        """
        return self._list("instances.list", locals())

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> SummaryMetrics:
        """Summary metrics across all content (not paginated; awaited on the async client).

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Required: the metrics to sum, a list or tuple of the API's names
                (``engagementRate``), their snake_case (``engagement_rate``) or
                ``SummaryMetric`` members.
            instance_ids: Only these instances (at most 500); default ``None``: every
                bound instance.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only content of these platforms; default ``None``: all. Cannot be
                combined with ``content_types``.
            content_types: Only content of these types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            timeout: Seconds for this request; default ``None``: the client's.

        Returns:
            The summed metrics (``SummaryMetrics``).
        """
        result: SummaryMetrics = self._one("instances.performance", locals())
        return result

    def performance_over_time(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        granularity: str | Enum | None = None,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[TimeSeriesBucket]:
        """Metrics per time bucket (``day``, ``week``, ``month``, ``quarter``, ``year``).

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Metrics per bucket (a list or tuple of names, snake_case names or
                ``TimeSeriesMetric`` members); default ``None``: the report's default set.
            granularity: The bucket: ``day``, ``week``, ``month``, ``quarter`` or ``year``;
                default ``None``: the server's (``month``).
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            page_size: Buckets per request, 1 to 100; default ``100``.
            max_items: Stop after this many buckets; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``TimeSeriesBucket`` (an ``AsyncPaginator`` on the async client).
        """
        return self._list("instances.performance_over_time", locals())


class Campaigns(_Resource):
    """``/v2/campaigns`` and campaign performance."""

    def list(
        self,
        *,
        instance_ids: Ids | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[Campaign]:
        """Campaigns of the given instances (all bound instances when omitted).

        Args:
            instance_ids: Only campaigns of these instances (at most 500); default
                ``None``: every bound instance.
            page_size: Campaigns per request, 1 to 100; default ``100``.
            max_items: Stop after this many campaigns; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``Campaign`` (an ``AsyncPaginator`` on the async client).
        """
        return self._list("campaigns.list", locals())

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[CampaignPerformance]:
        """Per campaign: its metadata and metrics.

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Metrics per campaign (a list or tuple of names, snake_case names or
                ``CampaignMetric`` members); default ``None``: the report's default set.
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            sort_property: Sort by this ``CampaignSortProperty``; default ``None``: the
                server's order.
            sort_direction: ``DESC`` or ``ASC``; default ``None``: the server's (``DESC``).
            page_size: Campaigns per request, 1 to 100; default ``100``.
            max_items: Stop after this many campaigns; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``CampaignPerformance`` (``AsyncPaginator`` on the async client).
        """
        return self._list("campaigns.performance", locals())


class Platforms(_Resource):
    """Platform performance (per content type) and return on investment (per platform)."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[PlatformPerformance]:
        """One row per content type.

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Metrics per row (a list or tuple of names, snake_case names or
                ``PlatformMetric`` members); default ``None``: the report's default set.
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            sort_property: Sort by this ``PlatformSortProperty``; default ``None``: the
                server's order.
            sort_direction: ``DESC`` or ``ASC``; default ``None``: the server's (``DESC``).
            page_size: Rows per request, 1 to 100; default ``100``.
            max_items: Stop after this many rows; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``PlatformPerformance`` (``AsyncPaginator`` on the async client).
        """
        return self._list("platforms.performance", locals())

    def return_on_investment(
        self,
        *,
        start: DateLike,
        end: DateLike,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> list[PlatformReturnOnInvestment]:
        """One row per platform with value and ROI figures (not paginated; awaited on the
        async client).

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            timeout: Seconds for this request; default ``None``: the client's.

        Returns:
            A list of ``PlatformReturnOnInvestment``, one per platform.
        """
        result: list[PlatformReturnOnInvestment] = self._one(
            "platforms.return_on_investment", locals()
        )
        return result


class Creators(_Resource):
    """Creator performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[CreatorPerformance]:
        """Per creator: profile and metrics.

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Metrics per creator (a list or tuple of names, snake_case names or
                ``CreatorMetric`` members); default ``None``: the report's default set.
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            sort_property: Sort by this ``CreatorSortProperty``; default ``None``: the
                server's order.
            sort_direction: ``DESC`` or ``ASC``; default ``None``: the server's (``DESC``).
            page_size: Creators per request, 1 to 100; default ``100``.
            max_items: Stop after this many creators; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``CreatorPerformance`` (``AsyncPaginator`` on the async client).
        """
        return self._list("creators.performance", locals())


class Posts(_Resource):
    """Post performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Ids | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[PostPerformance]:
        """Individual posts with their metrics. Past 50,000 rows, a query by post date sorted
        by postDate (the default) is split by date range transparently.

        Args:
            start: First day, inclusive (``datetime.date`` or ``"YYYY-MM-DD"``, UTC).
            end: Last day, inclusive; less than two years after ``start``.
            metrics: Metrics per post (a list or tuple of names, snake_case names or
                ``PostMetric`` members); default ``None``: the report's default set.
            instance_ids: Only these instances (at most 500); default ``None``: all.
            campaign_ids: Only these campaigns (at most 50); default ``None``: all.
            platforms: Only these platforms; default ``None``: all (not with
                ``content_types``).
            content_types: Only these content types; default ``None``: all.
            date_basis: ``post_date`` or ``performance_date``; default ``None``: the
                server's (``post_date``).
            sort_property: Sort by this ``PostSortProperty``; default ``None``: the
                server's order (``postDate``).
            sort_direction: ``DESC`` or ``ASC``; default ``None``: the server's (``DESC``).
            page_size: Posts per request, 1 to 100; default ``100``.
            max_items: Stop after this many posts; default ``None``: all of them.
            timeout: Seconds for each request of this call; default ``None``: the client's.

        Returns:
            A paginator of ``PostPerformance`` (an ``AsyncPaginator`` on the async client).
        """
        return self._list("posts.performance", locals())


# --- the async resources: the same methods, returning async paginators and coroutines ------


class AsyncInstances(_AsyncResource):
    """``/v2/instances``, the instance summary and its time series."""

    list = paged(Instances.list)
    performance = awaited(Instances.performance)
    performance_over_time = paged(Instances.performance_over_time)


class AsyncCampaigns(_AsyncResource):
    """``/v2/campaigns`` and campaign performance."""

    list = paged(Campaigns.list)
    performance = paged(Campaigns.performance)


class AsyncPlatforms(_AsyncResource):
    """Platform performance (per content type) and return on investment (per platform)."""

    performance = paged(Platforms.performance)
    return_on_investment = awaited(Platforms.return_on_investment)


class AsyncCreators(_AsyncResource):
    """Creator performance."""

    performance = paged(Creators.performance)


class AsyncPosts(_AsyncResource):
    """Post performance."""

    performance = paged(Posts.performance)
