"""The public surface, pinned: a regeneration or refactor that would break users fails here."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import httpx

import later_reporting as lr
import later_reporting.models as models

PUBLIC = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ClientDisabled",
    "ConfigurationError",
    "DriftError",
    "IncompleteResultError",
    "InstanceAccessDenied",
    "InvalidClientCredentials",
    "InvalidSortPropertyError",
    "LaterReportingError",
    "NoAccessibleInstances",
    "NotFoundError",
    "OptionError",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "QueryTooLargeError",
    "RateLimitedError",
    "ServerError",
    "UnexpectedResponseError",
    "UnsupportedMetricError",
    "ValidationError",
    "__version__",
]
FILTERS = [
    "start",
    "end",
    "metrics",
    "instance_ids",
    "campaign_ids",
    "platforms",
    "content_types",
    "date_basis",
]
SORTED = [*FILTERS, "sort_property", "sort_direction", "page_size", "max_items", "timeout"]
METHODS = {
    "instances.list": ["page_size", "max_items", "timeout"],
    "instances.performance": [*FILTERS, "timeout"],
    "instances.performance_over_time": [
        *FILTERS[:3],
        "granularity",
        *FILTERS[3:],
        "page_size",
        "max_items",
        "timeout",
    ],
    "campaigns.list": ["instance_ids", "page_size", "max_items", "timeout"],
    "campaigns.performance": SORTED,
    "platforms.performance": SORTED,
    "platforms.return_on_investment": [f for f in FILTERS if f != "metrics"] + ["timeout"],
    "creators.performance": SORTED,
    "posts.performance": SORTED,
}
CLIENT = [
    "client_id",
    "client_secret",
    "base_url",
    "timeout",
    "max_retries",
    "concurrency",
    "rate_limit",
    "on_drift",
    "transport",
    "proxy",
    "http_client",
]


def test_all_is_sorted_and_complete() -> None:
    assert lr.__all__ == sorted(lr.__all__)
    assert lr.__all__ == PUBLIC
    assert models.__all__ == sorted(models.__all__)
    for name in lr.__all__ + [f"models.{n}" for n in models.__all__]:
        assert eval(f"lr.{name}" if not name.startswith("models.") else name)  # noqa: S307 - fixed names


def test_client_signatures() -> None:
    for cls in (lr.Client, lr.AsyncClient):
        params = inspect.signature(cls).parameters
        assert list(params) == CLIENT
        assert all(p.kind is p.KEYWORD_ONLY for p in params.values())
        assert params["timeout"].default == 30.0
        assert params["max_retries"].default == 2
        assert params["rate_limit"].default == 120


def test_resource_method_signatures_sync_and_async() -> None:
    for cls in (lr.Client, lr.AsyncClient):
        client = cls(client_id="c", client_secret="s")
        for path, expected in METHODS.items():
            resource, name = path.split(".")
            method = getattr(getattr(client, resource), name)
            params = inspect.signature(method).parameters
            assert list(params) == expected, (cls.__name__, path)
            assert all(p.kind is p.KEYWORD_ONLY for p in params.values()), path
        assert hasattr(client, "close") or hasattr(client, "aclose")


def test_async_twins_are_coroutines_only_for_single_results() -> None:
    client = lr.AsyncClient(client_id="c", client_secret="s")
    assert inspect.iscoroutinefunction(client.instances.performance)
    assert inspect.iscoroutinefunction(client.platforms.return_on_investment)
    assert not inspect.iscoroutinefunction(client.posts.performance)


def test_models_offer_absent_versus_null_and_no_unset() -> None:
    assert "Unset" not in lr.__all__ and "Unset" not in models.__all__
    for name in models.__all__:
        cls = getattr(models, name)
        if inspect.isclass(cls) and hasattr(cls, "from_dict"):
            for member in ("fields_set", "is_set", "to_dict", "from_dict", "__getitem__"):
                assert hasattr(cls, member), (name, member)
    assert models.CampaignMetric.ENGAGEMENT_RATE.value == "engagementRate"


def test_every_api_error_has_code_request_id_and_status() -> None:
    response = httpx.Response(403, json={"type": "ANL_00403", "title": "t", "detail": "d"})
    error = lr.APIError(response, {"type": "ANL_00403", "title": "t", "detail": "d"})
    assert (error.code, error.request_id, error.status_code) == ("ANL_00403", None, 403)


def test_the_version_is_the_distributions() -> None:
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert lr.__version__ == pyproject["project"]["version"]
