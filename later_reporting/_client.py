"""``Client`` and ``AsyncClient``: configuration, the pooled httpx client, and sending.

Each client owns one httpx client whose auth is :class:`BearerAuth` and whose every route
goes through the retrying, rate-budgeted transport: around httpx's default (TLS verification
on, proxies from the environment or ``proxy=``), the user's ``transport=``, or the user's own
``http_client=`` (see ``_http``).
"""

from __future__ import annotations

import types
from typing import Any, Literal

import httpx

from later_reporting import __version__, _seam
from later_reporting import _validation as v
from later_reporting._auth import BearerAuth, TokenManager
from later_reporting._compression import CorruptBody
from later_reporting._config import Settings, resolve
from later_reporting._dialect import ServerDialect
from later_reporting._errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    LaterReportingError,
    UnexpectedResponseError,
)
from later_reporting._http import async_options, sync_options
from later_reporting._logging import configure_from_env
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
from later_reporting._seam import Operation
from later_reporting._transport import RetryPolicy

USER_AGENT = f"later-reporting-python/{__version__}"
DriftPolicy = Literal["raise", "warn"]


def _common(
    client_id: str | None,
    client_secret: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    concurrency: int,
    rate_limit: int | None,
    on_drift: str,
) -> tuple[Settings, RateBudget, RetryPolicy]:
    configure_from_env()
    settings = resolve(
        client_id, client_secret, base_url, timeout, max_retries, concurrency, rate_limit
    )
    if on_drift not in ("raise", "warn"):
        raise ConfigurationError(f"on_drift must be 'raise' or 'warn', got {on_drift!r}")
    return settings, RateBudget(settings.rate_limit), RetryPolicy(settings.max_retries)


def _translate(error: httpx.TransportError) -> LaterReportingError:
    if isinstance(error, CorruptBody):  # the server answered, but with a body that won't decode
        return UnexpectedResponseError(str(error))
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {error}")
    return APIConnectionError(f"connection failed: {type(error).__name__}: {error}")


class _BaseClient:
    """What both clients share: settings, the token cache, the rate budget, introspection."""

    def __init__(
        self,
        client_id: str | None,
        client_secret: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        concurrency: int,
        rate_limit: int | None,
        on_drift: DriftPolicy,
    ) -> None:
        self._settings, self._budget, self._policy = _common(
            client_id,
            client_secret,
            base_url,
            timeout,
            max_retries,
            concurrency,
            rate_limit,
            on_drift,
        )
        self.on_drift: DriftPolicy = on_drift
        self.concurrency = concurrency
        self._tokens = TokenManager()
        self._dialect = ServerDialect()  # spellings learned from the server's 400s

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._settings.base_url!r}, "
            f"client_id={self._settings.client_id!r})"
        )

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def token_expires_at(self) -> float | None:
        """When the cached token expires (epoch seconds), if known; never the token itself."""
        token = self._tokens.current
        return token.expires_at if token else None

    def _check_open(self, http: httpx.Client | httpx.AsyncClient) -> None:
        if http.is_closed:
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
        return kwargs

    def _request_kwargs(
        self, op: Operation, params: dict[str, Any], timeout: object
    ) -> dict[str, Any]:
        seconds = v.call_timeout(timeout)
        kwargs = _seam.request_kwargs(
            op, params, self._settings.total_timeout if seconds is None else seconds
        )
        if seconds is None:
            kwargs["timeout"] = self._settings.timeout  # keep the client's connect/read split
        return kwargs


def _jwt_of(response: httpx.Response) -> str:
    try:
        body = _seam.json_of(response, token_request=True)
    except UnexpectedResponseError as error:
        # Raised afresh so that the parser's frames (whose locals hold the body, and maybe a
        # JWT) are not in its traceback.
        raise UnexpectedResponseError(str(error), error.response) from None
    return str(body["jwt"])


class Client(_BaseClient):
    """The synchronous client. Use it as a context manager, or call :meth:`close`."""

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
        super().__init__(
            client_id,
            client_secret,
            base_url,
            timeout,
            max_retries,
            concurrency,
            rate_limit,
            on_drift,
        )
        options = sync_options(self._policy, self._budget, transport, proxy, http_client)
        options["headers"]["User-Agent"] = USER_AGENT
        self._http = httpx.Client(
            base_url=self._settings.base_url,
            timeout=self._settings.timeout,
            auth=BearerAuth(self._tokens, fetch=self._fetch_token),
            **options,
        )
        self.instances = Instances(self)
        self.campaigns = Campaigns(self)
        self.platforms = Platforms(self)
        self.creators = Creators(self)
        self.posts = Posts(self)

    def authenticate(self) -> float | None:
        """Fetch a token now (checks the credentials); returns its expiry if known."""
        return self._tokens.get(self._fetch_token).expires_at

    def _fetch_token(self) -> str:
        self._check_open(self._http)
        kwargs = self._token_kwargs()
        try:
            response = self._http.request(**kwargs)
        except httpx.TransportError as error:
            raise _translate(error) from None
        return _jwt_of(response)

    def _send(self, op: Operation, params: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        kwargs = self._request_kwargs(op, params, timeout)
        self._check_open(self._http)
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
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """The asynchronous client. Use it with ``async with``, or await :meth:`aclose`."""

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
        super().__init__(
            client_id,
            client_secret,
            base_url,
            timeout,
            max_retries,
            concurrency,
            rate_limit,
            on_drift,
        )
        options = async_options(self._policy, self._budget, transport, proxy, http_client)
        options["headers"]["User-Agent"] = USER_AGENT
        self._http = httpx.AsyncClient(
            base_url=self._settings.base_url,
            timeout=self._settings.timeout,
            auth=BearerAuth(self._tokens, fetch_async=self._fetch_token),
            **options,
        )
        self.instances = AsyncInstances(self)
        self.campaigns = AsyncCampaigns(self)
        self.platforms = AsyncPlatforms(self)
        self.creators = AsyncCreators(self)
        self.posts = AsyncPosts(self)

    async def authenticate(self) -> float | None:
        """Fetch a token now (checks the credentials); returns its expiry if known."""
        return (await self._tokens.get_async(self._fetch_token)).expires_at

    async def _fetch_token(self) -> str:
        self._check_open(self._http)
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
        self._check_open(self._http)
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
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()
