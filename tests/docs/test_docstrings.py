"""Every public class, method, function and parameter is documented.

Walks ``later_reporting.__all__``, ``later_reporting.testing.__all__`` and the sandbox's
public names (and the resource classes behind ``client.instances`` etc.): a missing
docstring, or a parameter its docstring does not mention, fails. ``help()`` and the API
reference (``nox -s docs``) show these docstrings.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import later_reporting
import later_reporting._resources as resources
import later_reporting.sandbox as sandbox
import later_reporting.testing as testing

# Resource methods exempt from the docstring check (none: every sync and async method has
# its docstring). The list must stay exact: a method that gains a docstring fails below
# until it is removed.
RESOURCE_REWRITE_PENDING: frozenset[str] = frozenset()
RESOURCE_CLASSES = [
    resources.Instances,
    resources.Campaigns,
    resources.Platforms,
    resources.Creators,
    resources.Posts,
    resources.AsyncInstances,
    resources.AsyncCampaigns,
    resources.AsyncPlatforms,
    resources.AsyncCreators,
    resources.AsyncPosts,
]
# The sandbox app's own methods are its route handlers, called by the app itself; what
# users call is create_app / serve_in_thread and the config classes.
SANDBOX_PUBLIC = ["create_app", "serve_in_thread", "SandboxConfig", "Faults", "SandboxClient"]
# A paginator is built by the resource methods from an internal query, never by users.
NOT_USER_CONSTRUCTED = frozenset({"Paginator", "AsyncPaginator"})
PROTOCOL_METHODS = frozenset(
    {"__iter__", "__aiter__", "__enter__", "__exit__", "__aenter__", "__aexit__"}
)
ENVIRONMENT = {
    "client_id": "LATER_REPORTING_CLIENT_ID",
    "client_secret": "LATER_REPORTING_CLIENT_SECRET",
    "base_url": "LATER_REPORTING_BASE_URL",
}


def public_objects() -> Iterator[tuple[str, Any]]:
    for name in sorted(later_reporting.__all__):
        if name != "__version__":
            yield f"later_reporting.{name}", getattr(later_reporting, name)
    for name in sorted(testing.__all__):
        yield f"later_reporting.testing.{name}", getattr(testing, name)
    for name in SANDBOX_PUBLIC:
        yield f"later_reporting.sandbox.{name}", getattr(sandbox, name)


def own_members(cls: type) -> Iterator[tuple[str, Any]]:
    """Public methods and properties defined by the SDK on ``cls`` or its SDK bases."""
    seen: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("later_reporting"):
            continue
        for name, member in vars(base).items():
            public = not name.startswith("_") or name in PROTOCOL_METHODS
            if name in seen or not public:
                continue
            if isinstance(member, property) or inspect.isfunction(member):
                seen.add(name)
                yield name, member


def documented_items() -> Iterator[tuple[str, Any]]:
    for path, obj in public_objects():
        yield path, obj
        if inspect.isclass(obj):
            for name, member in own_members(obj):
                yield f"{path}.{name}", member
    for cls in RESOURCE_CLASSES:
        yield f"later_reporting._resources.{cls.__name__}", cls
        for name, member in own_members(cls):
            if f"{cls.__name__}.{name}" not in RESOURCE_REWRITE_PENDING:
                yield f"later_reporting._resources.{cls.__name__}.{name}", member


def doc_of(obj: Any) -> str:
    target = obj.fget if isinstance(obj, property) else obj
    return inspect.getdoc(target) or "" if target.__doc__ else ""


def mentions(doc: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", doc) is not None


def parameters(function: Callable[..., Any]) -> list[str]:
    return [
        name
        for name, p in inspect.signature(function).parameters.items()
        if name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def constructor_owner(cls: type) -> type | None:
    """The SDK class whose docstring describes ``cls``'s constructor (it defines it)."""
    if dataclasses.is_dataclass(cls):
        return cls
    return next(
        (
            base
            for base in cls.__mro__
            if "__init__" in base.__dict__ and base.__module__.startswith("later_reporting")
        ),
        None,
    )


def constructor_parameters(cls: type) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    owner = constructor_owner(cls)
    return parameters(owner.__dict__["__init__"]) if owner is not None else []


ITEMS = list(documented_items())


@pytest.mark.parametrize(("path", "obj"), ITEMS, ids=[path for path, _ in ITEMS])
def test_has_a_docstring(path: str, obj: Any) -> None:
    assert doc_of(obj).strip(), f"{path} has no docstring"


def test_pending_resource_exemptions_are_exact() -> None:
    """An exempt resource method that has gained its docstring is no longer exempt."""
    documented = {
        f"{cls.__name__}.{name}"
        for cls in RESOURCE_CLASSES
        for name, member in own_members(cls)
        if doc_of(member).strip()
    }
    existing = {
        f"{cls.__name__}.{name}" for cls in RESOURCE_CLASSES for name, _ in own_members(cls)
    }
    assert existing >= RESOURCE_REWRITE_PENDING, "an exempt method no longer exists"
    assert not RESOURCE_REWRITE_PENDING & documented, (
        f"documented now, remove from RESOURCE_REWRITE_PENDING: "
        f"{sorted(RESOURCE_REWRITE_PENDING & documented)}"
    )


PARAMETERS = (
    [
        (path, name)
        for path, obj in public_objects()
        if inspect.isclass(obj)
        and obj.__name__ not in NOT_USER_CONSTRUCTED
        and constructor_owner(obj) is obj  # a subclass's are described where they are defined
        for name in constructor_parameters(obj)
    ]
    + [
        (path, name)
        for path, obj in public_objects()
        if inspect.isfunction(obj)
        for name in parameters(obj)
    ]
    + [
        (f"{path}.{method}", name)
        for path, obj in public_objects()
        if inspect.isclass(obj)
        for method, member in own_members(obj)
        if inspect.isfunction(member) and member.__name__ not in PROTOCOL_METHODS
        for name in parameters(member)
    ]
    + [
        (f"later_reporting._resources.{cls.__name__}.{method}", name)
        for cls in RESOURCE_CLASSES
        for method, member in own_members(cls)
        if inspect.isfunction(member)
        for name in parameters(member)
    ]
)


@pytest.mark.parametrize(("path", "name"), PARAMETERS, ids=[f"{p}({n})" for p, n in PARAMETERS])
def test_parameter_is_described(path: str, name: str) -> None:
    obj: Any = resources if path.startswith("later_reporting._resources.") else later_reporting
    for part in path.split(".")[2 if obj is resources else 1 :]:
        obj = getattr(obj, part)
    assert mentions(doc_of(obj), name), f"the docstring of {path} does not describe {name!r}"


@pytest.mark.parametrize("client_class", [later_reporting.Client, later_reporting.AsyncClient])
def test_client_docstring_lists_each_argument_with_its_default(client_class: type) -> None:
    """``help(Client)`` shows every constructor argument as an ``Args:`` entry, with its
    default and, for the credentials and the URL, the environment variable read instead."""
    doc = doc_of(client_class)
    args = doc.split("Args:", 1)[1]
    signature = inspect.signature(client_class)
    for name, parameter in signature.parameters.items():
        entry = re.search(rf"^    {name}: (.*?)(?=^    \w+: |\Z|^\S)", args, re.M | re.S)
        assert entry, f"{client_class.__name__} docstring: no 'Args:' entry for {name}"
        text = " ".join(entry.group(1).split()).replace('"', "'")
        if name in ENVIRONMENT:
            assert ENVIRONMENT[name] in text, f"{name}: environment variable not named"
        else:
            assert f"``{parameter.default!r}``" in text or (
                parameter.default is None and "``None``" in text
            ), f"{name}: default {parameter.default!r} not stated"


def test_reference_pages_cover_the_public_api() -> None:
    """Each name of ``__all__`` (and of the models) has its entry in the API reference."""
    from pathlib import Path

    import later_reporting.models as models

    reference = Path(__file__).resolve().parents[2] / "docs" / "reference"
    text = "\n".join(p.read_text(encoding="utf-8") for p in reference.glob("*.md"))
    missing = [
        name
        for name in later_reporting.__all__
        if name != "__version__" and f"::: later_reporting.{name}\n" not in text
    ] + [name for name in models.__all__ if f"::: later_reporting.models.{name}\n" not in text]
    assert not missing, f"not in docs/reference/: {missing}"
