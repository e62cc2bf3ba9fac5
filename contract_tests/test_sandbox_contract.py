"""schemathesis holds the sandbox to the spec: in process, and over a live port."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

from contract_tests.schemathesis_support import NO_CLIENT_LIMIT, excluded, load
from later_reporting.sandbox import SandboxConfig, create_app, serve_in_thread

APP = create_app(SandboxConfig(rate_limit=None))
DEMO = {"clientId": "demo-client", "clientSecret": "demo-secret"}


def in_process_token() -> str:
    async def fetch() -> str:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            token: str = (await http.post("/oauth/token", json=DEMO)).json()["jwt"]
            return token

    return asyncio.run(fetch())


schema = load(in_process_token, rate_limit=NO_CLIENT_LIMIT)
schema.app = APP
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_sandbox_conforms_in_process(case: Any) -> None:
    case.call_and_validate(excluded_checks=excluded(case))


# The live server starts at import: schemathesis authenticates while collecting.
_LIVE = contextlib.ExitStack()
LIVE_URL = _LIVE.enter_context(serve_in_thread(SandboxConfig(rate_limit=None)))


@pytest.fixture(scope="module", autouse=True)
def _stop_live_server() -> Any:
    yield
    _LIVE.close()


def live_token() -> str:
    token: str = httpx.post(f"{LIVE_URL}/oauth/token", json=DEMO).json()["jwt"]
    return token


live_schema = load(live_token, rate_limit=NO_CLIENT_LIMIT)
live_schema.config.update(base_url=LIVE_URL)


@live_schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_sandbox_conforms_over_a_live_port(case: Any) -> None:
    case.call_and_validate(excluded_checks=excluded(case))
