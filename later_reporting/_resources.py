"""One method per operation, grouped by resource, for the sync and the async client.

Each method validates its arguments (``_validation``), then hands the operation and its
parameters to the client, which sends them (``_seam``) and pages the results
(``_pagination``). The sync and async twins differ only in what they return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from later_reporting import _validation as v
from later_reporting._pagination import AsyncPaginator, Paginator, Query, page_size_for
from later_reporting._seam import OPERATIONS, Operation, parse, rows_of
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
Values = Sequence[str | Enum]
DEFAULT_PAGE_SIZE = 100


def _data_rows(op: Operation) -> Callable[[dict[str, Any]], list[Any]]:
    def rows(body: dict[str, Any]) -> list[Any]:
        return rows_of(op, body)

    return rows


def _typed_rows(op: Operation) -> Callable[[dict[str, Any]], list[Any]]:
    def rows(body: dict[str, Any]) -> list[Any]:
        data = parse(op, body).data
        return list(getattr(data, "instance_ids", data))

    return rows


def _query(
    client: Client | AsyncClient,
    op: Operation,
    params: dict[str, Any],
    max_items: object,
    page_size: object,
    date_basis: object = None,
    sort_property: object = None,
    sort_direction: object = None,
) -> Query:
    params.setdefault("page_size", page_size_for(v.page_size(page_size), v.max_items(max_items)))
    basis = getattr(date_basis, "value", date_basis) or "post_date"
    sort = getattr(sort_property, "value", sort_property)
    ascending = getattr(sort_direction, "value", sort_direction) == "ASC"
    splittable = (
        op.name == "posts.performance" and basis == "post_date" and sort in (None, "postDate")
    )
    reason = (
        "splitting by date keeps the order only for posts by post date, sorted by postDate"
        if op.name == "posts.performance"
        else f"{op.name} results cannot be split by date"
    )
    return Query(
        params=params,
        page_size=params["page_size"],
        rows=_data_rows(op),
        typed_rows=_typed_rows(op),
        max_items=v.max_items(max_items),
        on_drift=client.on_drift,
        splittable=splittable,
        split_reason=reason,
        descending=not ascending,
        operation=op.name,
    )


class _Resource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _paginate(
        self,
        name: str,
        params: dict[str, Any],
        max_items: object,
        page_size: object,
        timeout: float | None,
        **sort: object,
    ) -> Paginator[Any]:
        op = OPERATIONS[name]
        query = _query(self._client, op, params, max_items, page_size, **sort)
        v.call_timeout(timeout)  # checked now, not at the first page
        return Paginator(
            query, lambda p: self._client._send(op, p, timeout), self._client.concurrency
        )


class _AsyncResource:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def _paginate(
        self,
        name: str,
        params: dict[str, Any],
        max_items: object,
        page_size: object,
        timeout: float | None,
        **sort: object,
    ) -> AsyncPaginator[Any]:
        op = OPERATIONS[name]
        query = _query(self._client, op, params, max_items, page_size, **sort)
        v.call_timeout(timeout)  # checked now, not at the first page
        return AsyncPaginator(
            query, lambda p: self._client._send(op, p, timeout), self._client.concurrency
        )


def _report(
    name: str,
    start: object,
    end: object,
    *,
    metrics: object = None,
    instance_ids: object = None,
    campaign_ids: object = None,
    platforms: object = None,
    content_types: object = None,
    date_basis: object = None,
    sort_property: object = None,
    sort_direction: object = None,
    granularity: object = None,
) -> dict[str, Any]:
    return v.report_params(
        OPERATIONS[name],
        start=start,
        end=end,
        metrics=metrics,
        instance_ids_=instance_ids,
        campaign_ids_=campaign_ids,
        platforms=platforms,
        content_types=content_types,
        date_basis=date_basis,
        sort_property=sort_property,
        sort_direction=sort_direction,
        granularity=granularity,
    )


# --- sync -------------------------------------------------------------------------------------


class Instances(_Resource):
    """``/v2/instances``, the instance summary and its time series."""

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[str]:
        """The instance ids bound to these credentials."""
        return self._paginate("instances.list", {}, max_items, page_size, timeout)

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> SummaryMetrics:
        """Summary metrics across all content (not paginated)."""
        op = OPERATIONS["instances.performance"]
        params = _report(
            op.name,
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        metrics_model: SummaryMetrics = parse(
            op, self._client._send(op, params, timeout)
        ).data.metrics
        return metrics_model

    def performance_over_time(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        granularity: str | Enum | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[TimeSeriesBucket]:
        """Metrics per time bucket (``day``, ``week``, ``month``, ``quarter``, ``year``)."""
        params = _report(
            "instances.performance_over_time",
            start,
            end,
            metrics=metrics,
            granularity=granularity,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        return self._paginate(
            "instances.performance_over_time",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
        )


class Campaigns(_Resource):
    """``/v2/campaigns`` and campaign performance."""

    def list(
        self,
        *,
        instance_ids: Sequence[str] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> Paginator[Campaign]:
        """Campaigns of the given instances (all bound instances when omitted)."""
        params = v.report_params(OPERATIONS["campaigns.list"], instance_ids_=instance_ids)
        return self._paginate("campaigns.list", params, max_items, page_size, timeout)

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
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
        """Per campaign: its metadata and metrics."""
        params = _report(
            "campaigns.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "campaigns.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )


class Platforms(_Resource):
    """Platform performance (per content type) and return on investment (per platform)."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
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
        """One row per content type."""
        params = _report(
            "platforms.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "platforms.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )

    def return_on_investment(
        self,
        *,
        start: DateLike,
        end: DateLike,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> list[PlatformReturnOnInvestment]:
        """One row per platform with value and ROI figures (not paginated)."""
        op = OPERATIONS["platforms.return_on_investment"]
        params = _report(
            op.name,
            start,
            end,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        rows: list[PlatformReturnOnInvestment] = parse(
            op, self._client._send(op, params, timeout)
        ).data
        return rows


class Creators(_Resource):
    """Creator performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
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
        """Per creator: profile and metrics."""
        params = _report(
            "creators.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "creators.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )


class Posts(_Resource):
    """Post performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
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
        by postDate (the default) is split by date range transparently."""
        params = _report(
            "posts.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "posts.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )


# --- async ------------------------------------------------------------------------------------


class AsyncInstances(_AsyncResource):
    """``/v2/instances``, the instance summary and its time series."""

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[str]:
        return self._paginate("instances.list", {}, max_items, page_size, timeout)

    async def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> SummaryMetrics:
        op = OPERATIONS["instances.performance"]
        params = _report(
            op.name,
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        metrics_model: SummaryMetrics = parse(
            op, await self._client._send(op, params, timeout)
        ).data.metrics
        return metrics_model

    def performance_over_time(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        granularity: str | Enum | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[TimeSeriesBucket]:
        params = _report(
            "instances.performance_over_time",
            start,
            end,
            metrics=metrics,
            granularity=granularity,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        return self._paginate(
            "instances.performance_over_time",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
        )


class AsyncCampaigns(_AsyncResource):
    """``/v2/campaigns`` and campaign performance."""

    def list(
        self,
        *,
        instance_ids: Sequence[str] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[Campaign]:
        params = v.report_params(OPERATIONS["campaigns.list"], instance_ids_=instance_ids)
        return self._paginate("campaigns.list", params, max_items, page_size, timeout)

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[CampaignPerformance]:
        params = _report(
            "campaigns.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "campaigns.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )


class AsyncPlatforms(_AsyncResource):
    """Platform performance (per content type) and return on investment (per platform)."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[PlatformPerformance]:
        params = _report(
            "platforms.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "platforms.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )

    async def return_on_investment(
        self,
        *,
        start: DateLike,
        end: DateLike,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        timeout: float | None = None,
    ) -> list[PlatformReturnOnInvestment]:
        op = OPERATIONS["platforms.return_on_investment"]
        params = _report(
            op.name,
            start,
            end,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
        )
        rows: list[PlatformReturnOnInvestment] = parse(
            op, await self._client._send(op, params, timeout)
        ).data
        return rows


class AsyncCreators(_AsyncResource):
    """Creator performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[CreatorPerformance]:
        params = _report(
            "creators.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "creators.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )


class AsyncPosts(_AsyncResource):
    """Post performance."""

    def performance(
        self,
        *,
        start: DateLike,
        end: DateLike,
        metrics: Values | None = None,
        instance_ids: Sequence[str] | None = None,
        campaign_ids: Sequence[int] | None = None,
        platforms: Values | None = None,
        content_types: Values | None = None,
        date_basis: str | Enum | None = None,
        sort_property: str | Enum | None = None,
        sort_direction: str | Enum | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        timeout: float | None = None,
    ) -> AsyncPaginator[PostPerformance]:
        params = _report(
            "posts.performance",
            start,
            end,
            metrics=metrics,
            instance_ids=instance_ids,
            campaign_ids=campaign_ids,
            platforms=platforms,
            content_types=content_types,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
        return self._paginate(
            "posts.performance",
            params,
            max_items,
            page_size,
            timeout,
            date_basis=date_basis,
            sort_property=sort_property,
            sort_direction=sort_direction,
        )
