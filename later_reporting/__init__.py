"""later-reporting: the Python SDK for the Later Influence Reporting API v2.

from datetime import date
from later_reporting import Client

with Client() as client:  # credentials from LATER_REPORTING_CLIENT_ID / _SECRET
    for post in client.posts.performance(start=date(2025, 1, 1), end=date(2025, 3, 31)):
        print(post.post_id, post.impressions)
"""

from later_reporting._client import AsyncClient, Client
from later_reporting._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ClientDisabled,
    ConfigurationError,
    DriftError,
    IncompleteResultError,
    InstanceAccessDenied,
    InvalidClientCredentials,
    InvalidSortPropertyError,
    LaterReportingError,
    NoAccessibleInstances,
    NotFoundError,
    OptionError,
    PermissionDeniedError,
    QueryTooLargeError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
    UnsupportedMetricError,
    ValidationError,
)
from later_reporting._pagination import AsyncPaginator, Page, Paginator
from later_reporting._version import __version__

__all__ = [
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
