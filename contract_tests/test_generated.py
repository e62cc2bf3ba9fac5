"""The generated client: it round-trips the seed examples, it is regenerated from the spec with
the overrides applied, the drift check catches a hand edit, and the wheel ships it."""

from __future__ import annotations

import copy
import datetime
import importlib
import io
import re
import shutil
import sys
import zipfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from dateutil.parser import isoparse

from contract_tests.spec_support import ROOT, load_spec, operations, resolve

sys.path.insert(0, str(ROOT / "scripts"))
import regenerate

# --- round trip --------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _response_examples() -> list[tuple[str, str, Any]]:
    found = []
    for path, _, operation in operations():
        content = operation["responses"]["200"]["content"]["application/json"]
        schema_name = content["schema"]["$ref"].rsplit("/", 1)[1]
        for example in content.get("examples", {}).values():
            found.append((path, schema_name, example["value"]))
    return found


def _normalise(value: Any) -> Any:
    """Datetimes compare as instants: `...00.000Z` and `...00+00:00` are the same JSON value."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", value):
        return isoparse(value)
    return value


EXAMPLES = _response_examples()


@pytest.mark.parametrize(("path", "schema_name", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_generated_model_round_trips_seed_example(
    path: str, schema_name: str, example: dict[str, Any]
) -> None:
    module = importlib.import_module(f"later_reporting_api.models.{_snake(schema_name)}")
    model = getattr(module, schema_name).from_dict(copy.deepcopy(example))
    assert _normalise(model.to_dict()) == _normalise(example)


def test_round_trip_keeps_typed_values() -> None:
    from later_reporting_api.models import PostPerformanceResponse

    (example,) = [e for p, _, e in EXAMPLES if p == "/v2/posts/performance"]
    row = PostPerformanceResponse.from_dict(example).data[0]
    assert row.post_date == datetime.datetime(2024, 7, 15, 14, 30, tzinfo=datetime.UTC)
    assert row.creator_profile.handle_name == "janesmith"
    assert row.paid_cpm == 57.69


def test_unknown_response_values_do_not_break_parsing() -> None:
    from later_reporting_api.models import PlatformPerformance

    row = PlatformPerformance.from_dict(
        {"platform": "threads", "contentType": "threads_post", "metrics": {"brandNewMetric": 3}}
    )
    assert row.platform == "threads"
    assert row.metrics.additional_properties == {"brandNewMetric": 3}


# --- overrides kept as data ----------------------------------------------------------------------


def _overrides() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "openapi" / "overrides.yaml").read_text(encoding="utf-8"))


def test_our_spec_is_a_fixed_point_of_the_overrides() -> None:
    assert regenerate.apply_overrides(load_spec(), _overrides()) == load_spec()


def test_overrides_open_response_enums_and_fix_date_formats_of_a_vendor_style_spec() -> None:
    vendor = copy.deepcopy(load_spec())
    schemas = vendor["components"]["schemas"]
    schemas["Campaign"]["properties"]["status"] = {"type": "string", "enum": ["live", "draft"]}
    schemas["PlatformPerformance"]["properties"]["platform"] = {
        "$ref": "#/components/schemas/Platform"
    }
    vendor["components"]["parameters"]["StartDate"]["schema"] = {
        "type": "string",
        "format": "date-time",
    }
    fixed = regenerate.apply_overrides(vendor, _overrides())
    fixed_schemas = fixed["components"]["schemas"]
    assert "enum" not in fixed_schemas["Campaign"]["properties"]["status"]
    assert fixed_schemas["PlatformPerformance"]["properties"]["platform"]["type"] == "string"
    assert "$ref" not in fixed_schemas["PlatformPerformance"]["properties"]["platform"]
    # Request parameters keep their enumerations.
    assert (
        fixed_schemas["Platform"]["enum"]
        == load_spec()["components"]["schemas"]["Platform"]["enum"]
    )
    assert fixed["components"]["parameters"]["StartDate"]["schema"]["format"] == "date"


def test_patches_edit_by_json_pointer_and_if_present_skips_missing_targets() -> None:
    spec = copy.deepcopy(load_spec())
    overrides = {
        "patches": [
            {"op": "replace", "path": "/info/title", "value": "Patched"},
            {
                "op": "add",
                "path": "/components/schemas/Problem/properties/instance",
                "value": {"type": "string"},
            },
            {"op": "remove", "path": "/paths/~1v2~1campaigns/get/parameters/0"},
            {"op": "remove", "path": "/paths/~1v2~1networks~1performance", "if_present": True},
        ]
    }
    patched = regenerate.apply_overrides(spec, overrides)
    assert patched["info"]["title"] == "Patched"
    assert "instance" in patched["components"]["schemas"]["Problem"]["properties"]
    assert (
        len(patched["paths"]["/v2/campaigns"]["get"]["parameters"])
        == len(spec["paths"]["/v2/campaigns"]["get"]["parameters"]) - 1
    )
    with pytest.raises(KeyError, match="does not exist"):
        regenerate.apply_overrides(
            spec, {"patches": [{"op": "replace", "path": "/info/nope", "value": 1}]}
        )


# --- regeneration and the drift check -------------------------------------------------------------


def test_drift_check_passes_on_the_committed_package_and_fails_with_a_diff_on_a_hand_edit(
    tmp_path: Path,
) -> None:
    committed = ROOT / "generated" / "later_reporting_api"
    out = io.StringIO()
    with redirect_stdout(out):
        assert regenerate.main(["--check"]) == 0
    edited = tmp_path / "later_reporting_api"
    shutil.copytree(committed, edited)
    target = edited / "models" / "problem.py"
    target.write_text(
        target.read_text(encoding="utf-8").replace("detail", "details", 1), encoding="utf-8"
    )
    (edited / "stray.py").write_text("x = 1\n", encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out):
        assert regenerate.main(["--check", "--output", str(edited)]) == 1
    diff = out.getvalue()
    assert "generated/later_reporting_api/models/problem.py" in diff
    assert "stray.py" in diff


def test_every_generated_module_carries_the_do_not_edit_header() -> None:
    modules = list((ROOT / "generated" / "later_reporting_api").rglob("*.py"))
    assert len(modules) > 40
    for module in modules:
        head = module.read_text(encoding="utf-8").splitlines()[:2]
        assert head == regenerate.HEADER.splitlines(), module
    assert (ROOT / "generated" / "later_reporting_api" / "py.typed").exists()


def test_the_wheel_ships_the_facade_and_the_generated_package(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    names = zipfile.ZipFile(wheel).namelist()
    assert "later_reporting/__init__.py" in names
    assert "later_reporting/py.typed" in names
    assert "later_reporting_api/__init__.py" in names
    assert "later_reporting_api/py.typed" in names
    assert "later_reporting_api/api/posts/get_posts_performance.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("generated/")]


def test_operation_ids_map_to_generated_modules() -> None:
    for path, _, operation in operations():
        tag = resolve(operation)["tags"][0].lower()
        module = f"later_reporting_api.api.{tag}.{_snake(operation['operationId'])}"
        loaded = importlib.import_module(module)
        assert callable(loaded.sync_detailed), path
        assert callable(loaded.asyncio_detailed), path
