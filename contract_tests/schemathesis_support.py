"""The schemathesis configuration shared by the sandbox, the staging run and the plain CLI.

Every check schemathesis has for a stateless run is on (``CHECKS``) except the built-in
``positive_data_acceptance``, which accepts any listed status. It is replaced by
:func:`documented_rejections_only`: a schema-valid request may be refused only by one of the
API's documented rules the spec cannot express, each named in ``RULES`` and recognised from
the request itself and the problem body; any other refusal of schema-valid data fails the run.

``contract_tests/cli_hooks.py`` (the ``hooks`` of ``schemathesis.toml``) imports this module, so
the plain CLI applies the same check.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

from contract_tests.spec_support import SPEC_PATH

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "documented_rejections_only",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
]
SEED = 20261123
TOKEN_PATH = "/oauth/token"


def _values(case: Any, name: str) -> list[str]:
    raw = (case.query or {}).get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [part for item in items for part in str(item).split(",") if part]


def _day(case: Any, name: str) -> dt.date | None:
    values = _values(case, name)
    try:
        return dt.date.fromisoformat(values[0]) if len(values) == 1 else None
    except ValueError:
        return None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Rule:
    """A documented refusal of schema-valid data: the status, problem type and when it applies."""

    name: str
    status: int
    problem_type: str
    applies: Callable[[Any, dict[str, Any]], bool]


def _platform_with_content_type(case: Any, body: dict[str, Any]) -> bool:
    return bool(_values(case, "platform")) and bool(_values(case, "contentType"))


def _start_after_end(case: Any, body: dict[str, Any]) -> bool:
    start, end = _day(case, "startDate"), _day(case, "endDate")
    return start is not None and end is not None and start > end


def _longer_than_two_years(case: Any, body: dict[str, Any]) -> bool:
    start, end = _day(case, "startDate"), _day(case, "endDate")
    return start is not None and end is not None and end >= _add_years(start, 2)


def _metric_unsupported_for_filters(case: Any, body: dict[str, Any]) -> bool:
    valid = body.get("validMetrics")
    requested = _values(case, "metrics")
    return (
        isinstance(valid, list)
        and (not requested or any(m not in valid for m in requested))
        and all(isinstance(m, str) for m in valid)
    )


def _instances_outside_the_clients_set(case: Any, body: dict[str, Any]) -> bool:
    return bool(_values(case, "instanceIds"))


def _cursor_not_issued_by_the_api(case: Any, body: dict[str, Any]) -> bool:
    return any(value != "null" for value in _values(case, "nextCursor"))


RULES = [
    Rule(
        "platform and contentType cannot be combined", 400, "ANL_00400", _platform_with_content_type
    ),
    Rule("startDate after endDate", 400, "ANL_00400", _start_after_end),
    Rule("date range longer than two years", 400, "ANL_00400", _longer_than_two_years),
    Rule(
        "metric unsupported for the filters (body lists validMetrics)",
        400,
        "ANL_00400",
        _metric_unsupported_for_filters,
    ),
    Rule(
        "nextCursor not one the API issued for this query (cursors are opaque)",
        400,
        "ANL_00400",
        _cursor_not_issued_by_the_api,
    ),
    Rule(
        "instanceIds outside the client's instances",
        403,
        "ANL_00403",
        _instances_outside_the_clients_set,
    ),
]


def documented_rule(case: Any, status: int, body: Any) -> Rule | None:
    """The documented rule that explains refusing this schema-valid request, if any."""
    if not isinstance(body, dict):
        return None
    for rule in RULES:
        if (
            status == rule.status
            and body.get("type") == rule.problem_type
            and rule.applies(case, body)
        ):
            return rule
    return None


@schemathesis.check
def documented_rejections_only(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is accepted (2xx) unless a documented cross-parameter rule refuses it.

    Not judged here, each for its stated reason:
    - ``POST /oauth/token``: schema-valid bodies carry arbitrary credentials, which the API
      rightly refuses with 401/403 (``INVALID_CLIENT_CREDENTIALS``, ``CLIENT_DISABLED``).
    - 429: a rate-limit answer is no verdict on the data (``status_code_conformance`` and the
      header checks still hold it to the spec).
    - requests schemathesis deliberately sends with an undocumented method or shape.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if is_unexpected_http_status_case(case) or case.operation.path == TOKEN_PATH:
        return None
    status = response.status_code
    if 200 <= status < 300 or status == 429:
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    rule = documented_rule(case, status, body)
    if rule is None:
        detail = body.get("detail") if isinstance(body, dict) else response.content[:200]
        raise AssertionError(
            f"Schema-valid request refused with {status} by no documented rule: {detail!r}"
        )
    return None


def excluded(case: Any) -> list[Any]:
    """Checks that do not apply to a case (none: each check names its own exceptions)."""
    return []


def load(token: Callable[[], str]) -> Any:
    """The spec as a schemathesis schema, authenticated through ``/oauth/token``."""
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.config.checks.update(included_check_names=CHECKS)
    schema.config.seed = SEED

    @schema.auth()
    class SchemaAuth:
        def get(self, case: Any, context: Any) -> str:
            return token()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    return schema
