"""The one place where the hand-written SDK calls the generated client.

For each operation it names the generated module, its response model and its request
enums. ``send`` / ``send_async`` build the request with the generated ``_get_kwargs``, send
it through the client's pooled httpx client (auth, budget, retries live there), and turn
the response into JSON or a typed error. ``parse`` turns JSON into the generated models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any

import httpx
from later_reporting_api.api.authentication import create_token
from later_reporting_api.api.campaigns import get_campaigns_performance, list_campaigns
from later_reporting_api.api.creators import get_creators_performance
from later_reporting_api.api.instances import (
    get_instances_performance,
    get_instances_performance_over_time,
    list_instances,
)
from later_reporting_api.api.platforms import (
    get_platforms_performance,
    get_platforms_return_on_investment,
)
from later_reporting_api.api.posts import get_posts_performance
from later_reporting_api.models import (
    CampaignListResponse,
    CampaignMetric,
    CampaignPerformanceResponse,
    CampaignSortProperty,
    ContentType,
    CreatorMetric,
    CreatorPerformanceResponse,
    CreatorSortProperty,
    DateBasis,
    Granularity,
    InstanceListResponse,
    Platform,
    PlatformMetric,
    PlatformPerformanceResponse,
    PlatformReturnOnInvestmentResponse,
    PlatformSortProperty,
    PostMetric,
    PostPerformanceResponse,
    PostSortProperty,
    SortDirection,
    SummaryMetric,
    SummaryResponse,
    TimeSeriesMetric,
    TimeSeriesResponse,
    TokenRequest,
)
from later_reporting_api.types import UNSET as UNSET  # re-exported for the paginator

from later_reporting._config import Secret
from later_reporting._errors import UnexpectedResponseError, error_from_response
from later_reporting._transport import TOTAL_TIMEOUT


@dataclass(frozen=True)
class Operation:
    """What the SDK needs to know about one generated operation."""

    name: str
    module: ModuleType
    response: type[Any]
    metric: type[Enum] | None = None
    sort: type[Enum] | None = None
    metrics_required: bool = False
    paginated: bool = True
    dated: bool = True


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("instances.list", list_instances, InstanceListResponse, dated=False),
        Operation(
            "instances.performance",
            get_instances_performance,
            SummaryResponse,
            SummaryMetric,
            metrics_required=True,
            paginated=False,
        ),
        Operation(
            "instances.performance_over_time",
            get_instances_performance_over_time,
            TimeSeriesResponse,
            TimeSeriesMetric,
        ),
        Operation("campaigns.list", list_campaigns, CampaignListResponse, dated=False),
        Operation(
            "campaigns.performance",
            get_campaigns_performance,
            CampaignPerformanceResponse,
            CampaignMetric,
            CampaignSortProperty,
        ),
        Operation(
            "platforms.performance",
            get_platforms_performance,
            PlatformPerformanceResponse,
            PlatformMetric,
            PlatformSortProperty,
        ),
        Operation(
            "platforms.return_on_investment",
            get_platforms_return_on_investment,
            PlatformReturnOnInvestmentResponse,
            paginated=False,
        ),
        Operation(
            "creators.performance",
            get_creators_performance,
            CreatorPerformanceResponse,
            CreatorMetric,
            CreatorSortProperty,
        ),
        Operation(
            "posts.performance",
            get_posts_performance,
            PostPerformanceResponse,
            PostMetric,
            PostSortProperty,
        ),
    )
}

# Request enums shared by the report operations.
ENUMS: dict[str, type[Enum]] = {
    "platform": Platform,
    "content_type": ContentType,
    "date_basis": DateBasis,
    "sort_direction": SortDirection,
    "granularity": Granularity,
}


def request_kwargs(op: Operation, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    kwargs: dict[str, Any] = op.module._get_kwargs(**params)
    kwargs["extensions"] = {TOTAL_TIMEOUT: timeout}
    kwargs["timeout"] = timeout
    return kwargs


class SealedBody(bytes):
    """A request body holding a secret: httpx sends its bytes, a repr shows none of them.

    So a traceback that captures locals (pytest ``--showlocals``, Sentry) cannot show the
    client secret from the frames that build or send the token request."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: the token request body, not shown>"

    __str__ = __repr__


def token_kwargs(client_id: str, client_secret: Secret, timeout: float) -> dict[str, Any]:
    """The token request, its JSON body sealed (see :class:`SealedBody`)."""
    body = TokenRequest(client_id=client_id, client_secret=client_secret.reveal())
    kwargs: dict[str, Any] = create_token._get_kwargs(body=body)
    kwargs["content"] = SealedBody(json.dumps(kwargs.pop("json")).encode())
    kwargs["extensions"] = {TOTAL_TIMEOUT: timeout}
    kwargs["timeout"] = timeout
    kwargs["auth"] = None
    return kwargs


def json_of(response: httpx.Response, *, token_request: bool = False) -> dict[str, Any]:
    """The JSON object of a successful response; a typed error for anything else."""
    if response.status_code >= 400:
        raise error_from_response(response, token_request=token_request)
    if not 200 <= response.status_code < 300:
        raise UnexpectedResponseError(
            f"unexpected HTTP {response.status_code} from {response.request.url.path}", response
        )
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise UnexpectedResponseError(
            f"expected a JSON response from {response.request.url.path}, got "
            f"{kind or 'no content type'} ({len(response.content)} bytes)",
            response,
        )
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} is not valid JSON "
            f"(truncated or corrupt, {len(response.content)} bytes): {exc}",
            response,
        ) from exc
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} is JSON but not an object", response
        )
    if token_request:
        if not isinstance(body.get("jwt"), str) or not body["jwt"]:
            raise UnexpectedResponseError("the token response has no 'jwt' string", response)
    elif "data" not in body:
        hint = f" (it looks like an error: {body.get('type')})" if "type" in body else ""
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} has no 'data' member{hint}", response
        )
    return body


def parse(op: Operation, body: dict[str, Any]) -> Any:
    """The generated response model of a JSON body."""
    try:
        return op.response.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"the {op.name} response does not match the API's schema: {type(exc).__name__}: {exc}"
        ) from exc
