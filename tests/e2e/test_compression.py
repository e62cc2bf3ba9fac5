"""Compressed responses: the sandbox gzips like nginx or a CDN, and the SDK reads them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting.cli import main
from later_reporting.sandbox import SandboxApp, SandboxConfig, serve_in_thread

CREDENTIALS = {"clientId": "demo-client", "clientSecret": "demo-secret"}


def wire_encodings(base_url: str, accept: str) -> list[str | None]:
    """Content-Encoding of the token answer and of a report page, as sent on the wire."""
    with httpx.Client(base_url=base_url, headers={"Accept-Encoding": accept}) as http:
        token = http.post("/oauth/token", json=CREDENTIALS)
        page = http.get("/v2/instances", headers={"Authorization": f"Bearer {token.json()['jwt']}"})
        assert page.json()["data"]["instanceIds"]
        return [token.headers.get("content-encoding"), page.headers.get("content-encoding")]


def test_the_sandbox_gzips_when_asked_by_default(sandbox_url: str) -> None:
    assert SandboxConfig().compress is True
    assert wire_encodings(sandbox_url, "gzip, deflate") == ["gzip", "gzip"]
    assert wire_encodings(sandbox_url, "identity") == [None, None]


def test_the_sandbox_can_be_told_not_to_compress() -> None:
    with serve_in_thread(SandboxConfig(rate_limit=None, compress=False)) as url:
        assert wire_encodings(url, "gzip, deflate") == [None, None]


@pytest.mark.parametrize(("flags", "compress"), [([], True), (["--no-compress"], False)])
def test_sandbox_command_compress_flag(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], compress: bool
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets=None: served.append(self.config.app)
    )
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *flags])
    assert result.exit_code == 0, result.output
    (app,) = served
    assert isinstance(app, SandboxApp)
    assert app.config.compress is compress


Seen = list[tuple[str, str | None]]


class WireSpy(httpx.HTTPTransport):
    """httpx's own transport, noting the Content-Encoding of every answer it receives."""

    def __init__(self, seen: Seen) -> None:
        super().__init__()
        self.seen = seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append((request.url.path, response.headers.get("content-encoding")))
        return response


class AsyncWireSpy(httpx.AsyncHTTPTransport):
    def __init__(self, seen: Seen) -> None:
        super().__init__()
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.seen.append((request.url.path, response.headers.get("content-encoding")))
        return response


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_sdk_traffic_to_the_sandbox_is_compressed(sandbox_url: str, kind: str) -> None:
    seen: Seen = []
    report = {"start": "2025-01-01", "end": "2025-01-31", "page_size": 20, "max_items": 45}
    demo = {"client_id": "demo-client", "client_secret": "demo-secret", "base_url": sandbox_url}
    if kind == "sync":
        with lr.Client(transport=WireSpy(seen), **demo) as client:
            rows = list(client.posts.performance(**report))
    else:

        async def main() -> list[Any]:
            async with lr.AsyncClient(transport=AsyncWireSpy(seen), **demo) as client:
                return [row async for row in client.posts.performance(**report)]

        rows = asyncio.run(main())
    assert len(rows) == 45
    assert seen[0] == ("/oauth/token", "gzip")
    assert seen[1:] == [("/v2/posts/performance", "gzip")] * 3
