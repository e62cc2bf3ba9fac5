"""Fixtures shared by every test folder: a live sandbox, SDK clients, backoff off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from later_reporting import AsyncClient, Client
from later_reporting.sandbox import SandboxConfig, serve_in_thread
from later_reporting.testing import no_backoff

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with no_backoff():
        yield


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """A sandbox on a loopback port for the whole session (no rate limit, no faults)."""
    with serve_in_thread(SandboxConfig(rate_limit=None)) as url:
        yield url


@pytest.fixture
def client(sandbox_url: str) -> Iterator[Client]:
    with Client(base_url=sandbox_url, rate_limit=None, concurrency=8, **DEMO) as c:
        yield c


@pytest.fixture
async def async_client(sandbox_url: str) -> AsyncClient:
    c = AsyncClient(base_url=sandbox_url, rate_limit=None, concurrency=8, **DEMO)
    yield c  # type: ignore[misc]
    await c.aclose()
