"""The schemathesis configuration shared by the sandbox and the staging runs.

Checks: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, response_headers_conformance, negative_data_rejection,
positive_data_acceptance, missing_required_header and ignored_auth.

positive_data_acceptance expects 2xx, 400 and 403: the spec cannot express the API's
cross-parameter rules (``platform`` with ``contentType``, ``startDate`` after ``endDate``,
ranges over two years, metrics restricted to some content types, instances outside the
client's set), so schema-valid data may still be rejected with a documented 400 or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from contract_tests.spec_support import SPEC_PATH

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "ignored_auth",
]


def excluded(case: Any) -> list[Any]:
    """Checks that do not apply to a case.

    On ``POST /oauth/token`` schema-valid data includes arbitrary credentials, which the API
    rightly answers with 401: positive-data acceptance cannot hold there.
    """
    if case.operation.path == "/oauth/token":
        return [positive_data_acceptance]
    return []


def load(token: Callable[[], str]) -> Any:
    """The spec as a schemathesis schema, authenticated through ``/oauth/token``."""
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    schema.config.checks.update(included_check_names=CHECKS)
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2XX", "400", "403"]
    )
    schema.config.seed = 20261123

    @schema.auth()
    class TokenAuth:
        def get(self, case: Any, context: Any) -> str:
            return token()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    return schema
