"""The breaking-change report: each test mutates a copy of the spec in a temp folder.

``scripts/spec_diff.py`` (and ``regenerate.py --spec``) must name each kind of change and
mark it breaking or not for users of the SDK; breaking changes fail unless allowed.
"""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.spec_support import ROOT, SPEC_PATH, load_spec

sys.path.insert(0, str(ROOT / "scripts"))
import regenerate
import spec_diff

POSTS = "/v2/posts/performance"
Spec = dict[str, Any]


def schemas(spec: Spec) -> dict[str, Any]:
    result: dict[str, Any] = spec["components"]["schemas"]
    return result


def posts_parameters(spec: Spec) -> list[Any]:
    result: list[Any] = spec["paths"][POSTS]["get"]["parameters"]
    return result


def remove_operation(spec: Spec) -> None:
    del spec["paths"]["/v2/creators/performance"]


def add_operation(spec: Spec) -> None:
    operation = copy.deepcopy(spec["paths"]["/v2/campaigns"]["get"])
    operation["operationId"] = "listCampaignGroups"
    spec["paths"]["/v2/campaign-groups"] = {"get": operation}


def add_required_parameter(spec: Spec) -> None:
    posts_parameters(spec).append(
        {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
    )


def add_optional_parameter(spec: Spec) -> None:
    posts_parameters(spec).append(
        {"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}
    )


def make_parameter_required(spec: Spec) -> None:
    spec["components"]["parameters"]["DateBasis"]["required"] = True


def remove_parameter(spec: Spec) -> None:
    parameters = posts_parameters(spec)
    parameters[:] = [p for p in parameters if p.get("$ref") != "#/components/parameters/DateBasis"]


def remove_request_enum_value(spec: Spec) -> None:
    schemas(spec)["Platform"]["enum"].remove("twitter")


def add_metric_value(spec: Spec) -> None:
    schemas(spec)["PostMetric"]["enum"].append("newMetric")


def remove_response_field(spec: Spec) -> None:
    post = schemas(spec)["PostPerformance"]
    del post["properties"]["contentUrl"]
    post["required"].remove("contentUrl")


def add_optional_response_field(spec: Spec) -> None:
    schemas(spec)["PostPerformance"]["properties"]["newField"] = {"type": "string"}


def make_response_field_optional(spec: Spec) -> None:
    schemas(spec)["PostPerformance"]["required"].remove("contentUrl")


def change_response_type(spec: Spec) -> None:
    schemas(spec)["PostPerformance"]["properties"]["postId"] = {"type": "string"}


def make_response_field_nullable(spec: Spec) -> None:
    schemas(spec)["PostPerformance"]["properties"]["contentUrl"]["type"] = ["string", "null"]


def lower_page_size_maximum(spec: Spec) -> None:
    spec["components"]["parameters"]["PageSize"]["schema"]["maximum"] = 50


def change_parameter_type(spec: Spec) -> None:
    for parameter in spec["components"]["parameters"].values():
        if parameter["name"] == "campaignIds":
            parameter["schema"]["items"] = {"type": "string"}


# mutation, the change's kind, where it is (a substring), breaking
CASES: list[tuple[Callable[[Spec], None], str, str, bool]] = [
    (remove_operation, "operation-removed", "GET /v2/creators/performance", True),
    (add_operation, "operation-added", "GET /v2/campaign-groups", False),
    (add_required_parameter, "parameter-added", f"GET {POSTS} query parameter region", True),
    (add_optional_parameter, "parameter-added", f"GET {POSTS} query parameter region", False),
    (make_parameter_required, "required-changed", f"GET {POSTS} query parameter dateBasis", True),
    (remove_parameter, "parameter-removed", f"GET {POSTS} query parameter dateBasis", True),
    (
        remove_request_enum_value,
        "enum-value-removed",
        f"GET {POSTS} query parameter platform[]",
        True,
    ),
    (add_metric_value, "enum-value-added", f"GET {POSTS} query parameter metrics[]", False),
    (
        remove_response_field,
        "property-removed",
        f"GET {POSTS} response 200.data[].contentUrl",
        True,
    ),
    (
        add_optional_response_field,
        "property-added",
        f"GET {POSTS} response 200.data[].newField",
        False,
    ),
    (
        make_response_field_optional,
        "required-changed",
        f"GET {POSTS} response 200.data[].contentUrl",
        True,
    ),
    (change_response_type, "type-changed", f"GET {POSTS} response 200.data[].postId", True),
    (
        make_response_field_nullable,
        "nullable-changed",
        f"GET {POSTS} response 200.data[].contentUrl",
        True,
    ),
    (lower_page_size_maximum, "bound-changed", f"GET {POSTS} query parameter pageSize", True),
    (change_parameter_type, "type-changed", f"GET {POSTS} query parameter campaignIds[]", True),
]


def mutated(tmp_path: Path, mutate: Callable[[Spec], None]) -> Path:
    spec = copy.deepcopy(load_spec())
    mutate(spec)
    path = tmp_path / "new-spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def run_diff(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = spec_diff.main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("mutate", "kind", "where", "breaking"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_each_kind_of_change_is_reported_and_classified(
    tmp_path: Path, mutate: Callable[[Spec], None], kind: str, where: str, breaking: bool
) -> None:
    new = mutated(tmp_path, mutate)
    changes = spec_diff.diff(spec_diff.load(str(SPEC_PATH)), spec_diff.load(str(new)))
    matching = [c for c in changes if c.kind == kind and where in c.where]
    assert matching, [c.line() for c in changes]
    assert {c.breaking for c in matching} == {breaking}
    assert any(c.breaking for c in changes) is breaking  # no other change hides the verdict
    status, out, err = run_diff(str(SPEC_PATH), str(new))
    assert status == (1 if breaking else 0)
    assert ("BREAKING" in out) is breaking
    assert ("--allow-breaking" in err) is breaking


def test_the_spec_against_itself_has_no_changes() -> None:
    assert run_diff(str(SPEC_PATH), str(SPEC_PATH)) == (0, "No changes that affect clients.\n", "")


def test_allow_breaking_reports_and_exits_zero(tmp_path: Path) -> None:
    new = mutated(tmp_path, remove_response_field)
    status, out, _ = run_diff(str(SPEC_PATH), str(new), "--allow-breaking")
    assert status == 0
    assert f"BREAKING  GET {POSTS} response 200.data[].contentUrl: property removed" in out


def test_a_missing_spec_or_a_file_that_is_no_spec_is_a_usage_error(tmp_path: Path) -> None:
    status, _, err = run_diff(str(SPEC_PATH), str(tmp_path / "absent.yaml"))
    assert status == 2
    assert "cannot read a spec" in err
    other = tmp_path / "other.yaml"
    other.write_text("name: not a spec\n", encoding="utf-8")
    status, _, err = run_diff(str(SPEC_PATH), str(other))
    assert status == 2
    assert "not an OpenAPI document" in err


def test_regenerate_refuses_a_breaking_spec_and_writes_nothing(tmp_path: Path) -> None:
    new = mutated(tmp_path, remove_operation)
    target = tmp_path / "out" / "later_reporting_api"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = regenerate.main(["--spec", str(new), "--output", str(target)])
    assert status == 1
    assert "BREAKING  GET /v2/creators/performance: operation removed" in out.getvalue()
    assert "Nothing regenerated." in err.getvalue()
    assert not target.exists()


USER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import httpx
    import later_reporting_api
    import later_reporting as lr
    from later_reporting_api.models import PostMetric

    assert later_reporting_api.__file__.startswith(sys.argv[1]), later_reporting_api.__file__
    assert PostMetric("newMetric").value == "newMetric"
    from later_reporting_api.api.campaigns import list_campaign_groups  # the new operation

    ROW = {
        "postId": 1, "postDate": "2025-01-02T10:00:00Z", "campaignId": 2, "creatorId": 3,
        "instanceId": "instance_abc", "contentType": "tiktok", "contentUrl": "https://x/1",
        "contentImageUrl": None,
        "creatorProfile": {"handleName": "h", "contentType": "tiktok", "fullName": None,
                           "profileLink": None, "profileImage": None},
        "impressions": 10.0, "newMetric": 4.0, "newField": "hello",
    }
    seen = []

    def reply(request):
        seen.append(request.url)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"jwt": "opaque-token"})
        page = {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1}
        return httpx.Response(200, json={"data": [ROW], "pagination": page})

    with lr.Client(base_url="https://api.example.com", client_id="i", client_secret="s",
                   transport=httpx.MockTransport(reply)) as client:
        posts = client.posts.performance(start="2025-01-01", end="2025-01-31",
                                         metrics=["impressions", "newMetric"])
        (post,) = list(posts)
        (raw,) = list(posts.dicts())
        page = posts.first_page()
    assert seen[-1].params.get_list("metrics") == ["impressions", "newMetric"]
    print(json.dumps({
        "attribute": getattr(post, "new_field", None),
        "additional": post.additional_properties.get("newMetric"),
        "dict": [raw["newField"], raw["newMetric"]],
        "raw": page.raw["data"][0]["newField"],
    }))
    """
)


def test_after_an_additive_regeneration_the_facade_works_and_new_fields_are_reachable(
    tmp_path: Path,
) -> None:
    """A new response field, a new metric value and a new operation: not breaking, and users
    reach the new field and metric through the typed model, the page's raw JSON and dicts()."""

    def additive(spec: Spec) -> None:
        add_optional_response_field(spec)
        add_metric_value(spec)
        add_operation(spec)

    new = mutated(tmp_path, additive)
    folder = tmp_path / "site"
    out = io.StringIO()
    with redirect_stdout(out):
        status = regenerate.main(
            ["--spec", str(new), "--output", str(folder / "later_reporting_api")]
        )
    assert status == 0, out.getvalue()
    report = out.getvalue()
    assert f"ok        GET {POSTS} response 200.data[].newField: optional property added" in report
    assert "ok        GET /v2/campaign-groups: operation added" in report
    assert "0 breaking" in report
    env = {**os.environ, "PYTHONPATH": str(folder)}
    run = subprocess.run(
        [sys.executable, "-c", USER_SCRIPT, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    import json

    assert json.loads(run.stdout) == {
        "attribute": "hello",
        "additional": 4.0,
        "dict": ["hello", 4.0],
        "raw": "hello",
    }
