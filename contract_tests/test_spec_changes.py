"""The breaking-change rules of ``scripts/spec_diff.py``, one small spec at a time.

Each case compares two tiny resolved specs with ``spec_diff.diff`` and names every change it
must report: its kind, where, what and whether it breaks users of the SDK (the table in the
script's docstring). ``test_spec_diff.py`` runs the same rules over edits of the real spec.
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from contract_tests.spec_support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import spec_diff

PATH = "/v2/things"
GET = f"GET {PATH}"
PARAM = f"{GET} query parameter p"
RESPONSE = f"{GET} response 200"
Spec = dict[str, Any]
Seen = list[tuple[str, str, str, bool]]


def spec(operation: dict[str, Any], *, shared: list[Any] | None = None) -> Spec:
    item: dict[str, Any] = {"get": operation}
    if shared is not None:
        item["parameters"] = shared
    return {"openapi": "3.1.0", "paths": {PATH: item}}


def json_body(schema: Any, media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def request(schema: Any, *, required: bool = False) -> Spec:
    """A spec whose one query parameter ``p`` has ``schema``."""
    param = {"name": "p", "in": "query", "required": required, "schema": schema}
    return spec({"parameters": [param], "responses": {}})


def response(schema: Any) -> Spec:
    """A spec whose one operation answers 200 with ``schema``."""
    return spec({"responses": {"200": json_body(schema)}})


def seen(old: Spec, new: Spec) -> Seen:
    return [(c.kind, c.where, c.detail, c.breaking) for c in spec_diff.diff(old, new)]


STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}


def side(direction: str, in_request: bool, in_response: bool) -> tuple[Any, str, bool]:
    """How a schema is placed on ``direction``'s side, where a change is reported, and
    whether it breaks there."""
    if direction == "request":
        return request, PARAM, in_request
    return response, RESPONSE, in_response


@pytest.mark.parametrize(
    ("old", "new", "kind", "detail", "in_request", "in_response"),
    [
        (STRING, NULLABLE, "nullable-changed", "may now be null", False, True),
        (NULLABLE, STRING, "nullable-changed", "may no longer be null", True, False),
        (
            {"type": "string", "nullable": True},
            STRING,
            "nullable-changed",
            "may no longer be null",
            True,
            False,
        ),
        (
            {"type": "integer"},
            {"type": ["string", "null"]},
            "type-changed",
            "type ['integer'] -> ['null', 'string']",
            True,
            True,
        ),
        (
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            "format-changed",
            "format 'date' -> 'date-time'",
            True,
            True,
        ),
        (
            {"type": "string", "format": "uuid"},
            STRING,
            "format-changed",
            "format 'uuid' -> None",
            True,
            True,
        ),
        (
            STRING,
            {"type": "string", "format": "uuid"},
            "format-changed",
            "format None -> 'uuid'",
            True,
            True,
        ),
        (
            {"enum": ["a", "b"]},
            {"enum": ["a"]},
            "enum-value-removed",
            "value 'b' removed",
            True,
            False,
        ),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}, "enum-value-added", "value 'b' added", False, True),
        ({"enum": ["a"]}, STRING, "enum-opened", "is no longer an enumeration", False, False),
        (
            STRING,
            {"type": "string", "enum": ["a"]},
            "enum-closed",
            "is now an enumeration",
            True,
            True,
        ),
        (
            {"oneOf": [STRING]},
            {"oneOf": [NULLABLE]},
            "composition-changed",
            "'oneOf' changed",
            True,
            True,
        ),
        ({"not": STRING}, {}, "composition-changed", "'not' changed", True, True),
    ],
)
@pytest.mark.parametrize("direction", ["request", "response"])
def test_a_schema_change_breaks_requests_or_responses(
    direction: str,
    old: Any,
    new: Any,
    kind: str,
    detail: str,
    in_request: bool,
    in_response: bool,
) -> None:
    wrap, where, breaking = side(direction, in_request, in_response)
    assert seen(wrap(old), wrap(new)) == [(kind, where, detail, breaking)]


def test_null_among_the_values_of_an_enum_makes_it_nullable() -> None:
    changes = seen(response({"enum": ["a"]}), response({"enum": ["a", None]}))
    assert ("nullable-changed", RESPONSE, "may now be null", True) in changes


def test_a_type_declared_where_there_was_none_is_no_change() -> None:
    assert seen(request({}), request(STRING)) == []
    assert seen(request({"type": "string", "nullable": False}), request(STRING)) == []


@pytest.mark.parametrize(
    ("keyword", "old", "new", "narrower"),
    [
        ("minimum", 1, 2, True),
        ("exclusiveMinimum", 1, 0, False),
        ("minLength", 1, 2, True),
        ("minItems", 2, 1, False),
        ("maximum", 10, 9, True),
        ("exclusiveMaximum", 10, 11, False),
        ("maxLength", 10, 9, True),
        ("maxItems", 10, 11, False),
        ("maximum", None, 10, True),
        ("minimum", 1, None, False),
    ],
)
def test_a_bound_that_narrows_breaks_requests_and_one_that_widens_breaks_responses(
    keyword: str, old: int | None, new: int | None, narrower: bool
) -> None:
    def schema(value: int | None) -> dict[str, Any]:
        return {"type": "integer"} if value is None else {"type": "integer", keyword: value}

    detail = f"{keyword} {old} -> {new}"
    assert seen(request(schema(old)), request(schema(new))) == [
        ("bound-changed", PARAM, detail, narrower)
    ]
    assert seen(response(schema(old)), response(schema(new))) == [
        ("bound-changed", RESPONSE, detail, not narrower)
    ]


def test_a_boolean_bound_of_openapi_3_0_is_left_to_the_bound_it_qualifies() -> None:
    old = {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
    new = {"type": "integer", "minimum": 0, "exclusiveMinimum": False}
    assert seen(request(old), request(new)) == []
    # OpenAPI 3.0's boolean against 3.1's number, either way: not compared as numbers.
    newer = {"type": "integer", "minimum": 0, "exclusiveMinimum": 5}
    assert seen(request(old), request(newer)) == []
    assert seen(request(newer), request(old)) == []


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


@pytest.mark.parametrize(
    ("old", "new", "kind", "detail", "in_request", "in_response"),
    [
        (obj({"a": STRING}), obj({}), "property-removed", "property removed", True, True),
        (
            obj({}),
            obj({"a": STRING}, ["a"]),
            "property-added",
            "required property added",
            True,
            False,
        ),
        (obj({}), obj({"a": STRING}), "property-added", "optional property added", False, False),
        (
            obj({"a": STRING}),
            obj({"a": STRING}, ["a"]),
            "required-changed",
            "now required",
            True,
            False,
        ),
        (
            obj({"a": STRING}, ["a"]),
            obj({"a": STRING}),
            "required-changed",
            "no longer required",
            False,
            True,
        ),
    ],
)
@pytest.mark.parametrize("direction", ["request", "response"])
def test_a_property_change_breaks_requests_or_responses(
    direction: str,
    old: Any,
    new: Any,
    kind: str,
    detail: str,
    in_request: bool,
    in_response: bool,
) -> None:
    wrap, where, breaking = side(direction, in_request, in_response)
    assert seen(wrap(old), wrap(new)) == [(kind, f"{where}.a", detail, breaking)]


def test_nested_properties_and_array_items_are_compared_where_they_are() -> None:
    old = obj({"a": {"type": "array", "items": obj({"b": {"type": "integer"}})}})
    new = obj({"a": {"type": "array", "items": obj({"b": STRING})}})
    assert seen(response(old), response(new)) == [
        ("type-changed", f"{RESPONSE}.a[].b", "type ['integer'] -> ['string']", True)
    ]
    assert seen(response({"items": STRING}), response({})) == []


def test_operations_removed_and_added() -> None:
    old = {"openapi": "3.1.0", "paths": {PATH: {"get": {}, "summary": "text"}}}
    new = {"openapi": "3.1.0", "paths": {PATH: {"post": {}, "trace": {}}}}
    assert seen(old, new) == [
        ("operation-removed", GET, "operation removed", True),
        ("operation-added", f"POST {PATH}", "operation added", False),
        ("operation-added", f"TRACE {PATH}", "operation added", False),
    ]


@pytest.mark.parametrize(
    ("old", "new", "kind", "detail", "breaking"),
    [
        ([{"name": "p", "in": "query"}], [], "parameter-removed", "parameter removed", True),
        ([], [{"name": "p", "in": "query"}], "parameter-added", "optional parameter added", False),
        (
            [],
            [{"name": "p", "in": "query", "required": True}],
            "parameter-added",
            "required parameter added",
            True,
        ),
        (
            [{"name": "p", "in": "query"}],
            [{"name": "p", "in": "query", "required": True}],
            "required-changed",
            "now required",
            True,
        ),
        (
            [{"name": "p", "in": "query", "required": True}],
            [{"name": "p", "in": "query"}],
            "required-changed",
            "no longer required",
            False,
        ),
    ],
)
def test_parameters_of_the_operation_and_of_its_path(
    old: list[Any], new: list[Any], kind: str, detail: str, breaking: bool
) -> None:
    expected = [(kind, PARAM, detail, breaking)]
    assert seen(spec({"parameters": old}), spec({"parameters": new})) == expected
    assert seen(spec({}, shared=old), spec({}, shared=new)) == expected


def test_a_parameter_is_told_apart_by_where_it_goes() -> None:
    old = spec({"parameters": [{"name": "p", "in": "query"}]})
    new = spec({"parameters": [{"name": "p", "in": "header"}]})
    assert seen(old, new) == [
        ("parameter-removed", PARAM, "parameter removed", True),
        ("parameter-added", f"{GET} header parameter p", "optional parameter added", False),
    ]


def test_request_bodies() -> None:
    body = f"{GET} request body"
    required = {"required": True, **json_body(obj({}))}
    assert seen(spec({}), spec({"requestBody": required})) == [
        ("body-added", body, "required body added", True)
    ]
    assert seen(spec({}), spec({"requestBody": json_body(obj({}))})) == []
    old = spec({"requestBody": json_body(obj({}), "application/merge-patch+json")})
    new = spec({"requestBody": json_body(obj({"a": STRING}, ["a"]), "application/json")})
    assert seen(old, new) == [("property-added", f"{body}.a", "required property added", True)]
    text = spec({"requestBody": json_body(obj({}), "text/plain")})
    assert seen(text, spec({"requestBody": json_body(obj({"a": STRING}, ["a"]), "text/csv")})) == []


def test_a_body_that_is_not_json_is_not_compared() -> None:
    old = spec({"responses": {"200": json_body(obj({"a": STRING}), "text/csv")}})
    new = spec({"responses": {"200": json_body(obj({}), "text/csv")}})
    assert seen(old, new) == []


def test_responses_removed_and_added() -> None:
    old = spec({"responses": {"200": {}, "404": {}}})
    new = spec({"responses": {"500": {}}})
    assert seen(old, new) == [
        ("response-removed", RESPONSE, "response removed", True),
        ("response-removed", f"{GET} response 404", "response removed", False),
        ("response-added", f"{GET} response 500", "response added", False),
    ]


def test_breaking_changes_come_first_then_by_place() -> None:
    old = spec({"parameters": [{"name": "b", "in": "query"}, {"name": "a", "in": "query"}]})
    new = spec(
        {"parameters": [{"name": "z", "in": "query"}, {"name": "c", "in": "query"}]},
    )
    assert [(c.breaking, c.where) for c in spec_diff.diff(old, new)] == [
        (True, f"{GET} query parameter a"),
        (True, f"{GET} query parameter b"),
        (False, f"{GET} query parameter c"),
        (False, f"{GET} query parameter z"),
    ]


def test_references_are_resolved_with_their_siblings_and_escapes() -> None:
    root = {
        "components": {"schemas": {"a/b~c": {"type": "string", "format": "date"}}},
        "node": {"$ref": "#/components/schemas/a~1b~0c", "format": "date-time"},
        "list": [{"$ref": "#/components/schemas/a~1b~0c"}, 3],
        "other": {"$ref": "https://example.com/x.yaml"},
        "tags": {"$ref": "#/components/tags"},
    }
    root["components"]["tags"] = ["a", "b"]
    resolved = spec_diff.resolve_refs(root, root, ())
    assert resolved["node"] == {"type": "string", "format": "date-time"}
    assert resolved["list"] == [{"type": "string", "format": "date"}, 3]
    assert resolved["other"] == {"$ref": "https://example.com/x.yaml"}
    assert resolved["tags"] == ["a", "b"]


def test_a_recursive_schema_is_resolved_once() -> None:
    root = {
        "components": {"schemas": {"Node": obj({"child": {"$ref": "#/components/schemas/Node"}})}}
    }
    resolved = spec_diff.resolve_refs({"$ref": "#/components/schemas/Node"}, root, ())
    assert resolved["properties"]["child"] == {"$recursive": "#/components/schemas/Node"}


def test_the_report_counts_the_changes_and_the_breaking_ones() -> None:
    changes = spec_diff.diff(spec({"parameters": [{"name": "p", "in": "query"}]}), spec({}))
    changes += [spec_diff.Change("operation-added", "GET /x", "operation added", False)]
    assert spec_diff.report(changes) == "\n".join(
        [
            f"BREAKING  {PARAM}: parameter removed",
            "ok        GET /x: operation added",
            "2 change(s), 1 breaking.",
        ]
    )


def use_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Apply ``text`` as openapi/overrides.yaml (the project's own suit the real spec only)."""
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(spec_diff.regenerate, "OVERRIDES", path)


@pytest.fixture
def no_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_overrides(tmp_path, monkeypatch, "")  # an empty file: no rules, no patches


def run_check(tmp_path: Path, old: Spec, new: Spec, *args: str) -> tuple[int, str, str]:
    files = []
    for name, content in (("old.json", old), ("new.json", new)):
        path = tmp_path / name
        path.write_text(json.dumps(content), encoding="utf-8")
        files.append(str(path))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = spec_diff.main([*files, *args])
    return status, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("no_overrides")
def test_the_json_report_lists_every_change(tmp_path: Path) -> None:
    old = {"openapi": "3.1.0", "paths": {PATH: {"get": {}}}}
    status, out, err = run_check(tmp_path, old, {"openapi": "3.1.0", "paths": {}}, "--json")
    assert status == 1
    assert json.loads(out) == [
        {"kind": "operation-removed", "where": GET, "detail": "operation removed", "breaking": True}
    ]
    assert out == json.dumps(json.loads(out), indent=2) + "\n"
    assert err == "Breaking changes for users of the SDK; pass --allow-breaking to accept them.\n"
    status, out, err = run_check(
        tmp_path, old, {"openapi": "3.1.0", "paths": {}}, "--json", "--allow-breaking"
    )
    assert status == 0
    assert err == "Breaking changes allowed (--allow-breaking).\n"
    status, out, err = run_check(tmp_path, old, old, "--json")
    assert (status, json.loads(out), err) == (0, [], "")


def test_a_spec_the_overrides_do_not_fit_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch = "patches:\n  - {op: replace, path: /paths/~1v2~1gone/get, value: {}}\n"
    use_overrides(tmp_path, monkeypatch, patch)
    tiny = {"openapi": "3.1.0", "paths": {PATH: {"get": {}}}}
    status, out, err = run_check(tmp_path, tiny, tiny)
    assert (status, out) == (2, "")
    assert err.startswith("error: openapi/overrides.yaml does not apply to a spec: ")


def test_a_file_that_is_not_yaml_is_a_usage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [3.1.0\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = spec_diff.main([str(broken), str(broken)])
    assert (status, out.getvalue()) == (2, "")
    assert err.getvalue().startswith("error: cannot read a spec: ")


def test_the_command_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        spec_diff.main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "What changed between two versions of the spec, each change marked breaking" in text
    for line in [
        "old the current spec (path or URL)",
        "new the new spec (path or URL)",
        "--allow-breaking exit 0 even if breaking",
        "--json print the changes as JSON",
    ]:
        assert line in text
