"""Proxies, chosen the way httpx chooses them, so that every route still retries.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` only when it
builds its own transport; a client that passes a transport (as this SDK does, to wrap it in
the retrying one) loses them. So the SDK builds the same URL-pattern table httpx would
(:func:`environment_proxies` mirrors ``httpx._utils.get_environment_proxies``), makes one
proxied httpx transport per pattern, and hands each to the caller to wrap before mounting.
An explicit ``proxy=`` routes everything through that proxy, as in httpx.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TypeVar
from urllib.request import getproxies

import httpx

from later_reporting._errors import ConfigurationError

ProxyTypes = str | httpx.URL | httpx.Proxy
T = TypeVar("T")


def _is_ip(hostname: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(hostname.split("/")[0])
    except ValueError:
        return False
    return True


def environment_proxies() -> dict[str, str | None]:
    """URL pattern -> proxy URL (``None``: go direct), from the environment, as httpx reads it."""
    info = getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if info.get(scheme):
            host = info[scheme]
            mounts[f"{scheme}://"] = host if "://" in host else f"http://{host}"
    for host in (h.strip() for h in info.get("no", "").split(",")):
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
        elif _is_ip(host, ipaddress.IPv4Address):
            mounts[f"all://{host}"] = None
        elif _is_ip(host, ipaddress.IPv6Address):
            mounts[f"all://[{host}]"] = None
        elif host.lower() == "localhost":
            mounts[f"all://{host}"] = None
        else:
            mounts[f"all://*{host}"] = None
    return mounts


def proxy_of(proxy: ProxyTypes) -> httpx.Proxy:
    try:
        return proxy if isinstance(proxy, httpx.Proxy) else httpx.Proxy(proxy)
    except (ValueError, TypeError, httpx.InvalidURL) as exc:
        raise ConfigurationError(
            f"proxy: {exc}; use http://host:port, https://... or socks5://..."
        ) from None


def proxy_mounts(proxy: ProxyTypes | None, make: Callable[[httpx.Proxy], T]) -> dict[str, T | None]:
    """httpx ``mounts``: ``proxy`` for every URL, or else the environment's table.

    ``make`` builds the (wrapped) transport for one proxy; ``None`` sends that pattern
    through the client's default transport (a ``NO_PROXY`` entry)."""
    if proxy is not None:
        return {"all://": make(proxy_of(proxy))}
    return {
        pattern: None if url is None else make(proxy_of(url))
        for pattern, url in environment_proxies().items()
    }
