"""Authentication: the client-credentials exchange, the token cache, and the httpx auth flow.

- A token is refreshed shortly before it expires (a tenth of its lifetime early, at most a
  minute). It expires at its ``exp`` when the local clock agrees with the server's (receipt
  within :data:`CLOCK_TOLERANCE` of ``iat``); when they disagree, the lifetime the server
  granted, ``exp - iat``, is counted from receipt instead, so clock skew neither makes every
  request fetch a new token nor keeps a dead one. A token that is not a decodable JWT is
  used until a 401 says otherwise.
- Single flight: however many threads or tasks find the token stale, one request fetches it.
- On a 401 the token is dropped only if it is still the one that failed
  (compare-and-invalidate), and the request is replayed once with a fresh token; again (up
  to ``MAX_REPLAYS`` times) only while each failing token had expired by its own ``exp``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass

import httpx

from later_reporting._logging import logger

MAX_SKEW = 60.0
# How far receipt time may trail ``iat`` (latency, ``iat`` rounded down to the second) before
# the local clock is taken to disagree with the server's.
CLOCK_TOLERANCE = 5.0
MAX_REPLAYS = 3


@dataclass(frozen=True)
class Token:
    """A bearer token and when to stop using it (``None``: unknown, use until a 401)."""

    value: str
    refresh_at: float | None
    expires_at: float | None

    def __repr__(self) -> str:
        return f"Token(<redacted>, expires_at={self.expires_at})"

    def fresh(self, now: float) -> bool:
        return self.refresh_at is None or now < self.refresh_at


def jwt_expiry(token: str) -> tuple[float | None, float | None]:
    """``(iat, exp)`` of a JWT, without verifying it; ``(None, None)`` when not decodable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = float(claims["exp"])
        iat = claims.get("iat")
        return (float(iat) if isinstance(iat, int | float) else None), exp
    except (IndexError, ValueError, KeyError, TypeError):
        return None, None


def make_token(value: str, fetched_at: float) -> Token:
    """The token received at ``fetched_at`` (local epoch seconds), with local expiry times."""
    iat, exp = jwt_expiry(value)
    if exp is None:
        return Token(value, None, None)
    lifetime = exp - (iat if iat is not None else fetched_at)
    expires = exp
    if iat is not None and abs(fetched_at - iat) > CLOCK_TOLERANCE:
        # The clocks disagree: count the granted lifetime from receipt instead (the
        # server's clock cancels out of exp - iat).
        expires = fetched_at + lifetime
    skew = min(MAX_SKEW, max(lifetime, 0.0) * 0.1)
    return Token(value, expires - skew, expires)


class TokenManager:
    """Caches one token for a client; fetches it single-flight in threads and in tasks."""

    def __init__(self) -> None:
        self._token: Token | None = None
        self._thread_lock = threading.Lock()
        self._task_lock: asyncio.Lock | None = None

    @property
    def current(self) -> Token | None:
        return self._token

    def get(self, fetch: Callable[[], str]) -> Token:
        token = self._token
        if token is not None and token.fresh(time.time()):
            return token
        with self._thread_lock:
            token = self._token
            if token is not None and token.fresh(time.time()):
                return token
            return self._store(fetch())

    async def get_async(self, fetch: Callable[[], Awaitable[str]]) -> Token:
        token = self._token
        if token is not None and token.fresh(time.time()):
            return token
        if self._task_lock is None:
            self._task_lock = asyncio.Lock()
        async with self._task_lock:
            token = self._token
            if token is not None and token.fresh(time.time()):
                return token
            return self._store(await fetch())

    def _store(self, value: str) -> Token:
        token = make_token(value, time.time())
        self._token = token
        logger.debug("fetched a new token (expires at %s)", token.expires_at)
        return token

    def invalidate(self, failed: Token) -> None:
        """Forget the token only if it is still the one that failed."""
        with self._thread_lock:
            if self._token is failed:
                self._token = None


class BearerAuth(httpx.Auth):
    """Puts the current JWT on each request; on a 401 refreshes once and replays."""

    requires_response_body = True

    def __init__(
        self,
        tokens: TokenManager,
        fetch: Callable[[], str] | None = None,
        fetch_async: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.tokens = tokens
        self.fetch = fetch
        self.fetch_async = fetch_async

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if self.fetch is None:
            raise RuntimeError("this auth is for an AsyncClient; use it with httpx.AsyncClient")
        token = self.tokens.get(self.fetch)
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        replays = 0
        while should_replay(response, token, replays):
            self.tokens.invalidate(token)
            token = self.tokens.get(self.fetch)
            request.headers["Authorization"] = f"Bearer {token.value}"
            replays += 1
            response = yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self.fetch_async is None:
            raise RuntimeError("this auth is for a Client; use it with httpx.Client")
        token = await self.tokens.get_async(self.fetch_async)
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        replays = 0
        while should_replay(response, token, replays):
            self.tokens.invalidate(token)
            token = await self.tokens.get_async(self.fetch_async)
            request.headers["Authorization"] = f"Bearer {token.value}"
            replays += 1
            response = yield request


def should_replay(response: httpx.Response, token: Token, replays: int) -> bool:
    """Replay a 401 once with a new token; again (up to ``MAX_REPLAYS``) only if the token
    that failed had expired by its own ``exp`` (retries outlasted it), never for a token the
    server rejects while still valid."""
    if response.status_code != 401 or replays >= MAX_REPLAYS:
        return False
    if replays == 0:
        return True
    return token.expires_at is not None and token.expires_at <= time.time()
