"""``Client`` and ``AsyncClient``: configuration, the pooled httpx client, and sending.

Each client owns one httpx client whose auth is ``BearerAuth`` and whose every route
goes through the retrying, rate-budgeted transport: around httpx's default (TLS verification
on, proxies from the environment or ``proxy=``), the user's ``transport=``, or the user's own
``http_client=`` (see ``_http``).
"""

from __future__ import annotations

import copy
import dataclasses
import types
from typing import Any, ClassVar, Self

import httpx

from later_reporting import _seam
from later_reporting import _validation as v
from later_reporting._auth import BearerAuth, TokenManager
from later_reporting._compression import CorruptBody
from later_reporting._config import DriftPolicy, resolve
from later_reporting._dialect import ServerDialect
from later_reporting._errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    LaterReportingError,
    UnexpectedResponseError,
)
from later_reporting._http import ASYNC, SYNC, Flavour, options
from later_reporting._logging import configure_from_env
from later_reporting._operations import Operation
from later_reporting._proxies import ProxyTypes
from later_reporting._ratelimit import RateBudget
from later_reporting._resources import (
    AsyncCampaigns,
    AsyncCreators,
    AsyncInstances,
    AsyncPlatforms,
    AsyncPosts,
    Campaigns,
    Creators,
    Instances,
    Platforms,
    Posts,
)
from later_reporting._transport import CEILING, MAX_RETRIES, RetryPolicy
from later_reporting._version import __version__

USER_AGENT = f"later-reporting-python/{__version__}"


def _translate(error: httpx.TransportError) -> LaterReportingError:
    if isinstance(error, CorruptBody):  # the server answered, but with a body that won't decode
        return UnexpectedResponseError(str(error))
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {error}")
    return APIConnectionError(f"connection failed: {type(error).__name__}: {error}")


# The constructor arguments that ``_config.resolve`` turns into ``Settings``; the other
# three (``transport``, ``proxy``, ``http_client``) choose the routes (``_http.options``).
_SETTINGS = (
    "client_id",
    "client_secret",
    "base_url",
    "timeout",
    "max_retries",
    "concurrency",
    "rate_limit",
    "on_drift",
)


class _BaseClient:
    """What both clients share: settings, the token cache, the rate budget, the routes,
    introspection and ``with_options``.

    A client class names its ``_flavour`` (which httpx client and transports it builds) and
    attaches its resources (``_attach``); its constructor's signature and docstring are
    what users see, and its methods differ from its twin's only in what they return.
    """

    _flavour: ClassVar[Flavour]
    _http: httpx.Client | httpx.AsyncClient
    _parent: _BaseClient | None = None  # the client a ``with_options`` client derives from
    _ceiling: RateBudget | None = None  # a ``with_options`` client's own ``rate_limit``

    def __init__(self, arguments: dict[str, Any]) -> None:
        """``arguments``: the keyword arguments of the client's constructor (its
        ``locals()``), checked once here for both clients."""
        configure_from_env()
        self._settings = resolve(**{name: arguments[name] for name in _SETTINGS})
        self._budget = RateBudget(self._settings.rate_limit)
        self._policy = RetryPolicy(self._settings.max_retries)
        self.on_drift: DriftPolicy = self._settings.on_drift
        self.concurrency = self._settings.concurrency
        self._tokens = TokenManager()
        self._dialect = ServerDialect()  # spellings learned from the server's 400s
        routes = options(
            self._flavour,
            self._policy,
            self._budget,
            arguments["transport"],
            arguments["proxy"],
            arguments["http_client"],
        )
        routes["headers"]["User-Agent"] = USER_AGENT
        self._http = self._flavour.client(
            base_url=self._settings.base_url,
            timeout=self._settings.timeout,
            auth=self._auth(),
            **routes,
        )
        self._attach()

    def _auth(self) -> BearerAuth:
        """The bearer auth, fetching tokens the client's way (called or awaited)."""
        raise NotImplementedError

    def _attach(self) -> None:
        """Give the client its resources (``instances``, ``campaigns``, ...)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._settings.base_url!r}, "
            f"client_id={self._settings.client_id!r})"
        )

    @property
    def base_url(self) -> str:
        """The API root this client sends to (``https://host``, without ``/v2``)."""
        return self._settings.base_url

    @property
    def token_expires_at(self) -> float | None:
        """When the cached token expires (epoch seconds), if known; never the token itself."""
        token = self._tokens.current
        return token.expires_at if token else None

    def _check_open(self) -> None:
        if self._http.is_closed:
            raise ClientClosedError(
                f"this {type(self).__name__} has been closed; create a new one "
                "(or use it inside a with block and call it there)"
            )

    def _token_kwargs(self) -> dict[str, Any]:
        # The secret stays sealed (a Secret, then a body whose repr hides it): no local of
        # this frame or the ones below shows it in a traceback that captures locals.
        kwargs = _seam.token_kwargs(
            self._settings.client_id, self._settings.client_secret, self._settings.total_timeout
        )
        kwargs["timeout"] = self._settings.timeout  # keep the client's connect/read split
        return self._with_extensions(kwargs)

    def _request_kwargs(
        self, op: Operation, params: dict[str, Any], timeout: object
    ) -> dict[str, Any]:
        seconds = v.call_timeout(timeout)
        kwargs = _seam.request_kwargs(
            op, params, self._settings.total_timeout if seconds is None else seconds
        )
        if seconds is None:
            kwargs["timeout"] = self._settings.timeout  # keep the client's connect/read split
        return self._with_extensions(kwargs)

    def _with_extensions(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Tell the transport this client's ``max_retries`` and own rate ceiling (the
        transport is shared with every ``with_options`` client)."""
        extensions = kwargs.setdefault("extensions", {})
        extensions[MAX_RETRIES] = self._settings.max_retries
        if self._ceiling is not None:
            extensions[CEILING] = self._ceiling
        return kwargs

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        rate_limit: int | None = None,
        concurrency: int | None = None,
    ) -> Self:
        """A client for a block of calls with some options changed, sharing this client's
        connection pool, token and rate budget (nothing new is opened or fetched).

        Example:
            ```python
            patient = client.with_options(timeout=120, max_retries=5)
            rows = patient.posts.performance(start="2025-01-01", end="2025-12-31").to_list()
            ```

        Args:
            timeout: Seconds per request, or an ``httpx.Timeout``, as in the constructor.
                Default: this client's.
            max_retries: Retries of a failed GET, as in the constructor. Default: this
                client's.
            rate_limit: Requests per minute for the calls of the new client, on top of the
                shared budget (which still counts them): a ceiling for this block only.
                Default ``None``: only the shared budget.
            concurrency: Pages fetched at once, ``1`` to ``64``. Default: this client's.

        Returns:
            A client of the same class. Closing it (or leaving its ``with`` block) leaves
            the shared pool open; closing this client closes it for both.

        Raises:
            ConfigurationError: An option out of range, before anything is sent.
        """
        current = self._settings
        checked = resolve(
            client_id=current.client_id,
            client_secret="-",  # noqa: S106 - a placeholder: the copy keeps the sealed secret
            base_url=current.base_url,
            timeout=current.timeout if timeout is None else timeout,
            max_retries=current.max_retries if max_retries is None else max_retries,
            concurrency=self.concurrency if concurrency is None else concurrency,
            rate_limit=rate_limit,
            on_drift=current.on_drift,
        )
        derived = copy.copy(self)
        derived._parent = self
        derived._settings = dataclasses.replace(
            current,
            timeout=checked.timeout if timeout is not None else current.timeout,
            total_timeout=checked.total_timeout if timeout is not None else current.total_timeout,
            max_retries=checked.max_retries,
        )
        derived.concurrency = checked.concurrency
        if rate_limit is not None:
            derived._ceiling = RateBudget(rate_limit, follow_server=False)
        derived._attach()
        return derived


def _jwt_of(response: httpx.Response) -> str:
    try:
        body = _seam.json_of(response, token_request=True)
    except UnexpectedResponseError as error:
        # Raised afresh so that the parser's frames (whose locals hold the body, and maybe a
        # JWT) are not in its traceback.
        raise UnexpectedResponseError(str(error), error.response) from None
    return str(body["jwt"])


class Client(_BaseClient):
    """The synchronous client of the Later Influence Reporting API v2.

    Use it as a context manager (``with Client() as client:``), or call ``close`` when
    done. One client is safe to share between threads: the token, the connection pool and
    the rate budget are shared.

    Example:
        ```python
        with Client() as client:  # credentials from the environment
            for instance_id in client.instances.list():
                print(instance_id)
        ```

    Every argument is optional and keyword-only; the environment fills the gaps. Arguments
    are checked here, before anything is sent: a missing credential, a bad base URL or an
    out-of-range number raises ``ConfigurationError``.

    Args:
        client_id: The OAuth client ID. Default: the ``LATER_REPORTING_CLIENT_ID``
            environment variable; one of the two is required.
        client_secret: The OAuth client secret. Default: the
            ``LATER_REPORTING_CLIENT_SECRET`` environment variable; one of the two is
            required. It never appears in a repr, a log line or an error.
        base_url: The API root. Default: the ``LATER_REPORTING_BASE_URL`` environment
            variable, else ``https://reporting.api.later.com``. Must be ``https://``
            (``http://`` only for loopback hosts such as the sandbox) and carry no user name
            or password; a trailing ``/v2`` is dropped.
        timeout: Seconds per request (default ``30.0``, with a connect timeout of
            ``min(10, timeout)``), or an ``httpx.Timeout`` for each phase (connect, read,
            write, pool). The number is also the total deadline of one attempt: a body that
            drips past it is a timeout. Each method's ``timeout=`` overrides it per call.
        max_retries: Retries of a failed GET (429, 5xx, timeouts, dropped connections), with
            capped exponential backoff and ``Retry-After`` honoured. Default ``2``; ``0``
            turns retries off. (The command line also reads ``LATER_REPORTING_MAX_RETRIES``.)
        concurrency: Pages fetched at once once the first page gave the totals, ``1`` to
            ``64``. Default ``4``.
        rate_limit: Requests per minute, one budget shared by every thread and task of this
            client, and a ceiling: the server's ``X-Ratelimit-*`` headers lower it when they
            arrive, but never raise it.
            Default ``120`` (the API's limit); ``None`` turns the budget off.
        on_drift: What to do when ``totalItems`` changes during one walk: ``"raise"``
            (default, ``DriftError``) or ``"warn"`` (a ``RuntimeWarning``).
        transport: An httpx transport to send through (``httpx.BaseTransport``), e.g.
            ``httpx.MockTransport`` in tests; retries and the rate budget still apply. The
            environment's proxies are then ignored, as in httpx. Default ``None``.
        proxy: One proxy for every request (``"http://proxy:3128"``, an ``httpx.URL`` or
            ``httpx.Proxy``). Default ``None``: ``HTTP_PROXY``, ``HTTPS_PROXY``,
            ``ALL_PROXY`` and ``NO_PROXY`` are honoured as httpx honours them.
        http_client: Your own ``httpx.Client`` (CA bundles, mounts, event hooks): each attempt
            is sent through it, with the SDK's auth, retries, rate budget and timeouts
            around it. The SDK never closes it. Default ``None``.

    Pass at most one of ``transport``, ``proxy`` and ``http_client``.

    Attributes:
        instances: ``/v2/instances``: the instance ids, the summary and its time series.
        campaigns: ``/v2/campaigns`` and campaign performance.
        platforms: Platform performance and return on investment.
        creators: Creator performance.
        posts: Post performance.
        on_drift: The drift policy given to the constructor.
        concurrency: The number of pages fetched at once.
    """

    _flavour = SYNC
    _http: httpx.Client

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        concurrency: int = 4,
        rate_limit: int | None = 120,
        on_drift: DriftPolicy = "raise",
        transport: httpx.BaseTransport | None = None,
        proxy: ProxyTypes | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(locals())

    def _auth(self) -> BearerAuth:
        return BearerAuth(self._tokens, fetch=self._fetch_token)

    def _attach(self) -> None:
        self.instances = Instances(self)
        self.campaigns = Campaigns(self)
        self.platforms = Platforms(self)
        self.creators = Creators(self)
        self.posts = Posts(self)

    def authenticate(self) -> float | None:
        """Fetch a token now, to check the credentials early.

        Returns:
            When the token expires (epoch seconds), if the server said; never the token.

        Raises:
            AuthenticationError: The credentials were refused (a subclass names why).
        """
        return self._tokens.get(self._fetch_token).expires_at

    def _fetch_token(self) -> str:
        self._check_open()
        kwargs = self._token_kwargs()
        try:
            response = self._http.request(**kwargs)
        except httpx.TransportError as error:
            raise _translate(error) from None
        return _jwt_of(response)

    def _send(self, op: Operation, params: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        kwargs = self._request_kwargs(op, params, timeout)
        self._check_open()
        try:
            response = self._http.request(**self._dialect.apply(kwargs))
        except httpx.TransportError as error:
            raise _translate(error) from None
        return self._dialect.answer(response, kwargs, self._send_kwargs)

    def _send_kwargs(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send a request as built (a replay in another dialect) and return its JSON."""
        try:
            answer = self._http.request(**request)
        except httpx.TransportError as failure:
            raise _translate(failure) from None
        return _seam.json_of(answer)

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed); later calls raise
        ``ClientClosedError``. A ``with_options`` client leaves the shared pool open."""
        if self._parent is None:
            self._http.close()

    def __enter__(self) -> Client:
        """Return the client itself; the block's end closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        """Close the client (see ``close``)."""
        self.close()


class AsyncClient(_BaseClient):
    """The asynchronous client of the Later Influence Reporting API v2.

    Use it with ``async with AsyncClient() as client:``, or await ``aclose`` when done.
    One client is safe to share between tasks of one event loop: the token, the connection
    pool and the rate budget are shared. Paginated methods return an
    ``AsyncPaginator`` (``async for``); the others are awaited.

    Example:
        ```python
        async with AsyncClient() as client:
            async for row in client.creators.performance(start="2025-01-01", end="2025-01-31"):
                print(row.creator.full_name)
        ```

    Every argument is optional and keyword-only; the environment fills the gaps. Arguments
    are checked here, before anything is sent: a missing credential, a bad base URL or an
    out-of-range number raises ``ConfigurationError``.

    Args:
        client_id: The OAuth client ID. Default: the ``LATER_REPORTING_CLIENT_ID``
            environment variable; one of the two is required.
        client_secret: The OAuth client secret. Default: the
            ``LATER_REPORTING_CLIENT_SECRET`` environment variable; one of the two is
            required. It never appears in a repr, a log line or an error.
        base_url: The API root. Default: the ``LATER_REPORTING_BASE_URL`` environment
            variable, else ``https://reporting.api.later.com``. Must be ``https://``
            (``http://`` only for loopback hosts such as the sandbox) and carry no user name
            or password; a trailing ``/v2`` is dropped.
        timeout: Seconds per request (default ``30.0``, with a connect timeout of
            ``min(10, timeout)``), or an ``httpx.Timeout`` for each phase (connect, read,
            write, pool). The number is also the total deadline of one attempt: a body that
            drips past it is a timeout. Each method's ``timeout=`` overrides it per call.
        max_retries: Retries of a failed GET (429, 5xx, timeouts, dropped connections), with
            capped exponential backoff and ``Retry-After`` honoured. Default ``2``; ``0``
            turns retries off. (The command line also reads ``LATER_REPORTING_MAX_RETRIES``.)
        concurrency: Pages fetched at once once the first page gave the totals, ``1`` to
            ``64``. Default ``4``.
        rate_limit: Requests per minute, one budget shared by every thread and task of this
            client, and a ceiling: the server's ``X-Ratelimit-*`` headers lower it when they
            arrive, but never raise it.
            Default ``120`` (the API's limit); ``None`` turns the budget off.
        on_drift: What to do when ``totalItems`` changes during one walk: ``"raise"``
            (default, ``DriftError``) or ``"warn"`` (a ``RuntimeWarning``).
        transport: An httpx transport to send through (``httpx.AsyncBaseTransport``), e.g.
            ``httpx.MockTransport`` in tests; retries and the rate budget still apply. The
            environment's proxies are then ignored, as in httpx. Default ``None``.
        proxy: One proxy for every request (``"http://proxy:3128"``, an ``httpx.URL`` or
            ``httpx.Proxy``). Default ``None``: ``HTTP_PROXY``, ``HTTPS_PROXY``,
            ``ALL_PROXY`` and ``NO_PROXY`` are honoured as httpx honours them.
        http_client: Your own ``httpx.AsyncClient`` (CA bundles, mounts, event hooks): each attempt
            is sent through it, with the SDK's auth, retries, rate budget and timeouts
            around it. The SDK never closes it. Default ``None``.

    Pass at most one of ``transport``, ``proxy`` and ``http_client``.

    Attributes:
        instances: ``/v2/instances``: the instance ids, the summary and its time series.
        campaigns: ``/v2/campaigns`` and campaign performance.
        platforms: Platform performance and return on investment.
        creators: Creator performance.
        posts: Post performance.
        on_drift: The drift policy given to the constructor.
        concurrency: The number of pages fetched at once.
    """

    _flavour = ASYNC
    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        concurrency: int = 4,
        rate_limit: int | None = 120,
        on_drift: DriftPolicy = "raise",
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: ProxyTypes | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(locals())

    def _auth(self) -> BearerAuth:
        return BearerAuth(self._tokens, fetch_async=self._fetch_token)

    def _attach(self) -> None:
        self.instances = AsyncInstances(self)
        self.campaigns = AsyncCampaigns(self)
        self.platforms = AsyncPlatforms(self)
        self.creators = AsyncCreators(self)
        self.posts = AsyncPosts(self)

    async def authenticate(self) -> float | None:
        """Fetch a token now, to check the credentials early.

        Returns:
            When the token expires (epoch seconds), if the server said; never the token.

        Raises:
            AuthenticationError: The credentials were refused (a subclass names why).
        """
        return (await self._tokens.get_async(self._fetch_token)).expires_at

    async def _fetch_token(self) -> str:
        self._check_open()
        kwargs = self._token_kwargs()
        try:
            response = await self._http.request(**kwargs)
        except httpx.TransportError as error:
            raise _translate(error) from None
        return _jwt_of(response)

    async def _send(
        self, op: Operation, params: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        kwargs = self._request_kwargs(op, params, timeout)
        self._check_open()
        try:
            response = await self._http.request(**self._dialect.apply(kwargs))
        except httpx.TransportError as error:
            raise _translate(error) from None
        return await self._dialect.answer_async(response, kwargs, self._send_kwargs)

    async def _send_kwargs(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send a request as built (a replay in another dialect) and return its JSON."""
        try:
            answer = await self._http.request(**request)
        except httpx.TransportError as failure:
            raise _translate(failure) from None
        return _seam.json_of(answer)

    async def aclose(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed); later calls raise
        ``ClientClosedError``. A ``with_options`` client leaves the shared pool open."""
        if self._parent is None:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        """Return the client itself; the block's end closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        """Close the client (see ``aclose``)."""
        await self.aclose()
