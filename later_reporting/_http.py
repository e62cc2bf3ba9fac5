"""How each client gets its httpx client: every route goes through the retrying transport.

Four ways in (at most one of the last three per client):

- by default: httpx's transport with TLS verification on, plus one proxied transport per
  proxy pattern httpx itself would mount (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
  ``NO_PROXY``: see ``_proxies``), each wrapped in the retrying transport;
- ``proxy=``: every request through that proxy, as ``httpx.Client(proxy=...)`` does;
- ``transport=``: the caller's transport, wrapped; the environment's proxies are then
  ignored, as httpx ignores them when given a transport;
- ``http_client=``: the caller's own ``httpx.Client`` / ``httpx.AsyncClient`` sends each
  attempt (its proxies, mounts, TLS settings and event hooks apply) while the SDK's auth,
  retries, rate budget, timeouts and decoding still wrap it. Its default headers are sent
  too. The SDK never closes it: it belongs to the caller.
"""

from __future__ import annotations

from typing import Any

import httpx

from later_reporting._errors import ClientClosedError, ConfigurationError
from later_reporting._proxies import ProxyTypes, proxy_mounts
from later_reporting._ratelimit import RateBudget
from later_reporting._transport import AsyncRetryTransport, RetryPolicy, RetryTransport

LIMITS = httpx.Limits(max_connections=64)


def _closed(client: httpx.Client | httpx.AsyncClient) -> ClientClosedError:
    return ClientClosedError(
        f"the http_client given to the SDK ({type(client).__name__}) has been closed; "
        "keep it open while the SDK client is in use"
    )


class BorrowedClient(httpx.BaseTransport):
    """Sends each attempt through the caller's ``httpx.Client``; never closes it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.client.is_closed:
            raise _closed(self.client)
        # auth=None: the SDK's bearer auth already ran; redirects stay off, as in the SDK.
        return self.client.send(request, stream=True, auth=None, follow_redirects=False)

    def close(self) -> None:
        return None


class AsyncBorrowedClient(httpx.AsyncBaseTransport):
    """Async twin of :class:`BorrowedClient`."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.client.is_closed:
            raise _closed(self.client)
        return await self.client.send(request, stream=True, auth=None, follow_redirects=False)

    async def aclose(self) -> None:
        return None


def _one_way(transport: object, proxy: object, http_client: object) -> None:
    given = [
        name
        for name, value in (
            ("transport", transport),
            ("proxy", proxy),
            ("http_client", http_client),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ConfigurationError(
            f"pass at most one of transport=, proxy= and http_client=, not {' and '.join(given)} "
            "(configure a proxy or transport on the http_client itself)"
        )


def _proxied(make: Any, proxy: httpx.Proxy) -> Any:
    try:
        return make(verify=True, limits=LIMITS, proxy=proxy)
    except ImportError as exc:  # socks5:// needs httpx's socks extra
        raise ConfigurationError(f"proxy {proxy.url}: {exc}") from None


def sync_options(
    policy: RetryPolicy,
    budget: RateBudget,
    transport: httpx.BaseTransport | None,
    proxy: ProxyTypes | None,
    http_client: httpx.Client | None,
) -> dict[str, Any]:
    """``transport``, ``mounts`` and ``headers`` for the SDK's ``httpx.Client``."""
    _one_way(transport, proxy, http_client)
    mounts: dict[str, httpx.BaseTransport | None] = {}
    headers = httpx.Headers()
    inner: httpx.BaseTransport
    if http_client is not None:
        if not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                f"http_client must be an httpx.Client, got {type(http_client).__name__}"
            )
        inner, headers = BorrowedClient(http_client), httpx.Headers(http_client.headers)
    elif transport is not None:
        inner = transport
    else:
        inner = httpx.HTTPTransport(verify=True, limits=LIMITS)
        mounts = proxy_mounts(
            proxy,
            lambda p: RetryTransport(_proxied(httpx.HTTPTransport, p), policy, budget),
        )
    return {
        "transport": RetryTransport(inner, policy, budget),
        "mounts": mounts,
        "headers": headers,
    }


def async_options(
    policy: RetryPolicy,
    budget: RateBudget,
    transport: httpx.AsyncBaseTransport | None,
    proxy: ProxyTypes | None,
    http_client: httpx.AsyncClient | None,
) -> dict[str, Any]:
    """``transport``, ``mounts`` and ``headers`` for the SDK's ``httpx.AsyncClient``."""
    _one_way(transport, proxy, http_client)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    headers = httpx.Headers()
    inner: httpx.AsyncBaseTransport
    if http_client is not None:
        if not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}"
            )
        inner, headers = AsyncBorrowedClient(http_client), httpx.Headers(http_client.headers)
    elif transport is not None:
        inner = transport
    else:
        inner = httpx.AsyncHTTPTransport(verify=True, limits=LIMITS)
        mounts = proxy_mounts(
            proxy,
            lambda p: AsyncRetryTransport(_proxied(httpx.AsyncHTTPTransport, p), policy, budget),
        )
    return {
        "transport": AsyncRetryTransport(inner, policy, budget),
        "mounts": mounts,
        "headers": headers,
    }
