"""Helpers shared by the spec tests: loading the spec, resolving refs, schema validators."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "later-reporting-v2.yaml"
SEEDS = ROOT / "openapi" / "sources"
SPEC_URI = "urn:later-reporting-v2"


@functools.cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def resolve(node: Any) -> Any:
    """Follow a local ``$ref`` (recursively) to the node it names."""
    spec = load_spec()
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator whose ``#/...`` refs point into the spec."""
    resource = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{SPEC_URI}#/'))
    return Draft202012Validator(
        rebased, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def parameters(path: str, method: str = "get") -> dict[str, dict[str, Any]]:
    operation = load_spec()["paths"][path][method]
    return {p["name"]: p for p in (resolve(p) for p in operation.get("parameters", []))}


def schema_properties(schema: Any) -> set[str]:
    """Every property name declared by a schema and the schemas below it."""
    names: set[str] = set()
    pending = [schema]
    seen: set[int] = set()
    while pending:
        node = resolve(pending.pop())
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        for name, sub in node.get("properties", {}).items():
            names.add(name)
            pending.append(sub)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                pending.append(node[key])
    return names


def seed_text(name_prefix: str) -> str:
    (path,) = SEEDS.glob(f"{name_prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def seed_json_examples(name_prefix: str) -> list[tuple[str | None, Any]]:
    """JSON objects in a seed page, each with the last ``/v2/...`` or token path before it."""
    text = seed_text(name_prefix)
    found: list[tuple[str | None, Any]] = []
    decoder = json.JSONDecoder()
    index = 0
    while (start := text.find("{", index)) != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            index = start + 1
            continue
        before = text[:start]
        paths = re.findall(r"(/v2/[a-z\-/]+|/oauth/token)", before)
        found.append((paths[-1].rstrip("/") if paths else None, value))
        index = end
    return found
