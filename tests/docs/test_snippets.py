"""The documentation's Python examples work: every import resolves, and the guide's examples
run as written against a sandbox.

A ```` ```python ```` block of a guide page runs in one namespace per page, in order, with
``LATER_REPORTING_BASE_URL`` pointing at a sandbox and the demo credentials in the
environment. A block the reader must adapt first (a proxy host, a staging URL) is marked
``<!-- not run: REASON -->`` on the line before its fence; it is still compiled and its
imports and ``later_reporting`` attributes are still resolved.
"""

from __future__ import annotations

import ast
import importlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from later_reporting.sandbox import SandboxConfig, serve_in_thread

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE_PAGES = sorted([DOCS / "index.md", *(DOCS / "guide").glob("*.md")])
ALL_PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
NOT_RUN = re.compile(r"<!-- not run: (?P<reason>[^>]+?) -->\n$")


@dataclass(frozen=True)
class Snippet:
    page: Path
    line: int
    code: str
    not_run: str | None  # the reason it is not run, if it is not

    def __str__(self) -> str:
        return f"{self.page.relative_to(DOCS)}:{self.line}"


def snippets(page: Path) -> list[Snippet]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        marker = NOT_RUN.search(before)
        found.append(
            Snippet(
                page,
                before.count("\n") + 1,
                match.group(1),
                marker.group("reason") if marker else None,
            )
        )
    return found


def library_references(code: str) -> Iterator[tuple[str, str | None]]:
    """(module, attribute) pairs the code imports, or reads from ``later_reporting as lr``."""
    tree = ast.parse(code)
    aliases = {"later_reporting": "later_reporting"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                yield name.name, None
                if name.name.startswith("later_reporting"):
                    aliases[name.asname or name.name] = name.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for name in node.names:
                yield node.module, name.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            yield aliases[node.value.id], node.attr


def test_guide_pages_have_examples() -> None:
    """The extraction itself works: the guide has runnable examples on most pages."""
    runnable = {s.page.name for p in GUIDE_PAGES for s in snippets(p) if s.not_run is None}
    assert {"quickstart.md", "pagination.md", "errors.md", "timeouts.md"} <= runnable


@pytest.mark.parametrize("snippet", [s for p in ALL_PAGES for s in snippets(p)], ids=str)
def test_imports_resolve(snippet: Snippet) -> None:
    compile(snippet.code, str(snippet), "exec")
    for module, attribute in library_references(snippet.code):
        imported = importlib.import_module(module)
        if attribute is not None and not hasattr(imported, attribute):
            importlib.import_module(f"{module}.{attribute}")  # a submodule, or ImportError


@pytest.fixture(scope="module")
def docs_sandbox() -> Iterator[str]:
    with serve_in_thread(SandboxConfig(rate_limit=None)) as url:
        yield url


@pytest.mark.parametrize(
    "page",
    [p for p in GUIDE_PAGES if any(s.not_run is None for s in snippets(p))],
    ids=lambda p: p.name,
)
def test_guide_examples_run(
    page: Path,
    docs_sandbox: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LATER_REPORTING_BASE_URL", docs_sandbox)
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "demo-client")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "demo-secret")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    sdk_logger = logging.getLogger("later_reporting")
    saved = (list(logging.root.handlers), logging.root.level, sdk_logger.level)
    try:
        for snippet in snippets(page):
            if snippet.not_run is None:
                run(snippet, namespace)
    finally:  # the logging page configures logging, as a reader's program would
        logging.root.handlers[:], _, _ = saved
        logging.root.setLevel(saved[1])
        sdk_logger.setLevel(saved[2])
    capsys.readouterr()


def run(snippet: Snippet, namespace: dict[str, object]) -> None:
    code = compile(snippet.code, str(snippet), "exec")
    try:
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
    except Exception as error:
        pytest.fail(f"the example at {snippet} raised {type(error).__name__}: {error}")
