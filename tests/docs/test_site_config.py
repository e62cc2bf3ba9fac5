"""The documentation builds without the network and fails on what is broken (mkdocs.yml).

``nox -s docs`` runs ``mkdocs build --strict``; these checks keep the configuration that
makes that build offline and strict from being loosened unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Plugins that read only local files at build time; a plugin that fetches (the theme's
# privacy or social plugins, remote includes) must not be added.
OFFLINE_PLUGINS = {"search", "mkdocstrings"}


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return loaded


def test_the_build_is_strict() -> None:
    assert config()["strict"] is True
    validation = config()["validation"]
    assert set(validation["links"].values()) == {"warn"}  # warnings fail a strict build
    assert validation["nav"]["omitted_files"] == "warn"


def test_nothing_is_fetched() -> None:
    site = config()
    assert site["theme"]["font"] is False  # no Google Fonts for readers either
    names = {next(iter(p)) if isinstance(p, dict) else p for p in site["plugins"]}
    assert names <= OFFLINE_PLUGINS, names - OFFLINE_PLUGINS
    extensions = site["markdown_extensions"]
    snippets = next(
        e["pymdownx.snippets"]
        for e in extensions
        if isinstance(e, dict) and "pymdownx.snippets" in e
    )
    assert snippets.get("url_download", False) is False
    assert snippets["check_paths"] is True  # a missing README section fails the build


def test_every_page_is_in_the_navigation() -> None:
    def pages(nav: Any) -> set[str]:
        if isinstance(nav, str):
            return {nav}
        if isinstance(nav, list):
            return set().union(*(pages(item) for item in nav))
        return set().union(*(pages(value) for value in nav.values()))

    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert pages(config()["nav"]) == on_disk
