"""The command line against a sandbox whose paging is broken: exit 4, one clear line, no file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from later_reporting.cli import main
from later_reporting.sandbox import SandboxApp, SandboxConfig, serve_in_thread


def short_second_page(body: dict[str, Any]) -> None:
    if body.get("pagination", {}).get("page") == 2:
        body["data"] = body["data"][:-1]


def total_pages_as_text(body: dict[str, Any]) -> None:
    if body.get("pagination", {}).get("page") == 2:
        body["pagination"]["totalPages"] = str(body["pagination"]["totalPages"])


class Broken(SandboxApp):
    """The sandbox, except that ``spoil`` edits every page-number body before it is sent."""

    spoil: Callable[[dict[str, Any]], None] = staticmethod(short_second_page)

    def paginated(self, query: Any, items: list[Any], render: Callable[[list[Any]], Any]) -> Any:
        body = super().paginated(query, items, render)
        type(self).spoil(body)
        return body


@pytest.fixture(scope="module")
def broken() -> Iterator[tuple[type[Broken], str]]:
    with serve_in_thread(Broken(SandboxConfig(rate_limit=None, posts=2_000))) as url:
        yield Broken, url


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (short_second_page, "campaigns.list: page 2 of 4 has 9 rows where 10 were expected"),
        (
            total_pages_as_text,
            "the campaigns.list response does not match the API's schema: "
            "'pagination.totalPages' is the string '4', expected an integer",
        ),
    ],
    ids=["incomplete", "schema"],
)
def test_export_exits_4_on_a_broken_result_and_writes_nothing(
    tmp_path: Path,
    broken: tuple[type[Broken], str],
    monkeypatch: pytest.MonkeyPatch,
    spoil: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    app, url = broken
    monkeypatch.setattr(app, "spoil", staticmethod(spoil))
    target = tmp_path / "campaigns.csv"
    target.write_text("yesterday\n")
    env = {
        "LATER_REPORTING_CLIENT_ID": "demo-client",
        "LATER_REPORTING_CLIENT_SECRET": "demo-secret",
        "LATER_REPORTING_BASE_URL": url,
    }
    result = CliRunner().invoke(
        main, ["export", "campaigns", "--page-size", "10", "-o", str(target)], env=env
    )
    assert result.exit_code == 4
    assert result.output.startswith("error: ")
    assert message in result.output
    assert "Traceback" not in result.output
    assert target.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["campaigns.csv"]
