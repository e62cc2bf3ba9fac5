"""The command line against a sandbox whose paging loses rows: exit 4, one clear line, no file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from later_reporting.cli import main
from later_reporting.sandbox import SandboxApp, SandboxConfig, serve_in_thread


class ShortSecondPage(SandboxApp):
    """The sandbox, except that page 2 of every page-number walk is one row short."""

    def paginated(self, query: Any, items: list[Any], render: Callable[[list[Any]], Any]) -> Any:
        body = super().paginated(query, items, render)
        if body.get("pagination", {}).get("page") == 2:
            body["data"] = body["data"][:-1]
        return body


@pytest.fixture(scope="module")
def lossy_url() -> Iterator[str]:
    with serve_in_thread(ShortSecondPage(SandboxConfig(rate_limit=None, posts=2_000))) as url:
        yield url


def test_export_exits_4_on_an_incomplete_result_and_writes_nothing(
    tmp_path: Path, lossy_url: str
) -> None:
    target = tmp_path / "campaigns.csv"
    target.write_text("yesterday\n")
    env = {
        "LATER_REPORTING_CLIENT_ID": "demo-client",
        "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        "LATER_REPORTING_BASE_URL": lossy_url,
    }
    result = CliRunner().invoke(
        main, ["export", "campaigns", "--page-size", "10", "-o", str(target)], env=env
    )
    assert result.exit_code == 4
    assert "campaigns.list: page 2 of 4 has 9 rows where 10 were expected" in result.output
    assert "Traceback" not in result.output
    assert target.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["campaigns.csv"]
