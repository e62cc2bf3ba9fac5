"""Compressed responses: the sandbox gzips like nginx or a CDN, and the SDK reads them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from click.testing import CliRunner

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
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *flags])
    assert result.exit_code == 0, result.output
    (app,) = served
    assert isinstance(app, SandboxApp)
    assert app.config.compress is compress
