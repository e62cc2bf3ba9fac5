"""The schemathesis configuration shared by the sandbox, the staging run and the plain CLI.

Every check schemathesis has for a stateless run is on (``CHECKS``). The built-in
``positive_data_acceptance`` accepts any status in a list; this module registers a check of the
same name in its place (schemathesis keeps one check per name, so ``--checks all`` runs this
one): a schema-valid request may be refused only by one of the API's documented rules the spec
cannot express, each named in ``RULES`` and recognised from the request itself and the problem
body; any other refusal of schema-valid data fails the run.

``contract_tests/cli_hooks.py`` (the ``hooks`` of ``schemathesis.toml``) imports this module, so
the plain CLI applies the same check.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import schemathesis
from schemathesis.checks import CHECKS as CHECK_REGISTRY
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

from contract_tests.spec_support import SPEC_PATH, parameters, resolve

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "invalid_enum_rejection",
    "positive_data_acceptance",
    "paging_honours_the_request",
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


def _date_basis_in_the_servers_spelling(case: Any, body: dict[str, Any]) -> bool:
    """The newer docs spell dateBasis values ``postDate``/``performanceDate``; the spec keeps
    the seeds' ``post_date``. Allowed only where the fingerprint found that spelling."""
    from contract_tests.fingerprint import load_report

    sent = _values(case, "dateBasis")
    report = load_report(os.environ.get("LATER_REPORTING_BASE_URL", ""))
    return (
        bool(sent)
        and all(value in ("post_date", "performance_date") for value in sent)
        and "postDate" in str(body.get("detail", ""))
        and report is not None
        and report.get("date_basis_spelling") == "postDate"
    )


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
        "dateBasis in the postDate spelling the fingerprint found (newer docs' variant)",
        400,
        "ANL_00400",
        _date_basis_in_the_servers_spelling,
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


def _replace_builtin(name: str) -> None:
    """Schemathesis keeps one check per name and refuses a second: drop the built-in first."""
    registered = {check.__name__: check for check in CHECK_REGISTRY.get_all()}
    if name in registered and registered[name].__module__ != __name__:
        CHECK_REGISTRY.unregister(name)


_replace_builtin("positive_data_acceptance")


@schemathesis.check
def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is accepted (2xx) unless a documented cross-parameter rule refuses it.

    Replaces the built-in of this name, which accepts any status in a configured list.

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


def _enum_of(case: Any, name: str) -> list[Any] | None:
    declared = parameters(case.operation.path, case.operation.method.lower())
    if name not in declared:
        return None
    schema = resolve(declared[name]["schema"])
    if schema.get("type") == "array":
        schema = resolve(schema.get("items", {}))
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


@schemathesis.check
def invalid_enum_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """A query value outside its enum, as sent on the wire, is refused (not 2xx).

    ``negative_data_rejection`` lets such a request pass when another query parameter of the
    same case is valid (its single-element-array heuristic neutralises the whole query when
    a coverage case carries no mutation records), so a server accepting any
    ``sortDirection`` went unnoticed. This check reads the sent URL instead.
    """
    meta = case.meta
    data = getattr(meta.phase, "data", None) if meta is not None else None
    if (
        not isinstance(data, CoveragePhaseData)
        or data.scenario != CoverageScenario.INVALID_ENUM_VALUE
        or data.parameter_location != ParameterLocation.QUERY
        or not 200 <= response.status_code < 300
    ):
        return None
    enum = _enum_of(case, data.parameter)
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    values = [
        part
        for key in (data.parameter, f"{data.parameter}[]")
        for raw in sent.get(key, [])
        for part in raw.split(",")
    ]
    outside = [v for v in values if enum is not None and v not in [str(e) for e in enum]]
    if outside:
        raise AssertionError(
            f"{data.parameter}={outside[0]!r} is outside its enum but was accepted "
            f"with {response.status_code}"
        )
    return None


DEFAULT_PAGE_SIZE = 50  # the spec's documented default for pageSize


def _number(case: Any, name: str) -> int | None:
    values = _values(case, name)
    return int(values[0]) if len(values) == 1 and values[0].lstrip("-").isdigit() else None


@schemathesis.check
def paging_honours_the_request(ctx: Any, response: Any, case: Any) -> bool | None:
    """A page answers the page asked for: ``pagination.pageSize`` is the requested pageSize
    (``limit`` in cursor style; 50 by default), ``page`` the requested pageNumber, and ``data``
    holds at most pageSize items. Schema conformance cannot see a server ignoring pageSize."""
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    paging = body.get("pagination") if isinstance(body, dict) else None
    if not isinstance(paging, dict) or _values(case, "nextCursor"):
        return None
    size = _number(case, "limit") or _number(case, "pageSize") or DEFAULT_PAGE_SIZE
    number = _number(case, "pageNumber") or 1
    if paging.get("pageSize") != size:
        raise AssertionError(f"Asked for pageSize {size}, got pagination {paging}")
    if paging.get("page") != number:
        raise AssertionError(f"Asked for page {number}, got pagination {paging}")
    if isinstance(body.get("data"), list) and len(body["data"]) > size:
        raise AssertionError(f"Asked for pageSize {size}, got {len(body['data'])} items")
    return None


def excluded(case: Any) -> list[Any]:
    """Checks that do not apply to a case (none: each check names its own exceptions)."""
    return []


# For a sandbox without a rate limit: practically no client limit. Against a real API the
# limit of ``schemathesis.toml`` (loaded from the working directory) applies.
NO_CLIENT_LIMIT = "10000/s"


def load(token: Callable[[], str], rate_limit: str | None = None) -> Any:
    """The spec as a schemathesis schema, authenticated through ``/oauth/token``.

    ``rate_limit`` (e.g. ``"110/m"``) replaces the client rate limit of ``schemathesis.toml``.
    """
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    if rate_limit:
        schema.config.update(rate_limit=rate_limit)
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
