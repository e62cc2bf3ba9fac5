"""The SDK and the command line work against every API variant the sandbox serves.

The public docs disagree on paging, token lifetime, the spelling of dateBasis values,
compression, rate-limit headers and the accepted array encodings. A short posts export with
an explicit ``date_basis`` and multi-valued arrays (the parameters whose spelling differs)
must give the same rows from every variant.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import later_reporting as lr
from later_reporting import _validation
from later_reporting.cli import main
from later_reporting.sandbox import SandboxApp, SandboxConfig, create_app, serve_in_thread

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
BASE = SandboxConfig(rate_limit=None, posts=2_000, compress=False)
MODES: dict[str, dict[str, Any]] = {
    "seeds": {},
    "cursor": {"cursor_paging": True},
    "12h": {"token_lifetime": 12 * 3600.0},
    "24h": {"token_lifetime": 24 * 3600.0},
    "postDate": {"date_basis_spelling": "postDate"},
    "gzip": {"compress": True},
    "no-rate-headers": {"rate_limit_headers": False},
    "comma-only": {"array_encodings": ("comma",)},
    "brackets-only": {"array_encodings": ("brackets",)},
    "newer-docs": {
        "cursor_paging": True,
        "date_basis_spelling": "postDate",
        "rate_limit_headers": False,
        "array_encodings": ("comma",),
    },
}
QUERY: dict[str, Any] = {
    "start": "2025-01-01",
    "end": "2025-03-31",
    "date_basis": "post_date",
    "platforms": ["instagram", "tiktok"],
    "metrics": ["impressions", "engagements"],
    "page_size": 20,
    "max_items": 50,
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[SandboxApp, str]]]:
    with contextlib.ExitStack() as stack:
        found = {}
        for mode, changes in MODES.items():
            app = create_app(dataclasses.replace(BASE, **changes))
            found[mode] = (app, stack.enter_context(serve_in_thread(app)))
        yield found


@pytest.fixture(scope="module")
def expected(servers: dict[str, tuple[SandboxApp, str]]) -> list[dict[str, Any]]:
    with lr.Client(base_url=servers["seeds"][1], rate_limit=None, **DEMO) as client:
        rows = list(client.posts.performance(**QUERY).dicts())
    assert len(rows) == 50
    return rows


@pytest.mark.parametrize("mode", list(MODES))
def test_sync_posts_export_is_the_same_in_every_variant(
    mode: str, servers: dict[str, tuple[SandboxApp, str]], expected: list[dict[str, Any]]
) -> None:
    app, url = servers[mode]
    with lr.Client(base_url=url, rate_limit=None, **DEMO) as client:
        assert list(client.posts.performance(**QUERY).dicts()) == expected
        before = app.report_requests
        typed = list(client.posts.performance(**QUERY))
        # The dialect learned on the first query is kept: no refused request the second time.
        assert app.report_requests - before == 3
    assert [row.post_id for row in typed] == [row["postId"] for row in expected]


@pytest.mark.parametrize("mode", list(MODES))
async def test_async_posts_export_is_the_same_in_every_variant(
    mode: str, servers: dict[str, tuple[SandboxApp, str]], expected: list[dict[str, Any]]
) -> None:
    app, url = servers[mode]
    async with lr.AsyncClient(base_url=url, rate_limit=None, **DEMO) as client:
        assert [row async for row in client.posts.performance(**QUERY).dicts()] == expected
        before = app.report_requests
        typed = [row async for row in client.posts.performance(**QUERY)]
        assert app.report_requests - before == 3
    assert [row.post_id for row in typed] == [row["postId"] for row in expected]


@pytest.mark.parametrize("mode", ["postDate", "comma-only", "brackets-only", "newer-docs"])
def test_the_cli_exports_from_every_variant(
    mode: str,
    servers: dict[str, tuple[SandboxApp, str]],
    expected: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "demo-client")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "demo-secret")
    out = tmp_path / "posts.jsonl"
    args = ["export", "posts-performance", "--start", "2025-01-01", "--end", "2025-03-31"]
    args += ["--date-basis", "post_date", "--platform", "instagram", "--platform", "tiktok"]
    args += ["--metrics", "impressions,engagements", "--max-items", "50", "--quiet"]
    args += ["--format", "jsonl", "--output", str(out), "--base-url", servers[mode][1]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["post_id"] for row in rows] == [row["postId"] for row in expected]


def test_a_genuine_bad_request_still_raises_the_users_error(
    servers: dict[str, tuple[SandboxApp, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replays in other dialects that fail too end in the first error, not the last."""
    app, url = servers["seeds"]
    # The SDK refuses a restricted metric itself; let it through, as a client whose table is
    # older than the server's rules would, so that the server's 400 is what comes back.
    monkeypatch.setattr(_validation, "supported_for_filters", lambda op, params: None)
    with lr.Client(base_url=url, rate_limit=None, **DEMO) as client:
        before = app.report_requests
        with pytest.raises(lr.UnsupportedMetricError) as caught:
            list(client.posts.performance(**{**QUERY, "metrics": ["avgWatchTime", "likes"]}))
        assert app.report_requests - before == 1  # a problem about values is not replayed
    assert "avgWatchTime" in (caught.value.detail or "")


@pytest.mark.parametrize(
    ("flags", "changes"),
    [
        ([], {}),
        (["--date-basis-spelling", "postDate"], {"date_basis_spelling": "postDate"}),
        (["--no-rate-limit-headers"], {"rate_limit_headers": False}),
        (["--array-encodings", "comma,brackets"], {"array_encodings": ("comma", "brackets")}),
    ],
)
def test_sandbox_command_variant_flags(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], changes: dict[str, Any]
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets=None: served.append(self.config.app)
    )
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *flags])
    assert result.exit_code == 0, result.output
    (app,) = served
    defaults = {
        "date_basis_spelling": "post_date",
        "rate_limit_headers": True,
        "array_encodings": ("comma", "repeat", "brackets"),
    }
    assert {name: getattr(app.config, name) for name in defaults} == {**defaults, **changes}


def test_sandbox_command_refuses_an_unknown_array_encoding() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", "--array-encodings", "pipes"])
    assert result.exit_code == 2
    assert "array_encodings must name one or more of comma, repeat, brackets" in result.output


def test_the_adopted_dialect_is_logged(
    servers: dict[str, tuple[SandboxApp, str]], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="later_reporting"),
        lr.Client(base_url=servers["newer-docs"][1], rate_limit=None, **DEMO) as client,
    ):
        list(client.posts.performance(**QUERY).dicts())
    adopted = [r.getMessage() for r in caplog.records if "the server wants" in r.getMessage()]
    assert adopted[-1] == (
        "the server wants dateBasis postDate-style and arrays as k=a,b; "
        "later requests are spelled so"
    )
