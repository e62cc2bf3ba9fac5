"""What changed between two versions of the spec, each change marked breaking or not.

    python scripts/spec_diff.py OLD NEW [--allow-breaking] [--json]
    nox -s spec-diff -- OLD NEW
    python scripts/regenerate.py --spec NEW      # prints this report before regenerating

OLD and NEW are paths or http(s) URLs (YAML or JSON). Both get ``openapi/overrides.yaml``
applied first, so the report is about what reaches users through the generated client
(for example, enums in responses are open strings there, so a new response value is no
change at all). Every ``$ref`` is resolved before comparing.

"Breaking" means breaking for a user of the SDK or of the generated client:

| change | breaking |
|---|---|
| operation removed | yes |
| operation added | no |
| parameter removed; parameter added as required; optional parameter made required | yes |
| optional parameter added; required parameter made optional | no |
| request value removed from an enum; a type or format changed; ``null`` no longer allowed | yes |
| request value added to an enum (a new metric); ``null`` newly allowed | no |
| request body property added as required, or removed | yes |
| success response removed; response property removed; response property no longer required | yes |
| response property added; response property made required | no |
| response value may now be ``null``; response type or format changed | yes |
| response value added to an enum that is still closed | yes |

Exit status: 0 when nothing breaking changed (or ``--allow-breaking``), 1 otherwise, 2 on
bad input. There is no maintained OpenAPI diff tool that installs from PyPI or npm without
downloading a binary at install time (the ``oasdiff`` wrappers and ``@pb33f/openapi-changes``
fetch a Go binary), so this is a focused implementation over the resolved spec.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import regenerate  # the sibling script, importable once its folder is on the path

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
COMPOSITION = ("oneOf", "anyOf", "allOf", "not")
BOUNDS_NARROWING = {  # keyword: True when a larger new value narrows what is allowed
    "minimum": True,
    "exclusiveMinimum": True,
    "minLength": True,
    "minItems": True,
    "maximum": False,
    "exclusiveMaximum": False,
    "maxLength": False,
    "maxItems": False,
}


@dataclass(frozen=True)
class Change:
    """One difference between the specs."""

    kind: str  # e.g. "operation-removed", "enum-value-added"
    where: str  # e.g. "GET /v2/posts/performance parameter metrics"
    detail: str
    breaking: bool

    def line(self) -> str:
        return f"{'BREAKING' if self.breaking else 'ok      '}  {self.where}: {self.detail}"


# --- loading and resolving --------------------------------------------------------------------


def load(source: str) -> dict[str, Any]:
    """A spec with the project's overrides applied and every local ``$ref`` resolved."""
    overrides = yaml.safe_load(regenerate.OVERRIDES.read_text(encoding="utf-8")) or {}
    spec = regenerate.apply_overrides(regenerate.load_spec(source), overrides)
    resolved: dict[str, Any] = resolve_refs(spec, spec, ())
    return resolved


def resolve_refs(node: Any, root: dict[str, Any], trail: tuple[str, ...]) -> Any:
    """``node`` with every ``#/...`` reference replaced by (a resolved copy of) its target."""
    if isinstance(node, list):
        return [resolve_refs(item, root, trail) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in trail:  # a recursive schema: stop at the second visit
            return {"$recursive": ref}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        merged = {**target, **siblings} if isinstance(target, dict) else target
        return resolve_refs(merged, root, (*trail, ref))
    return {key: resolve_refs(value, root, trail) for key, value in node.items()}


# --- comparing ----------------------------------------------------------------------------------


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path, item in (spec.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in METHODS:
            if isinstance(item.get(method), dict):
                operation = dict(item[method])
                operation["parameters"] = [*shared, *(operation.get("parameters") or [])]
                found[f"{method.upper()} {path}"] = operation
    return found


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    kinds = set(declared) if isinstance(declared, list) else ({declared} if declared else set())
    if schema.get("nullable") is True:
        kinds.add("null")
    if "enum" in schema and None in schema["enum"]:
        kinds.add("null")
    return kinds


def compare_schemas(old: Any, new: Any, where: str, direction: str, changes: list[Change]) -> None:
    """Differences of two schemas; ``direction`` is ``request`` or ``response``."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    request = direction == "request"
    old_types, new_types = types_of(old), types_of(new)
    if old_types != new_types:
        if old_types - {"null"} == new_types - {"null"}:
            now_nullable = "null" in new_types
            changes.append(
                Change(
                    "nullable-changed",
                    where,
                    "may now be null" if now_nullable else "may no longer be null",
                    breaking=(not now_nullable) if request else now_nullable,
                )
            )
        elif old_types and new_types:
            changes.append(
                Change(
                    "type-changed",
                    where,
                    f"type {sorted(old_types)} -> {sorted(new_types)}",
                    breaking=True,
                )
            )
    if old.get("format") != new.get("format") and (old.get("format") or new.get("format")):
        changes.append(
            Change(
                "format-changed",
                where,
                f"format {old.get('format')!r} -> {new.get('format')!r}",
                breaking=True,
            )
        )
    compare_enums(old, new, where, request, changes)
    compare_bounds(old, new, where, request, changes)
    compare_properties(old, new, where, direction, changes)
    if isinstance(old.get("items"), dict) or isinstance(new.get("items"), dict):
        compare_schemas(old.get("items"), new.get("items"), f"{where}[]", direction, changes)
    for keyword in COMPOSITION:
        if old.get(keyword) != new.get(keyword):
            changes.append(
                Change("composition-changed", where, f"'{keyword}' changed", breaking=True)
            )


def compare_enums(
    old: dict[str, Any], new: dict[str, Any], where: str, request: bool, changes: list[Change]
) -> None:
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in new:
        changes.append(Change("enum-opened", where, "is no longer an enumeration", breaking=False))
        return
    if "enum" not in old:
        changes.append(Change("enum-closed", where, "is now an enumeration", breaking=True))
        return
    before, after = list(old["enum"]), list(new["enum"])
    for value in before:
        if value not in after:
            changes.append(
                Change("enum-value-removed", where, f"value {value!r} removed", breaking=request)
            )
    for value in after:
        if value not in before:
            changes.append(
                Change("enum-value-added", where, f"value {value!r} added", breaking=not request)
            )


def compare_bounds(
    old: dict[str, Any], new: dict[str, Any], where: str, request: bool, changes: list[Change]
) -> None:
    for keyword, larger_narrows in BOUNDS_NARROWING.items():
        before, after = old.get(keyword), new.get(keyword)
        if before == after or isinstance(before, bool) or isinstance(after, bool):
            continue
        if before is None:
            narrower = True
        elif after is None:
            narrower = False
        else:
            narrower = (after > before) == larger_narrows
        changes.append(
            Change(
                "bound-changed",
                where,
                f"{keyword} {before} -> {after}",
                breaking=narrower if request else not narrower,
            )
        )


def compare_properties(
    old: dict[str, Any], new: dict[str, Any], where: str, direction: str, changes: list[Change]
) -> None:
    request = direction == "request"
    before, after = old.get("properties") or {}, new.get("properties") or {}
    was_required, is_required = set(old.get("required") or []), set(new.get("required") or [])
    for name in before:
        if name not in after:
            changes.append(
                Change("property-removed", f"{where}.{name}", "property removed", breaking=True)
            )
    for name in after:
        if name not in before:
            required = name in is_required
            changes.append(
                Change(
                    "property-added",
                    f"{where}.{name}",
                    f"{'required' if required else 'optional'} property added",
                    breaking=request and required,
                )
            )
    for name in before.keys() & after.keys():
        if (name in was_required) != (name in is_required):
            now = name in is_required
            changes.append(
                Change(
                    "required-changed",
                    f"{where}.{name}",
                    "now required" if now else "no longer required",
                    breaking=now if request else not now,
                )
            )
        compare_schemas(before[name], after[name], f"{where}.{name}", direction, changes)


def json_schema(body: dict[str, Any] | None) -> Any:
    content = (body or {}).get("content") or {}
    for kind, media in content.items():
        if kind == "application/json" or kind.endswith("+json"):
            return (media or {}).get("schema")
    return None


def compare_operation(old: dict[str, Any], new: dict[str, Any], name: str) -> list[Change]:
    changes: list[Change] = []
    params_before = {(p.get("in"), p.get("name")): p for p in old["parameters"]}
    params_after = {(p.get("in"), p.get("name")): p for p in new["parameters"]}
    for key in params_before:
        if key not in params_after:
            changes.append(
                Change(
                    "parameter-removed",
                    f"{name} {key[0]} parameter {key[1]}",
                    "parameter removed",
                    breaking=True,
                )
            )
    for key, param in params_after.items():
        where = f"{name} {key[0]} parameter {key[1]}"
        if key not in params_before:
            required = bool(param.get("required"))
            changes.append(
                Change(
                    "parameter-added",
                    where,
                    f"{'required' if required else 'optional'} parameter added",
                    breaking=required,
                )
            )
            continue
        before = params_before[key]
        if bool(before.get("required")) != bool(param.get("required")):
            now = bool(param.get("required"))
            changes.append(
                Change(
                    "required-changed",
                    where,
                    "now required" if now else "no longer required",
                    breaking=now,
                )
            )
        compare_schemas(before.get("schema"), param.get("schema"), where, "request", changes)
    old_body, new_body = old.get("requestBody"), new.get("requestBody")
    if old_body or new_body:
        where = f"{name} request body"
        if not old_body and new_body and new_body.get("required"):
            changes.append(Change("body-added", where, "required body added", breaking=True))
        compare_schemas(json_schema(old_body), json_schema(new_body), where, "request", changes)
    responses_before, responses_after = old.get("responses") or {}, new.get("responses") or {}
    for status, response in responses_before.items():
        where = f"{name} response {status}"
        if status not in responses_after:
            changes.append(
                Change(
                    "response-removed",
                    where,
                    "response removed",
                    breaking=str(status).startswith("2"),
                )
            )
            continue
        compare_schemas(
            json_schema(response), json_schema(responses_after[status]), where, "response", changes
        )
    for status in responses_after:
        if status not in responses_before:
            changes.append(
                Change("response-added", f"{name} response {status}", "response added", False)
            )
    return changes


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two resolved specs that matters to a client."""
    changes: list[Change] = []
    before, after = operations(old), operations(new)
    for name in before:
        if name not in after:
            changes.append(Change("operation-removed", name, "operation removed", breaking=True))
    for name in after:
        if name not in before:
            changes.append(Change("operation-added", name, "operation added", breaking=False))
    for name in before.keys() & after.keys():
        changes.extend(compare_operation(before[name], after[name], name))
    return sorted(changes, key=lambda c: (not c.breaking, c.where, c.kind, c.detail))


# --- reporting -----------------------------------------------------------------------------------


def report(changes: list[Change]) -> str:
    if not changes:
        return "No changes that affect clients."
    breaking = sum(c.breaking for c in changes)
    lines = [c.line() for c in changes]
    lines.append(f"{len(changes)} change(s), {breaking} breaking.")
    return "\n".join(lines)


def check(old_source: str, new_source: str, *, allow_breaking: bool, as_json: bool) -> int:
    """Print the report of OLD -> NEW; the exit status the command should return."""
    changes = diff(load(old_source), load(new_source))
    if as_json:
        print(json.dumps([asdict(c) for c in changes], indent=2))
    else:
        print(report(changes))
    if any(c.breaking for c in changes):
        if allow_breaking:
            print("Breaking changes allowed (--allow-breaking).", file=sys.stderr)
            return 0
        print(
            "Breaking changes for users of the SDK; pass --allow-breaking to accept them.",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the current spec (path or URL)")
    parser.add_argument("new", help="the new spec (path or URL)")
    parser.add_argument("--allow-breaking", action="store_true", help="exit 0 even if breaking")
    parser.add_argument("--json", action="store_true", help="print the changes as JSON")
    args = parser.parse_args(argv)
    try:
        return check(args.old, args.new, allow_breaking=args.allow_breaking, as_json=args.json)
    except (OSError, yaml.YAMLError) as exc:
        print(f"error: cannot read a spec: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # regenerate.load_spec: not an OpenAPI document
        if isinstance(exc.code, int):
            raise
        print(f"error: {exc.code}", file=sys.stderr)
        return 2
    except KeyError as exc:  # an override of openapi/overrides.yaml has no target in a spec
        print(f"error: openapi/overrides.yaml does not apply to a spec: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
