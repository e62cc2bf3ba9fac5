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

The routing is written once (:func:`options`) for both clients; what a sync and an async
client build differently (which httpx client, which transports) is their :class:`Flavour`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Flavour:
    """What a sync and an async client build differently; the routing itself is one."""

    client: type[httpx.Client] | type[httpx.AsyncClient]  # the SDK's, and a given http_client
    borrowed: Callable[[Any], Any]  # sends through a given http_client
    default: Callable[..., Any]  # httpx's own transport
    retrying: Callable[[Any, RetryPolicy, RateBudget], Any]  # the SDK's wrapper around each


SYNC = Flavour(httpx.Client, BorrowedClient, httpx.HTTPTransport, RetryTransport)
ASYNC = Flavour(
    httpx.AsyncClient, AsyncBorrowedClient, httpx.AsyncHTTPTransport, AsyncRetryTransport
)


def options(
    flavour: Flavour,
    policy: RetryPolicy,
    budget: RateBudget,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    proxy: ProxyTypes | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
) -> dict[str, Any]:
    """``transport``, ``mounts`` and ``headers`` for the SDK's ``flavour.client``."""
    _one_way(transport, proxy, http_client)
    mounts: dict[str, Any] = {}
    headers = httpx.Headers()
    inner: Any
    if http_client is not None:
        if not isinstance(http_client, flavour.client):
            raise ConfigurationError(
                f"http_client must be an httpx.{flavour.client.__name__}, "
                f"got {type(http_client).__name__}"
            )
        inner, headers = flavour.borrowed(http_client), httpx.Headers(http_client.headers)
    elif transport is not None:
        inner = transport
    else:
        inner = flavour.default(verify=True, limits=LIMITS)
        mounts = proxy_mounts(
            proxy,
            lambda p: flavour.retrying(_proxied(flavour.default, p), policy, budget),
        )
    return {
        "transport": flavour.retrying(inner, policy, budget),
        "mounts": mounts,
        "headers": headers,
    }
